"""credo in OpenRLHF's experience maker: runnable on tensors shaped as there.

Recipe. OpenRLHF computes returns and advantages in
openrlhf/trainer/ppo_utils/experience_maker.py, RemoteExperienceMaker.compute_advantages_and_returns:
for advantage_estimator == "gae" it calls self.get_advantages_and_returns(values, rewards,
action_mask, gamma, lambd); for "reinforce", "rloo", "reinforce_baseline", "group_norm",
"dr_grpo" it calls self.get_cumulative_returns(rewards, action_mask, gamma). Route both to
credo once, before training starts (in the driver, where the experience maker runs):

    import credo.openrlhf as co
    from openrlhf.trainer.ppo_utils import experience_maker as em
    em.RemoteExperienceMaker.get_advantages_and_returns = (
        lambda self, values, rewards, action_mask, gamma, lambd:
            co.get_advantages_and_returns(values, rewards, action_mask, gamma, lambd))
    em.RemoteExperienceMaker.get_cumulative_returns = (
        lambda self, rewards, action_mask, gamma: co.get_cumulative_returns(rewards, action_mask, gamma))

To use another credo method instead of OpenRLHF's group shaping, call credo.assign on the
experience's tensors (rows = samples, uid = prompt index) and store its advantages.
Ray workers: credo must be imported in the worker (Ray starts fresh processes; do not fork
a process that has loaded credo).

Run: python3 examples/python/openrlhf_example.py (after installing the package, see README).
"""
import numpy as np
import torch

import credo
import credo.openrlhf as co

torch.manual_seed(0)
n_prompts, n_samples, num_actions = 4, 8, 32
B = n_prompts * n_samples
# Experience tensors as OpenRLHF holds them: (batch, num_actions), right-padded action_mask,
# the KL-shaped reward with the scalar reward on the last action.
lengths = torch.randint(num_actions // 2, num_actions + 1, (B,))
action_mask = (torch.arange(num_actions)[None, :] < lengths[:, None])
values = torch.randn(B, num_actions) * action_mask
kl = 0.01 * torch.randn(B, num_actions) * action_mask
reward = -kl
reward[torch.arange(B), lengths - 1] += torch.randint(0, 2, (B,)).float()

# PPO with a critic: GAE.
adv, ret = co.get_advantages_and_returns(values, reward, action_mask, gamma=1.0, lambd=0.95)


def gae_by_hand(values, rewards, mask, gamma, lambd):
    """The GAE recursion written out independently (OpenRLHF masks values and rewards first)."""
    values, rewards = values * mask, rewards * mask
    out = torch.zeros_like(rewards)
    last = torch.zeros(rewards.shape[0])
    for t in reversed(range(rewards.shape[1])):
        nxt = values[:, t + 1] if t + 1 < rewards.shape[1] else torch.zeros(rewards.shape[0])
        delta = rewards[:, t] + gamma * nxt - values[:, t]
        last = delta + gamma * lambd * last
        out[:, t] = last
    return out, out + values


ref_adv, ref_ret = gae_by_hand(values, reward, action_mask.float(), 1.0, 0.95)
print("GAE: max |credo - by hand| =", (adv - ref_adv).abs().max().item(), "dtype", adv.dtype)
assert torch.allclose(adv, ref_adv, atol=1e-5) and torch.allclose(ret, ref_ret, atol=1e-5)

# REINFORCE-style returns (reinforce, rloo, group_norm, dr_grpo use them).
returns = co.get_cumulative_returns(reward, action_mask, gamma=1.0)
print("returns[0, :4] =", returns[0, :4].tolist())

# Any credo method on the same tensors: GRPO-style group baseline over the samples of a prompt.
uid = np.repeat(np.arange(n_prompts), n_samples)
out = credo.assign("verl.rloo", {"batch": {"token_level_rewards": reward, "response_mask": action_mask.float()},
                                 "non_tensor_batch": {"uid": uid}})
print("verl.rloo advantages:", tuple(out["advantages"].shape), out["advantages"].dtype)
