"""Drop-ins for OpenRLHF's returns and GAE (openrlhf/trainer/ppo_utils/experience_maker.py,
get_cumulative_returns and get_advantages_and_returns), computed by credo.

Shapes as in OpenRLHF's experience maker: (batch, num_actions) tensors; action_mask
may be None (all ones).
"""
import numpy as np

from . import _lib

__all__ = ["get_cumulative_returns", "get_advantages_and_returns"]


def _mask(action_mask, r):
    if action_mask is None:
        return np.ones(r.shape, r.dtype)
    return _lib.floats(action_mask, "action_mask", like=r)[0]


def get_cumulative_returns(rewards, action_mask, gamma):
    """Discounted returns G_t = r_t + γ G_{t+1} over the masked actions (REINFORCE-style)."""
    r, o = _lib.floats(rewards, "rewards")
    out = _lib.empty_like(r)
    _lib.call("openrlhf.cumulative_returns", {"gamma": float(gamma)},
              {"rewards": r, "action_mask": _mask(action_mask, r), "returns": out})
    return _lib.back(out, o)


def get_advantages_and_returns(values, rewards, action_mask, gamma, lambd):
    """GAE advantages and returns (advantages + values), as OpenRLHF computes them."""
    r, o = _lib.floats(rewards, "rewards")
    v, _ = _lib.floats(values, "values", like=r)
    adv, ret = _lib.empty_like(r), _lib.empty_like(r)
    _lib.call("openrlhf.gae", {"gamma": float(gamma), "lambd": float(lambd)},
              {"rewards": r, "values": v, "action_mask": _mask(action_mask, r), "advantages": adv, "returns": ret})
    return _lib.back(adv, o), _lib.back(ret, o)
