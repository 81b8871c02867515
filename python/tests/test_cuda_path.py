"""The CUDA path of the drop-ins (tensors copied to the CPU, results copied back to the
input's device with the input's dtype), tested without a GPU: FakeCuda is a CPU tensor
that reports device cuda:0 and is_cpu False, and whose .cpu() makes a CPU copy, as a
CUDA tensor's does; torch.Tensor.to is patched so that a move to a CUDA device returns
a FakeCuda and is recorded. test_real_cuda runs the same checks on a GPU when there is
one (this repository's CI has none)."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import credo  # noqa: E402
import credo.openrlhf as O  # noqa: E402
import credo.verl as V  # noqa: E402
import credo.verl_agent as A  # noqa: E402

CUDA = torch.device("cuda", 0)


class FakeCuda(torch.Tensor):
    copies_to_cpu = 0

    @property
    def is_cpu(self):
        return False

    @property
    def is_cuda(self):
        return True

    @property
    def device(self):
        return CUDA

    def cpu(self):
        FakeCuda.copies_to_cpu += 1
        return self.as_subclass(torch.Tensor).clone()

    def numpy(self):
        raise TypeError("can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() first.")

    def data_ptr(self):
        raise AssertionError("a CUDA pointer reached the library")


@pytest.fixture
def fake_cuda(monkeypatch):
    moves = []
    real_to = torch.Tensor.to

    def to(self, *args, **kwargs):
        dev = kwargs.get("device", args[0] if args else None)
        if isinstance(dev, (str, torch.device)) and torch.device(dev).type == "cuda":
            moves.append((torch.device(dev), self.dtype))
            rest = args[1:] if args else ()
            out = real_to(self.as_subclass(torch.Tensor), *rest, **{k: v for k, v in kwargs.items() if k != "device"})
            return out.clone().as_subclass(FakeCuda)
        return real_to(self, *args, **kwargs)

    monkeypatch.setattr(torch.Tensor, "to", to)
    FakeCuda.copies_to_cpu = 0
    return moves


def cuda_batch(dtype=torch.float32, B=24, T=9, seed=0):
    g = torch.Generator().manual_seed(seed)
    L = torch.randint(1, T + 1, (B,), generator=g)
    m = (torch.arange(T)[None, :] < L[:, None]).to(dtype)
    r = torch.zeros(B, T, dtype=dtype)
    r[torch.arange(B), L - 1] = torch.randint(0, 2, (B,), generator=g).to(dtype)
    v = torch.randn(B, T, generator=g).to(dtype) * m
    idx = np.array([f"u{i // 4}" for i in range(B)], dtype=object)
    return r, m, v, idx


def on_fake(*ts):
    return [t.clone().as_subclass(FakeCuda) for t in ts]


def check_back(out, want, dtype):
    assert isinstance(out, FakeCuda) and out.device == CUDA and out.dtype == dtype
    plain = out.as_subclass(torch.Tensor)
    assert torch.equal(plain, want.as_subclass(torch.Tensor))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16])
def test_outcome_estimators_move_back_to_the_device(fake_cuda, dtype):
    r, m, _, idx = cuda_batch(dtype)
    want = V.compute_grpo_outcome_advantage(r, m, idx)[0]  # the CPU path
    rc, mc = on_fake(r, m)
    got = V.compute_grpo_outcome_advantage(rc, mc, idx)
    assert got[0] is got[1]
    check_back(got[0], want, dtype)
    assert FakeCuda.copies_to_cpu == 2  # rewards and mask, once each
    assert fake_cuda == [(CUDA, dtype)]  # one result, moved once
    # the inputs on the device are untouched
    assert torch.equal(rc.as_subclass(torch.Tensor), r) and torch.equal(mc.as_subclass(torch.Tensor), m)


def test_two_output_estimators_and_a_device_index(fake_cuda):
    r, m, v, idx = cuda_batch()
    want = V.compute_gae_advantage_return(r, v, m, 0.99, 0.95)
    got = V.compute_gae_advantage_return(*on_fake(r, v, m), 0.99, 0.95)
    for g, w in zip(got, want):
        check_back(g, w, torch.float32)
    assert len(fake_cuda) == 2
    # verl passes uid as numpy; an index tensor on the device works too
    ix = torch.tensor([i // 4 for i in range(r.shape[0])])
    want = V.compute_rloo_vectorized_outcome_advantage(r, m, ix)[0]
    got = V.compute_rloo_vectorized_outcome_advantage(*on_fake(r, m), on_fake(ix)[0])[0]
    check_back(got, want, torch.float32)


def test_large_cuda_outputs_leave_the_cache_free(fake_cuda):
    r, m, _, idx = cuda_batch(B=520, T=600)  # 1.2 MiB outputs: the cached-buffer path
    want = V.compute_grpo_vectorized_outcome_advantage(r, m, idx)[0].clone()
    for _ in range(3):
        got = V.compute_grpo_vectorized_outcome_advantage(*on_fake(r, m), idx)[0]
        check_back(got, want, torch.float32)
    # the device copies own their memory: the CPU buffers were all reusable
    import credo._lib as L
    assert sum(1 for b in L._cache if b.nbytes == r.numel() * 4) == 1


def test_openrlhf_and_verl_agent(fake_cuda):
    r, m, v, idx = cuda_batch()
    want = O.get_advantages_and_returns(v, r, m, 1.0, 0.95)
    got = O.get_advantages_and_returns(*on_fake(v, r, m), 1.0, 0.95)
    for g, w in zip(got, want):
        check_back(g, w, torch.float32)
    traj = np.array([f"t{i}" for i in range(r.shape[0])], dtype=object)
    want = A.compute_grpo_outcome_advantage(r, m, idx, traj)[0]
    got = A.compute_grpo_outcome_advantage(*on_fake(r, m), idx, traj)[0]
    check_back(got, want, torch.float32)


def test_assign_dataproto_layout(fake_cuda):
    r, m, _, idx = cuda_batch()
    data = {"batch": {"token_level_rewards": r, "response_mask": m}, "non_tensor_batch": {"uid": idx}}
    want = credo.assign("verl.grpo", data)["advantages"]
    rc, mc = on_fake(r, m)
    got = credo.assign("verl.grpo", {"batch": {"token_level_rewards": rc, "response_mask": mc},
                                     "non_tensor_batch": {"uid": idx}})["advantages"]
    check_back(got, want, torch.float32)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device (this repository's CI has none)")
def test_real_cuda():
    r, m, v, idx = cuda_batch()
    for dtype in (torch.float32, torch.bfloat16):
        want = V.compute_grpo_outcome_advantage(r.to(dtype), m.to(dtype), idx)[0]
        got = V.compute_grpo_outcome_advantage(r.to(dtype).cuda(), m.to(dtype).cuda(), idx)[0]
        assert got.is_cuda and got.dtype == dtype
        assert torch.equal(got.cpu(), want)
    want = V.compute_gae_advantage_return(r, v, m, 1.0, 0.95)
    got = V.compute_gae_advantage_return(r.cuda(), v.cuda(), m.cuda(), 1.0, 0.95)
    for g, w in zip(got, want):
        assert g.is_cuda and torch.equal(g.cpu(), w)
