"""credo methods in verl's advantage-estimator registry, and a drop-in for
verl.trainer.ppo.ray_trainer.compute_advantage."""
import numpy as np

from . import _lib
from ._lib import CredoError

_REGISTERED = {}  # name -> the function handed to verl (register() is idempotent)
_PARAMS = {}      # name -> parameter overrides given to register()


def _method_params(name, config, overrides):
    """Parameters of credo method name: register()/call overrides, else algorithm
    config keys of the same name, else credo's defaults."""
    from . import method
    from .verl import _cfg
    out = {}
    for p in method(name).get("params") or []:
        v = _cfg(config, p["name"], None)
        if v is not None:
            out[p["name"]] = v
    out.update(_PARAMS.get(name, {}))
    out.update(overrides or {})
    return out


def _fast(name):
    """The verl drop-in behind credo method 'verl.<x>', if any."""
    from .verl import ESTIMATORS
    if name.startswith("verl.") and name[5:] in ESTIMATORS:
        return name[5:]
    return None


def _estimator(name):
    def credo_estimator(token_level_rewards, response_mask, config=None, index=None, reward_baselines=None,
                        old_log_probs=None, sum_pi_squared=None, rollout_is_weights=None, values=None, **kwargs):
        return _run(name, token_level_rewards, response_mask, config, index, reward_baselines, old_log_probs,
                    sum_pi_squared, rollout_is_weights, values, kwargs)
    credo_estimator.__name__ = "credo_" + name.replace(".", "_")
    credo_estimator.__qualname__ = credo_estimator.__name__
    credo_estimator.__doc__ = f"credo method {name} as a verl advantage estimator (see credo.methods())."
    return credo_estimator


def _run(name, r, m, config, index, baselines, logp, sumpi2, isw, values, extra):
    from . import verl as V, assign
    p = _method_params(name, config, None)
    fast = _fast(name)
    if fast in ("grpo", "grpo_vectorized"):
        return V.ESTIMATORS[fast](r, m, index, epsilon=p.get("epsilon", 1e-6),
                                  norm_adv_by_std_in_grpo=p.get("norm_adv_by_std_in_grpo", True), config=config)
    if fast == "grpo_passk":
        cfg = {"norm_adv_by_std_in_grpo": p.get("norm_adv_by_std_in_grpo", True)}
        return V.compute_grpo_passk_outcome_advantage(r, m, index, epsilon=p.get("epsilon", 1e-6), config=cfg)
    if fast in ("rloo", "rloo_vectorized", "reinforce_plus_plus_baseline", "opo"):
        return V.ESTIMATORS[fast](r, m, index)
    if fast == "gpg":
        return V.compute_gpg_outcome_advantage(r, m, index, f_norm=p.get("f_norm", 1.0))
    if fast == "reinforce_plus_plus":
        return V.compute_reinforce_plus_plus_outcome_advantage(r, m, config={"gamma": p.get("gamma", 1.0)})
    if fast == "remax":
        if baselines is None:
            raise CredoError("verl.remax needs reward_baselines (verl passes data.batch['reward_baselines'])")
        return V.compute_remax_outcome_advantage(r, baselines, m)
    if fast == "gae":
        if values is None:
            raise CredoError("verl.gae needs values: verl's compute_advantage does not pass them to registered "
                             "estimators; use credo.verl.compute_advantage(data, 'verl.gae', ...)")
        return V.compute_gae_advantage_return(r, values, m, p.get("gamma", 1.0), p.get("lam", 1.0))
    if fast in ("optimal_token_baseline", "tir_optimal_token_baseline"):
        if logp is None or sumpi2 is None:
            raise CredoError(f"{name} needs old_log_probs and sum_pi_squared")
        kw = {k: p[k] for k in ("handle_zero_tail", "epsilon") if k in p}
        return V.ESTIMATORS[fast](r, m, index, logp, sumpi2, rollout_is_weights=isw, **kw)
    tensors = {"token_level_rewards": r, "response_mask": m}
    for k, v in (("old_log_probs", logp), ("values", values)):
        if v is not None:
            tensors[k] = v
    nt = {}
    if index is not None:
        nt["uid"] = index
    for k in ("traj_uid", "anchor_obs", "rewards"):
        if k in extra:
            nt[k] = extra[k]
    out = assign(name, {"batch": tensors, "non_tensor_batch": nt}, **p)
    return out["advantages"], out.get("returns", out["advantages"])


def register(names=None, params=None, core_algos=None):
    """Register credo methods in verl's ADV_ESTIMATOR_REGISTRY through verl's own
    register_adv_est, under credo's names ("verl.grpo", "verl_agent.gigpo", ...),
    so that algorithm.adv_estimator=<credo name> selects them.

    names: the methods (default: every catalogue method that assigns credit);
    params: {method: {param: value}} overrides (otherwise algorithm config keys
    of the same name, then credo's defaults); core_algos: verl's
    verl.trainer.ppo.core_algos module (imported when None). Returns the names."""
    from . import methods
    if core_algos is None:
        import importlib
        core_algos = importlib.import_module("verl.trainer.ppo.core_algos")
    all_methods = [m["name"] for m in methods() if not m.get("go_api")]
    if names is None:
        names = all_methods
    for n, p in (params or {}).items():
        _PARAMS[n] = dict(p)
    for n in names:
        if n not in all_methods:
            raise CredoError(f"unknown method {n!r} (credo.methods() lists them)")
        fn = _REGISTERED.get(n) or _estimator(n)
        _REGISTERED[n] = fn
        core_algos.register_adv_est(n)(fn)
    return list(names)


def _response_mask(data):
    b = data.batch
    if "response_mask" in b.keys():
        return b["response_mask"]
    responses, attn = b["responses"], b["attention_mask"]
    return attn[:, -responses.shape[-1]:]


def compute_advantage(data, adv_estimator, gamma=1.0, lam=1.0, num_repeat=1, norm_adv_by_std_in_grpo=True,
                      config=None, **params):
    """Drop-in for verl's ray_trainer.compute_advantage: reads what the estimator
    needs from data (a DataProto: batch tensors, non_tensor_batch arrays) and
    writes data.batch["advantages"] and data.batch["returns"] (and
    "loss_weights" for methods that define them); returns data.

    adv_estimator is one of verl's names ("gae", "grpo", ...; computed by the
    credo drop-ins) or any credo method ("verl_agent.gigpo", "spo.tree", ...;
    every field credo uses is read: uid, traj_uid, anchor_obs, step rewards,
    values, old_log_probs). params override method parameters."""
    from . import verl as V, assign
    name = getattr(adv_estimator, "value", adv_estimator)
    b, nt = data.batch, data.non_tensor_batch
    mask = _response_mask(data)
    b["response_mask"] = mask
    r = b["token_level_rewards"]
    if name == "gae":
        adv, ret = V.compute_gae_advantage_return(r, b["values"], mask, gamma, lam)
    elif name == "grpo":
        adv, ret = V.compute_grpo_outcome_advantage(r, mask, nt["uid"], norm_adv_by_std_in_grpo=norm_adv_by_std_in_grpo)
    elif name in V.ESTIMATORS:
        kw = {"token_level_rewards": r, "response_mask": mask, "config": config}
        if "uid" in nt:
            kw["index"] = nt["uid"]
        if "reward_baselines" in b.keys():
            kw["reward_baselines"] = b["reward_baselines"]
        if name in ("optimal_token_baseline", "tir_optimal_token_baseline"):
            kw["sum_pi_squared"] = b["sum_pi_squared"]
            kw["old_log_probs"] = b["old_log_probs"]
            kw["rollout_is_weights"] = b["rollout_is_weights"] if "rollout_is_weights" in b.keys() else None
            kw.pop("config")
        fn = V.ESTIMATORS[name]
        import inspect
        sig = inspect.signature(fn).parameters
        if not any(p.kind == p.VAR_KEYWORD for p in sig.values()):
            kw = {k: v for k, v in kw.items() if k in sig}
        adv, ret = fn(**kw)
    else:
        p = _method_params(name, config, params)
        tensors = {k: b[k] for k in ("token_level_rewards", "values", "old_log_probs", "ref_log_prob", "responses")
                   if k in b.keys()}
        tensors["response_mask"] = mask
        out = assign(name, {"batch": tensors, "non_tensor_batch": dict(nt)}, **p)
        adv = out["advantages"]
        ret = out.get("returns", adv)
        if "loss_weights" in out:
            b["loss_weights"] = out["loss_weights"]
    b["advantages"] = adv
    b["returns"] = ret
    return data
