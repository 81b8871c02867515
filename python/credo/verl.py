"""Drop-ins for verl's advantage estimators (verl/trainer/ppo/core_algos.py at
volcengine/verl@b178a3cd56f58b2d502255daba591e92833930a7), computed by credo.

Same names, signatures and return types as verl: torch tensors in, torch tensors
out (same dtype and device; CPU tensors are read in place through numpy views,
CUDA tensors are copied to the CPU and the results copied back); numpy arrays
in, numpy arrays out. Estimators that return one tensor twice in verl
(``return scores, scores``) do so here too.

``register()`` puts every credo catalogue method into verl's own
``ADV_ESTIMATOR_REGISTRY`` through ``register_adv_est``; ``compute_advantage``
is a drop-in for ``verl.trainer.ppo.ray_trainer.compute_advantage``.
"""
import numpy as np

from . import _lib
from ._lib import CredoError

__all__ = [
    "compute_gae_advantage_return", "compute_grpo_outcome_advantage",
    "compute_grpo_vectorized_outcome_advantage", "compute_grpo_passk_outcome_advantage",
    "compute_reinforce_plus_plus_baseline_outcome_advantage", "compute_rloo_outcome_advantage",
    "compute_opo_outcome_advantage", "compute_reinforce_plus_plus_outcome_advantage",
    "compute_remax_outcome_advantage", "compute_gpg_outcome_advantage",
    "compute_rloo_vectorized_outcome_advantage", "compute_optimal_token_baseline_advantage",
    "compute_multi_turn_optimal_token_baseline_advantage", "ESTIMATORS", "register",
    "compute_advantage",
]


def _cfg(config, key, default):
    """config.key / config[key] / config.get(key), default when absent."""
    if config is None:
        return default
    if isinstance(config, dict):
        return config.get(key, default)
    if hasattr(config, key):
        return getattr(config, key)
    get = getattr(config, "get", None)
    if callable(get):
        try:
            return get(key, default)
        except Exception:  # noqa: BLE001 - configs differ
            return default
    return default


def _outcome(fn, token_level_rewards, response_mask, index, params, extra=None):
    r, o = _lib.floats(token_level_rewards, "token_level_rewards")
    m, _ = _lib.floats(response_mask, "response_mask", like=r)
    if r.ndim != 2:
        raise CredoError(f"{fn}: token_level_rewards must be 2-d (batch, response_length), got shape {r.shape}")
    arrays = {"token_level_rewards": r, "response_mask": m, "index": _lib.ids(index, "index", r.shape[0])}
    if extra:
        arrays.update(extra)
    adv = _lib.empty_like(r)
    arrays["advantages"] = adv
    _lib.call(fn, params, arrays)
    return _lib.back(adv, o)


def compute_gae_advantage_return(token_level_rewards, values, response_mask, gamma, lam):
    """verl's GAE (token-level TD(λ) over response_mask, then masked whitening)."""
    r, o = _lib.floats(token_level_rewards, "token_level_rewards")
    v, _ = _lib.floats(values, "values", like=r)
    m, _ = _lib.floats(response_mask, "response_mask", like=r)
    adv, ret = _lib.empty_like(r), _lib.empty_like(r)
    _lib.call("verl.gae", {"gamma": float(gamma), "lam": float(lam)},
              {"token_level_rewards": r, "values": v, "response_mask": m, "advantages": adv, "returns": ret})
    return _lib.back(adv, o), _lib.back(ret, o)


def compute_grpo_outcome_advantage(token_level_rewards, response_mask, index, epsilon=1e-6,
                                   norm_adv_by_std_in_grpo=True, config=None):
    """verl's GRPO (Dr.GRPO with norm_adv_by_std_in_grpo=False)."""
    a = _outcome("verl.grpo", token_level_rewards, response_mask, index,
                 {"epsilon": float(epsilon), "norm_adv_by_std_in_grpo": bool(norm_adv_by_std_in_grpo)})
    return a, a


def compute_grpo_vectorized_outcome_advantage(token_level_rewards, response_mask, index, epsilon=1e-6,
                                              norm_adv_by_std_in_grpo=True, config=None):
    """verl's vectorized GRPO."""
    a = _outcome("verl.grpo_vectorized", token_level_rewards, response_mask, index,
                 {"epsilon": float(epsilon), "norm_adv_by_std_in_grpo": bool(norm_adv_by_std_in_grpo)})
    return a, a


def compute_grpo_passk_outcome_advantage(token_level_rewards, response_mask, index, epsilon=1e-6,
                                         norm_adv_by_std_in_grpo=True, config=None, **kwargs):
    """verl's Pass@k GRPO; like verl it requires config and reads norm_adv_by_std_in_grpo from it."""
    if config is None:
        raise CredoError("verl.grpo_passk: config is required (verl asserts config is not None)")
    norm = _cfg(config, "norm_adv_by_std_in_grpo", True)
    a = _outcome("verl.grpo_passk", token_level_rewards, response_mask, index,
                 {"epsilon": float(epsilon), "norm_adv_by_std_in_grpo": bool(norm)})
    return a, a


def compute_reinforce_plus_plus_baseline_outcome_advantage(token_level_rewards, response_mask, index,
                                                           epsilon=1e-6, config=None, **kwargs):
    """verl's REINFORCE++ with group-mean baseline and masked whitening."""
    a = _outcome("verl.reinforce_plus_plus_baseline", token_level_rewards, response_mask, index, {})
    return a, a


def compute_rloo_outcome_advantage(token_level_rewards, response_mask, index, epsilon=1e-6, config=None, **kwargs):
    """verl's RLOO."""
    a = _outcome("verl.rloo", token_level_rewards, response_mask, index, {})
    return a, a


def compute_opo_outcome_advantage(token_level_rewards, response_mask, index, epsilon=1e-6, config=None, **kwargs):
    """verl's OPO (length-weighted group baseline). Where verl returns NaN (a group of two
    or more rows whose responses are all empty), credo raises ValueError."""
    a = _outcome("verl.opo", token_level_rewards, response_mask, index,
                 {"_empty_group_nan": bool(kwargs.get("_empty_group_nan", False))})
    return a, a


def compute_reinforce_plus_plus_outcome_advantage(token_level_rewards, response_mask, config=None, **kwargs):
    """verl's REINFORCE++ (discounted returns reset after EOS, masked whitening); gamma from config."""
    if config is None:
        raise CredoError("verl.reinforce_plus_plus: config is required (verl reads config.gamma)")
    r, o = _lib.floats(token_level_rewards, "token_level_rewards")
    m, _ = _lib.floats(response_mask, "response_mask", like=r)
    adv, ret = _lib.empty_like(r), _lib.empty_like(r)
    _lib.call("verl.reinforce_plus_plus", {"gamma": float(_cfg(config, "gamma", 1.0))},
              {"token_level_rewards": r, "response_mask": m, "advantages": adv, "returns": ret})
    return _lib.back(adv, o), _lib.back(ret, o)


def compute_remax_outcome_advantage(token_level_rewards, reward_baselines, response_mask, config=None, **kwargs):
    """verl's ReMax."""
    r, o = _lib.floats(token_level_rewards, "token_level_rewards")
    b, _ = _lib.floats(reward_baselines, "reward_baselines", like=r)
    m, _ = _lib.floats(response_mask, "response_mask", like=r)
    adv, ret = _lib.empty_like(r), _lib.empty_like(r)
    _lib.call("verl.remax", {}, {"token_level_rewards": r, "reward_baselines": b.reshape(-1), "response_mask": m,
                                 "advantages": adv, "returns": ret})
    return _lib.back(adv, o), _lib.back(ret, o)


def compute_gpg_outcome_advantage(token_level_rewards, response_mask, index, epsilon=1e-6, f_norm=1.0, alpha=1.0,
                                  config=None, **kwargs):
    """verl's GPG (alpha is recomputed from the batch, as in verl)."""
    a = _outcome("verl.gpg", token_level_rewards, response_mask, index, {"f_norm": float(f_norm)})
    return a, a


def compute_rloo_vectorized_outcome_advantage(token_level_rewards, response_mask, index, epsilon=1e-6, config=None,
                                              **kwargs):
    """verl's vectorized RLOO."""
    a = _outcome("verl.rloo_vectorized", token_level_rewards, response_mask, index, {})
    return a, a


def _otb(fn, token_level_rewards, response_mask, index, old_log_probs, sum_pi_squared, rollout_is_weights,
         handle_zero_tail, epsilon):
    r, o = _lib.floats(token_level_rewards, "token_level_rewards")
    arrays = {"token_level_rewards": r, "response_mask": _lib.floats(response_mask, "response_mask", like=r)[0],
              "index": _lib.ids(index, "index", r.shape[0]),
              "old_log_probs": _lib.floats(old_log_probs, "old_log_probs", like=r)[0],
              "sum_pi_squared": _lib.floats(sum_pi_squared, "sum_pi_squared", like=r)[0]}
    if rollout_is_weights is not None:
        arrays["rollout_is_weights"] = _lib.floats(rollout_is_weights, "rollout_is_weights", like=r)[0]
    adv, ret = _lib.empty_like(r), _lib.empty_like(r)
    arrays["advantages"], arrays["returns"] = adv, ret
    _lib.call(fn, {"handle_zero_tail": bool(handle_zero_tail), "epsilon": float(epsilon)}, arrays)
    return _lib.back(adv, o), _lib.back(ret, o)


def compute_optimal_token_baseline_advantage(token_level_rewards, response_mask, index, old_log_probs, sum_pi_squared,
                                             rollout_is_weights=None, handle_zero_tail=False, epsilon=1e-8):
    """verl's Optimal Token Baseline."""
    return _otb("verl.optimal_token_baseline", token_level_rewards, response_mask, index, old_log_probs,
                sum_pi_squared, rollout_is_weights, handle_zero_tail, epsilon)


def compute_multi_turn_optimal_token_baseline_advantage(token_level_rewards, response_mask, index, old_log_probs,
                                                        sum_pi_squared, rollout_is_weights=None,
                                                        handle_zero_tail=True, epsilon=1e-8):
    """verl's multi-turn (TIR) Optimal Token Baseline."""
    return _otb("verl.tir_optimal_token_baseline", token_level_rewards, response_mask, index, old_log_probs,
                sum_pi_squared, rollout_is_weights, handle_zero_tail, epsilon)


# verl's registry names -> the drop-ins.
ESTIMATORS = {
    "gae": compute_gae_advantage_return,
    "grpo": compute_grpo_outcome_advantage,
    "reinforce_plus_plus": compute_reinforce_plus_plus_outcome_advantage,
    "reinforce_plus_plus_baseline": compute_reinforce_plus_plus_baseline_outcome_advantage,
    "remax": compute_remax_outcome_advantage,
    "rloo": compute_rloo_outcome_advantage,
    "opo": compute_opo_outcome_advantage,
    "grpo_passk": compute_grpo_passk_outcome_advantage,
    "gpg": compute_gpg_outcome_advantage,
    "rloo_vectorized": compute_rloo_vectorized_outcome_advantage,
    "grpo_vectorized": compute_grpo_vectorized_outcome_advantage,
    "optimal_token_baseline": compute_optimal_token_baseline_advantage,
    "tir_optimal_token_baseline": compute_multi_turn_optimal_token_baseline_advantage,
}

from ._verl_registry import register, compute_advantage  # noqa: E402,F401
