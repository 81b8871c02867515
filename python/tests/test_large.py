"""The large-batch path of the drop-ins (outputs of 1 MiB and more: cached output
buffers, non-temporal stores in the library) against the pinned verl code, and the
output cache's rules: a buffer is handed out again only when nothing refers to it."""
import gc

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import credo  # noqa: E402
import credo._lib as L  # noqa: E402
import credo.verl as V  # noqa: E402
from conftest import need_thirdparty  # noqa: E402


@pytest.fixture(scope="module")
def ca():
    return need_thirdparty().verl()


def big(seed, B, T, dtype):
    """B rows of T tokens (T odd, so rows start at every alignment), ragged prefix masks
    with lengths 0..T, some rows with a general 0/0.5/1 mask or a -0 entry, outcome
    rewards on the last valid token, groups of 8 with some constant groups."""
    g = np.random.default_rng(seed)
    lens = g.integers(0, T + 1, size=B)
    lens[:4] = [0, 1, T - 1, T]
    mask = (np.arange(T)[None, :] < lens[:, None]).astype(np.float64)
    mask[5] = g.choice([0.0, 0.5, 1.0], size=T)
    mask[6, T // 2] = -0.0
    r = np.zeros((B, T))
    r[np.arange(B), np.maximum(lens - 1, 0)] = g.choice([0.0, 1.0], size=B)
    r[8:16] = 0.0  # one constant group
    r[20, :] += g.standard_normal(T) * 0.1  # one dense row
    index = np.array([f"u{i // 8}" for i in range(B)], dtype=object)
    t = lambda a: torch.tensor(a, dtype=dtype)  # noqa: E731
    return t(r), t(mask), index


OUTCOME = ["grpo", "grpo_vectorized", "rloo", "rloo_vectorized", "gpg"]


@pytest.mark.parametrize("dtype,B,T", [(torch.float32, 560, 517), (torch.float64, 300, 517)])
@pytest.mark.parametrize("name", OUTCOME)
def test_large_outcome_matches_verl(ca, name, dtype, B, T):
    r, m, index = big(B + T, B, T, dtype)
    assert r.numel() * r.element_size() >= L._CACHE_MIN
    ref = ca.get_adv_estimator_fn(name)(token_level_rewards=r.clone(), response_mask=m.clone(), index=index)
    for _ in range(3):  # fresh buffer, then reused ones
        got = V.ESTIMATORS[name](token_level_rewards=r, response_mask=m, index=index)
        assert got[0].dtype == dtype and got[0].shape == r.shape
        # verl's grpo_vectorized (group_mean_std) and gpg (torch.tensor of Python floats)
        # compute group statistics in float32 even for float64 inputs
        tol = 2e-5 if dtype == torch.float32 or name in ("grpo_vectorized", "gpg") else 1e-9
        assert torch.allclose(got[0].double(), ref[0].double(), rtol=tol, atol=tol), \
            (got[0].double() - ref[0].double()).abs().max()
        # outside the mask both are zeros with the sign of scalar*0, as verl's multiply gives
        z = m == 0
        assert torch.equal(torch.signbit(got[0][z]), torch.signbit(ref[0][z]))
        del got


def test_a_result_still_held_is_never_reused():
    r, m, index = big(1, 560, 517, torch.float32)
    a1 = V.compute_grpo_vectorized_outcome_advantage(r, m, index)[0]
    keep = a1.clone()
    r2 = r.clone()
    r2[:, 0] += 1.0  # different scores: different advantages
    a2 = V.compute_grpo_vectorized_outcome_advantage(r2, m, index)[0]
    assert a1.data_ptr() != a2.data_ptr()
    assert torch.equal(a1, keep)
    view = a2[:, :3]  # a view keeps the buffer too
    ptr = a2.data_ptr()
    del a2
    gc.collect()
    a3 = V.compute_grpo_vectorized_outcome_advantage(r, m, index)[0]
    assert a3.data_ptr() != ptr
    assert torch.equal(a3, keep) and view.shape == (560, 3)


def test_a_dropped_result_is_reused_and_refilled():
    r, m, index = big(2, 560, 517, torch.float32)
    a1 = V.compute_rloo_vectorized_outcome_advantage(r, m, index)[0]
    want = a1.clone()
    ptr = a1.data_ptr()
    a1.fill_(7.0)  # whatever the caller left in it
    del a1
    a2 = V.compute_rloo_vectorized_outcome_advantage(r, m, index)[0]
    assert a2.data_ptr() == ptr
    assert torch.equal(a2, want)


def test_numpy_results_and_failed_calls():
    r, m, index = big(3, 560, 517, torch.float32)
    rn, mn = r.numpy(), m.numpy()
    a1 = V.compute_grpo_outcome_advantage(rn, mn, index)[0]
    assert isinstance(a1, np.ndarray) and a1.dtype == np.float32
    want = a1.copy()
    del a1
    bad = rn.copy()
    bad[3, 4] = np.nan
    with pytest.raises(ValueError, match=r"token_level_rewards\[3\]\[4\] is NaN"):
        V.compute_grpo_outcome_advantage(bad, mn, index)
    a2 = V.compute_grpo_outcome_advantage(rn, mn, index)[0]
    np.testing.assert_array_equal(a2, want)


def test_output_cache_off():
    r, m, index = big(4, 560, 517, torch.float32)
    old = credo.output_cache(0)
    try:
        assert credo.output_cache() == 0 and not L._cache
        a1 = V.compute_grpo_outcome_advantage(r, m, index)[0]
        want = a1.clone()
        del a1
        assert not L._cache
        a2 = V.compute_grpo_outcome_advantage(r, m, index)[0]
        assert torch.equal(a2, want)
    finally:
        credo.output_cache(old)
    assert credo.output_cache() == old


def test_cache_keeps_a_bounded_number_of_buffers():
    held = []
    for B in range(600, 600 + 2 * L._cache_keep + 2):
        r, m, index = big(B, B, 517, torch.float32)
        held.append(V.compute_grpo_outcome_advantage(r, m, index)[0])
    assert len(L._cache) <= L._cache_keep
    del held


def test_threads_share_the_cache_safely():
    """Four threads calling at once, each keeping some results: every result equals the
    single-threaded one, and no two live results share memory."""
    import threading
    batches = [big(10 + k, 560, 517, torch.float32) for k in range(4)]
    want = [V.compute_grpo_vectorized_outcome_advantage(*b)[0].clone() for b in batches]
    kept, errors = [], []

    def work(k):
        try:
            for i in range(6):
                a = V.compute_grpo_vectorized_outcome_advantage(*batches[k])[0]
                if not torch.equal(a, want[k]):
                    errors.append((k, i))
                if i % 2 == 0:
                    kept.append((k, a))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)
    ts = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors
    assert len({a.data_ptr() for _, a in kept}) == len(kept)
    for k, a in kept:
        assert torch.equal(a, want[k])
