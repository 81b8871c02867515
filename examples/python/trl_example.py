"""credo in TRL's GRPOTrainer: runnable on tensors shaped as there.

Recipe. TRL's GRPOTrainer computes advantages in _generate_and_score_completions: after
the reward functions run, `rewards` is a (num_processes * per_device_batch,) tensor
gathered across processes, completions of one prompt are num_generations consecutive
entries, and

    mean = rewards.view(-1, G).mean(dim=1); std = rewards.view(-1, G).std(dim=1)
    advantages = rewards - mean.repeat_interleave(G)       # then / (std + 1e-4) if scale_rewards

Subclass GRPOTrainer, override _generate_and_score_completions, and replace
outputs["advantages"] (this process's slice) with credo's, computed from the same
gathered rewards; credo's outcome estimators take (rows, tokens) rewards, so pass the
rewards as one column with a mask of ones and read column 0:

    import credo.verl as cv
    def credo_advantages(rewards, G, scale_rewards=True):
        r = rewards.detach().float().cpu()[:, None]
        uid = torch.arange(len(r)) // G
        adv, _ = cv.compute_grpo_outcome_advantage(r, torch.ones_like(r), uid.numpy(), epsilon=1e-4,
                                                   norm_adv_by_std_in_grpo=scale_rewards)
        return adv[:, 0].to(rewards.device)

Any other outcome estimator (cv.compute_rloo_outcome_advantage, credo.assign("...", ...))
fits the same place. Accelerate / DeepSpeed launch one process per GPU with fresh
interpreters; import credo in each (never fork a process that has loaded it).

Run: python3 examples/python/trl_example.py (after installing the package, see README).
"""
import torch

import credo.verl as cv

torch.manual_seed(0)
G = 8                       # num_generations
rewards = torch.randint(0, 2, (4 * G,)).float() + 0.1 * torch.rand(4 * G)   # gathered rewards


def credo_advantages(rewards, G, scale_rewards=True):
    r = rewards.detach().float().cpu()[:, None]
    uid = torch.arange(len(r)) // G
    adv, _ = cv.compute_grpo_outcome_advantage(r, torch.ones_like(r), uid.numpy(), epsilon=1e-4,
                                               norm_adv_by_std_in_grpo=scale_rewards)
    return adv[:, 0].to(rewards.device)


# TRL's formula written out, to check against.
mean = rewards.view(-1, G).mean(dim=1).repeat_interleave(G)
std = rewards.view(-1, G).std(dim=1).repeat_interleave(G)
for scale in (True, False):
    want = (rewards - mean) / (std + 1e-4) if scale else rewards - mean
    got = credo_advantages(rewards, G, scale)
    print(f"scale_rewards={scale}: max |credo - TRL formula| = {(got - want).abs().max().item():.2e}")
    assert torch.allclose(got, want, atol=1e-5)

# RLOO instead of GRPO, same place, same shapes.
r = rewards[:, None]
rloo, _ = cv.compute_rloo_outcome_advantage(r, torch.ones_like(r), (torch.arange(len(r)) // G).numpy())
print("RLOO advantages of the first prompt:", [round(x, 3) for x in rloo[:G, 0].tolist()])
