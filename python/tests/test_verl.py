"""credo.verl against the pinned verl code (../shared/thirdparty/verl), called the
way verl's trainer calls its estimators."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import credo  # noqa: E402
import credo.verl as V  # noqa: E402
from conftest import need_thirdparty  # noqa: E402


@pytest.fixture(scope="module")
def ca():
    return need_thirdparty().verl()


@pytest.fixture(scope="module")
def AlgoConfig(ca):
    from verl.trainer.config import AlgoConfig
    return AlgoConfig


def batch(seed, dtype=torch.float32, min_group=1):
    """Random ragged batch: group sizes 1..6 (singletons included unless min_group > 1),
    some constant groups, left-aligned masks of random length (some rows empty)."""
    g = np.random.default_rng(seed)
    sizes = []
    B = 0
    while B < 2 or len(sizes) < 2:
        s = int(g.integers(min_group, 7))
        sizes.append(s)
        B += s
    T = int(g.integers(1, 13))
    index = np.array([f"p{k}" for k, s in enumerate(sizes) for _ in range(s)], dtype=object)
    perm = g.permutation(B)
    index = index[perm]
    lens = g.integers(0 if seed % 3 == 0 else 1, T + 1, size=B)
    mask = (np.arange(T)[None, :] < lens[:, None]).astype(np.float32)
    r = np.zeros((B, T), np.float32)
    scores = g.choice([0.0, 1.0, 0.5, -1.0], size=B).astype(np.float32)
    for k in range(len(sizes)):
        if k % 3 == 1:  # a constant group
            scores[index == f"p{k}"] = 1.0
    last = np.maximum(lens - 1, 0)
    r[np.arange(B), last] = scores
    if seed % 2:
        r += (g.standard_normal((B, T)) * 0.1 * mask).astype(np.float32)
    t = lambda a: torch.tensor(a, dtype=dtype)  # noqa: E731
    return {
        "token_level_rewards": t(r), "response_mask": t(mask), "index": index,
        "values": t(g.standard_normal((B, T))), "reward_baselines": t(g.standard_normal(B)),
        "old_log_probs": t(-g.random((B, T)) * 3), "sum_pi_squared": t(g.random((B, T))),
        "rollout_is_weights": t(0.5 + g.random((B, T))),
    }


def close(a, b, tol=2e-5):
    a, b = a.double(), b.double()
    assert a.shape == b.shape
    assert torch.isfinite(a).all()
    assert torch.allclose(a, b, rtol=tol, atol=tol), (a - b).abs().max()


def trainer_kwargs(name, d, config):
    """What verl's compute_advantage passes to a registry estimator."""
    kw = {"token_level_rewards": d["token_level_rewards"], "response_mask": d["response_mask"], "config": config,
          "index": d["index"]}
    if name == "remax":
        kw["reward_baselines"] = d["reward_baselines"]
    if name in ("optimal_token_baseline", "tir_optimal_token_baseline"):
        kw.pop("config")
        kw["sum_pi_squared"] = d["sum_pi_squared"]
        kw["old_log_probs"] = d["old_log_probs"]
        kw["rollout_is_weights"] = d["rollout_is_weights"]
    return kw


VERL_NAMES = sorted(V.ESTIMATORS)


def test_every_verl_estimator_has_a_drop_in(ca):
    assert set(ca.ADV_ESTIMATOR_REGISTRY) == set(V.ESTIMATORS)
    import inspect
    for name, fn in ca.ADV_ESTIMATOR_REGISTRY.items():
        ours = V.ESTIMATORS[name]
        assert ours.__name__ == fn.__name__
        a = [(p.name, p.default) for p in inspect.signature(fn).parameters.values()]
        b = [(p.name, p.default) for p in inspect.signature(ours).parameters.values()]
        assert a == b, name


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("name", [n for n in VERL_NAMES if n != "gae"])
def test_registry_estimators_as_trainer_calls_them(ca, AlgoConfig, name, seed):
    d = batch(seed, min_group=2 if name == "grpo_passk" else 1)
    cfg = AlgoConfig(gamma=0.9 + 0.01 * seed, norm_adv_by_std_in_grpo=bool(seed % 2))
    ref = ca.get_adv_estimator_fn(name)(**{k: (v.clone() if torch.is_tensor(v) else v)
                                           for k, v in trainer_kwargs(name, d, cfg).items()})
    if not all(torch.isfinite(x).all() for x in ref):
        pytest.skip(f"verl's {name} gives NaN/Inf on this batch (credo returns finite values instead)")
    got = V.ESTIMATORS[name](**trainer_kwargs(name, d, cfg))
    for x, y in zip(got, ref):
        assert x.dtype == y.dtype
        close(x, y)


@pytest.mark.parametrize("seed", range(12))
def test_gae(ca, seed):
    d = batch(seed)
    args = (d["token_level_rewards"], d["values"], d["response_mask"], 0.99, 0.95)
    ref = ca.compute_gae_advantage_return(*args)
    if not torch.isfinite(ref[0]).all():
        pytest.skip("verl's whitening is undefined (fewer than 2 valid tokens)")
    got = V.compute_gae_advantage_return(*args)
    close(got[0], ref[0], 1e-4)
    close(got[1], ref[1])


def test_float64_and_numpy(ca):
    d = batch(5, dtype=torch.float64)
    ref = ca.compute_grpo_outcome_advantage(d["token_level_rewards"], d["response_mask"], d["index"])
    got = V.compute_grpo_outcome_advantage(d["token_level_rewards"], d["response_mask"], d["index"])
    assert got[0].dtype == torch.float64
    close(got[0], ref[0], 1e-9)
    n = V.compute_grpo_outcome_advantage(d["token_level_rewards"].numpy(), d["response_mask"].numpy(), d["index"])
    assert isinstance(n[0], np.ndarray) and n[0].dtype == np.float64
    np.testing.assert_allclose(n[0], ref[0].numpy(), rtol=1e-9, atol=1e-9)


def test_int_mask_and_int_index(ca):
    d = batch(7)
    m = d["response_mask"].long()
    idx = np.array([hash(x) % 1000 for x in d["index"]])
    ref = ca.compute_rloo_outcome_advantage(d["token_level_rewards"], m, idx)
    got = V.compute_rloo_outcome_advantage(d["token_level_rewards"], m, idx)
    close(got[0], ref[0])


def test_cpu_tensors_are_not_copied_nor_modified():
    d = batch(3)
    r = d["token_level_rewards"]
    before = r.clone()
    V.compute_grpo_outcome_advantage(r, d["response_mask"], d["index"])
    assert torch.equal(r, before)


def test_register_puts_every_method_in_verls_registry(ca, AlgoConfig):
    names = V.register(core_algos=ca)
    assert V.register(core_algos=ca) == names  # idempotent
    want = [m["name"] for m in credo.methods() if not m.get("go_api")]
    assert names == want and len(want) > 30
    for n in want:
        assert ca.get_adv_estimator_fn(n) is not None


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("name", [n for n in VERL_NAMES if n != "gae"])
def test_registered_credo_names_match_verl(ca, AlgoConfig, name, seed):
    V.register(core_algos=ca)
    d = batch(seed, min_group=2 if name == "grpo_passk" else 1)
    cfg = AlgoConfig(gamma=0.95, norm_adv_by_std_in_grpo=bool(seed % 2))
    ref_kw = trainer_kwargs(name, d, cfg)
    if name in ("grpo", "grpo_vectorized"):
        # credo's registered methods read their parameters from the algorithm config,
        # as verl's own GRPO branch of compute_advantage does
        ref_kw["norm_adv_by_std_in_grpo"] = cfg.norm_adv_by_std_in_grpo
    ref = ca.get_adv_estimator_fn(name)(**ref_kw)
    if not all(torch.isfinite(x).all() for x in ref):
        pytest.skip(f"verl's {name} gives NaN/Inf on this batch")
    kw = trainer_kwargs(name, d, cfg)
    kw.setdefault("config", cfg)
    got = ca.get_adv_estimator_fn("verl." + name)(**kw)
    close(got[0], ref[0], 1e-4)


def test_registered_catalogue_methods_run_on_what_verl_passes(ca, AlgoConfig):
    """Every registered credo method either assigns finite credit from what verl's
    trainer passes (rewards, mask, uid, config) or raises ValueError naming the
    input it lacks."""
    V.register(core_algos=ca)
    d = batch(4, min_group=2)
    cfg = AlgoConfig()
    ran, needs = [], []
    for m in credo.methods():
        if m.get("go_api"):
            continue
        fn = ca.get_adv_estimator_fn(m["name"])
        try:
            adv, ret = fn(token_level_rewards=d["token_level_rewards"], response_mask=d["response_mask"],
                          config=cfg, index=d["index"])
        except ValueError as e:
            assert str(e), m["name"]
            needs.append(m["name"])
            continue
        assert adv.shape == d["token_level_rewards"].shape and torch.isfinite(adv).all(), m["name"]
        ran.append(m["name"])
    assert {"verl.grpo", "verl.rloo", "verl_agent.grpo", "trl.grpo", "knapsack.grpo"} <= set(ran), ran
    assert {"verl_agent.gigpo", "spo.tree", "verl.gae"} <= set(needs), needs
    assert len(ran) >= 20, ran


class DataProto:
    """The two attributes of verl's DataProto that compute_advantage uses."""

    def __init__(self, batch, non_tensor_batch):
        self.batch, self.non_tensor_batch = batch, non_tensor_batch


@pytest.mark.parametrize("est", ["gae", "grpo", "rloo", "reinforce_plus_plus", "remax", "optimal_token_baseline"])
def test_compute_advantage_drop_in(ca, AlgoConfig, est):
    d = batch(8, min_group=2)
    cfg = AlgoConfig(gamma=0.97, lam=0.9)
    data = DataProto({k: d[k] for k in ("token_level_rewards", "response_mask", "values", "reward_baselines",
                                         "old_log_probs", "sum_pi_squared")}, {"uid": d["index"]})
    V.compute_advantage(data, est, gamma=0.97, lam=0.9, config=cfg)
    if est == "gae":
        ref = ca.compute_gae_advantage_return(d["token_level_rewards"], d["values"], d["response_mask"], 0.97, 0.9)
    else:
        kw = trainer_kwargs(est, d, cfg)
        if est == "optimal_token_baseline":
            kw["rollout_is_weights"] = None
        ref = ca.get_adv_estimator_fn(est)(**kw)
    close(data.batch["advantages"], ref[0], 1e-4)
    close(data.batch["returns"], ref[1], 1e-4)


def test_compute_advantage_with_a_credo_method():
    d = batch(9, min_group=2)
    data = DataProto({"token_level_rewards": d["token_level_rewards"], "response_mask": d["response_mask"]},
                     {"uid": d["index"]})
    V.compute_advantage(data, "verl.rloo")
    ref = V.compute_rloo_outcome_advantage(d["token_level_rewards"], d["response_mask"], d["index"])
    close(data.batch["advantages"], ref[0])


def test_errors_are_value_errors_and_outputs_untouched():
    d = batch(2)
    r, m = d["token_level_rewards"], d["response_mask"]
    with pytest.raises(ValueError, match="index has"):
        V.compute_grpo_outcome_advantage(r, m, d["index"][:-1])
    with pytest.raises(ValueError, match="response_mask has shape"):
        V.compute_grpo_outcome_advantage(r, m[:, :-1] if m.shape[1] > 1 else m[:-1], d["index"])
    bad = r.clone()
    bad[0, 0] = float("nan")
    with pytest.raises(ValueError, match=r"token_level_rewards\[0\]\[0\] is NaN"):
        V.compute_grpo_outcome_advantage(bad, m, d["index"])
    with pytest.raises(ValueError, match="config is required"):
        V.compute_reinforce_plus_plus_outcome_advantage(r, m)
    with pytest.raises(ValueError, match="unknown method"):
        credo.assign("no.such", [{"uid": "a", "responses": [1]}])
    with pytest.raises(ValueError, match="has no parameter"):
        credo.assign("verl.grpo", [{"uid": "a", "responses": [1], "rewards": {"outcome": 1}}], nonsense=1)
