"""Drop-ins for verl-agent's GiGPO and its multi-turn outcome estimators
(xlan156/verl-agent@8ca3a467ba4fc21eb4969a2e2b1097323ca09a53:
gigpo/core_gigpo.py and verl/trainer/ppo/core_algos.py), computed by credo.

Rows are step rows: one per (trajectory, turn); ``index`` is the prompt group
(uid), ``traj_index`` the trajectory (traj_uid).
"""
import numpy as np

from . import _lib
from ._lib import CredoError

__all__ = ["compute_gigpo_outcome_advantage", "compute_step_discounted_returns",
           "compute_grpo_outcome_advantage", "compute_rloo_outcome_advantage",
           "compute_reinforce_plus_plus_baseline_outcome_advantage", "anchor_key"]


def anchor_key(x):
    """A hashable key for an anchor observation with the equality GiGPO uses:
    scalars as themselves, arrays flattened to tuples, lists/tuples element-wise,
    dicts as sorted (key, value) pairs."""
    if isinstance(x, (str, bool, int, float)):
        return x
    if isinstance(x, (np.integer, np.floating, np.bool_)):
        return x.item()
    if isinstance(x, np.ndarray):
        return tuple(x.reshape(-1).tolist())
    if isinstance(x, (list, tuple)):
        return tuple(anchor_key(e) for e in x)
    if isinstance(x, dict):
        return tuple(sorted((k, anchor_key(v)) for k, v in x.items()))
    raise CredoError(f"verl_agent.gigpo: anchor observation of type {type(x).__name__} is not supported")


def _rows(fn, token_level_rewards, response_mask, index, traj_index):
    r, o = _lib.floats(token_level_rewards, "token_level_rewards")
    if r.ndim != 2:
        raise CredoError(f"{fn}: token_level_rewards must be 2-d (batch, response_length), got shape {r.shape}")
    n = r.shape[0]
    return r, o, {"token_level_rewards": r, "response_mask": _lib.floats(response_mask, "response_mask", like=r)[0],
                  "index": _lib.ids(index, "index", n), "traj_index": _lib.ids(traj_index, "traj_index", n)}


def compute_gigpo_outcome_advantage(token_level_rewards, step_rewards, response_mask, anchor_obs, index, traj_index,
                                    epsilon=1e-6, step_advantage_w=1.0, mode="mean_norm", enable_similarity=False,
                                    similarity_thresh=0.95):
    """GiGPO: episode-level group advantage plus step_advantage_w × anchor-state step advantage."""
    if mode not in ("mean_norm", "mean_std_norm"):
        raise CredoError(f"verl_agent.gigpo: unknown mode {mode!r} (want mean_norm or mean_std_norm)")
    r, o, arrays = _rows("verl_agent.gigpo", token_level_rewards, response_mask, index, traj_index)
    n = r.shape[0]
    s, _ = _lib.floats(step_rewards, "step_rewards", like=r)
    arrays["step_rewards"] = s.reshape(-1)
    obs = anchor_obs.tolist() if isinstance(anchor_obs, np.ndarray) and anchor_obs.dtype == object else list(anchor_obs)
    if len(obs) != n:
        raise CredoError(f"verl_agent.gigpo: anchor_obs has {len(obs)} entries, token_level_rewards has {n} rows")
    params = {"epsilon": float(epsilon), "step_advantage_w": float(step_advantage_w), "mode": mode,
              "enable_similarity": bool(enable_similarity), "similarity_thresh": float(similarity_thresh)}
    if enable_similarity:
        idx = arrays["index"]
        size = np.bincount(idx) if n else idx
        for i, x in enumerate(obs):
            if not isinstance(x, str) and size[idx[i]] > 1:
                raise CredoError("Only text-based observations are supported for similarity-based GiGPO in this "
                                 f"version (anchor_obs[{i}] is {type(x).__name__})")
        params["anchor_obs"] = [x if isinstance(x, str) else "" for x in obs]
    else:
        seen = {}
        keys = obs if all(type(x) is str for x in obs) else [anchor_key(x) for x in obs]
        arrays["step_group"] = np.fromiter((seen.setdefault(k, len(seen)) for k in zip(arrays["index"].tolist(), keys)),
                                           dtype=np.int64, count=n)
    adv = _lib.empty_like(r)
    arrays["advantages"] = adv
    _lib.call("verl_agent.gigpo", params, arrays)
    a = _lib.back(adv, o)
    return a, a


def compute_step_discounted_returns(batch, gamma):
    """Per-step discounted returns within each trajectory, in batch order (GiGPO Eq. 5).

    batch is a DataProto (or anything with ``non_tensor_batch`` holding ``rewards``,
    ``traj_uid`` and ``active_masks``, and ``batch['input_ids']`` for the device)."""
    nt = batch.non_tensor_batch
    rewards = np.ascontiguousarray(np.asarray(nt["rewards"]).astype(np.float32).reshape(-1))
    traj = nt["traj_uid"]
    active = np.asarray(nt["active_masks"]).astype(np.float32).reshape(-1)
    t = _lib.ids(traj, "traj_uid", rewards.shape[0])
    if active.shape[0] == t.shape[0] and not active.all():
        bad = t[active == 0]
        raise CredoError(f"active_masks should be all 1s for the same trajectory (traj_uid group {int(bad[0])} "
                         "has an inactive step)")
    out = np.empty(rewards.shape, np.float32)
    _lib.call("verl_agent.step_discounted_returns", {"gamma": float(gamma)},
              {"rewards": rewards, "traj_uid": t, "returns": out})
    try:
        dev = batch.batch["input_ids"].device
    except Exception:  # noqa: BLE001 - no tensor batch: numpy out
        dev = None
    if _lib._torch is None or dev is None:
        return out
    return _lib._torch.from_numpy(out).to(dev)


def compute_grpo_outcome_advantage(token_level_rewards, response_mask, index, traj_index, epsilon=1e-6,
                                   norm_adv_by_std_in_grpo=True, compute_mean_std_cross_steps=True):
    """verl-agent's GRPO over step rows."""
    r, o, arrays = _rows("verl_agent.grpo", token_level_rewards, response_mask, index, traj_index)
    adv = arrays["advantages"] = _lib.empty_like(r)
    _lib.call("verl_agent.grpo", {"epsilon": float(epsilon), "norm_adv_by_std_in_grpo": bool(norm_adv_by_std_in_grpo),
                                  "compute_mean_std_cross_steps": bool(compute_mean_std_cross_steps)}, arrays)
    a = _lib.back(adv, o)
    return a, a


def compute_rloo_outcome_advantage(token_level_rewards, response_mask, index, traj_index, epsilon=1e-6,
                                   compute_mean_std_cross_steps=True):
    """verl-agent's RLOO over step rows."""
    r, o, arrays = _rows("verl_agent.rloo", token_level_rewards, response_mask, index, traj_index)
    adv = arrays["advantages"] = _lib.empty_like(r)
    _lib.call("verl_agent.rloo", {"compute_mean_std_cross_steps": bool(compute_mean_std_cross_steps)}, arrays)
    a = _lib.back(adv, o)
    return a, a


def compute_reinforce_plus_plus_baseline_outcome_advantage(token_level_rewards, response_mask, index, traj_index,
                                                           epsilon=1e-6, compute_mean_std_cross_steps=True):
    """verl-agent's REINFORCE++-baseline over step rows."""
    r, o, arrays = _rows("verl_agent.reinforce_plus_plus_baseline", token_level_rewards, response_mask, index,
                         traj_index)
    adv = arrays["advantages"] = _lib.empty_like(r)
    _lib.call("verl_agent.reinforce_plus_plus_baseline",
              {"compute_mean_std_cross_steps": bool(compute_mean_std_cross_steps)}, arrays)
    a = _lib.back(adv, o)
    return a, a
