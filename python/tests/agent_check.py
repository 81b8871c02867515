"""Run in its own process by test_verl_agent.py (verl-agent's tree is a package named
verl too): credo.verl_agent against the pinned verl-agent functions. Prints one line
per failed comparison and exits 1 on any failure."""
import sys

import numpy as np
import torch

sys.path.insert(0, sys.argv[1])
import load  # noqa: E402

cg, ca = load.verl_agent()
import credo.verl_agent as A  # noqa: E402

fails = 0
checks = 0


def close(tag, a, b, tol=2e-5):
    global fails, checks
    checks += 1
    a, b = torch.as_tensor(a).double(), torch.as_tensor(b).double()
    if a.shape != b.shape or not torch.isfinite(a).all() or not torch.allclose(a, b, rtol=tol, atol=tol):
        fails += 1
        print("FAIL", tag, (a - b).abs().max().item() if a.shape == b.shape else (a.shape, b.shape))


class DP:
    def __init__(self, batch, nt):
        self.batch, self.non_tensor_batch = batch, nt


def episode(seed):
    """Prompt groups of trajectories with 1..4 step rows each, anchors shared across
    trajectories of a group, singleton groups and constant rewards included."""
    g = np.random.default_rng(seed)
    T = int(g.integers(1, 9))
    rows = []
    for p in range(int(g.integers(1, 5))):
        n_traj = int(g.integers(1, 5))
        const = p % 3 == 2
        for k in range(n_traj):
            steps = int(g.integers(1, 5))
            outcome = 1.0 if const else float(g.choice([0.0, 1.0]))
            for s in range(steps):
                obs = f"s{int(g.integers(0, 3))}" if seed % 4 else [int(g.integers(0, 2)), s]
                rows.append((f"p{p}", f"p{p}t{k}", obs, float(g.choice([0.0, 0.0, 1.0])), outcome if s == steps - 1 else 0.0))
    perm = g.permutation(len(rows)) if seed % 2 else np.arange(len(rows))
    rows = [rows[i] for i in perm]
    B = len(rows)
    lens = g.integers(1, T + 1, size=B)
    mask = (np.arange(T)[None, :] < lens[:, None]).astype(np.float32)
    r = np.zeros((B, T), np.float32)
    r[np.arange(B), lens - 1] = [x[4] for x in rows]
    index = np.array([x[0] for x in rows], dtype=object)
    traj = np.array([x[1] for x in rows], dtype=object)
    anchor = np.empty(B, dtype=object)
    for i, x in enumerate(rows):
        anchor[i] = x[2]
    env = np.array([x[3] for x in rows], dtype=np.float32)
    return torch.tensor(r), torch.tensor(mask), index, traj, anchor, env


for seed in range(24):
    r, m, index, traj, anchor, env = episode(seed)
    gamma = 0.9 + 0.005 * seed
    dp = DP({"input_ids": torch.zeros(len(index), 1)}, {"rewards": env, "traj_uid": traj,
                                                        "active_masks": np.ones(len(index), bool)})
    ref_sr = cg.compute_step_discounted_returns(dp, gamma)
    got_sr = A.compute_step_discounted_returns(dp, gamma)
    close(f"step_returns seed={seed}", got_sr, ref_sr)
    for mode in ("mean_norm", "mean_std_norm"):
        for sim in ([False, True] if seed % 4 else [False]):
            kw = dict(epsilon=1e-6, step_advantage_w=0.5 + seed % 3, mode=mode, enable_similarity=sim,
                      similarity_thresh=0.8)
            ref = cg.compute_gigpo_outcome_advantage(r, ref_sr, m, anchor, index, traj, **kw)
            got = A.compute_gigpo_outcome_advantage(r, got_sr, m, anchor, index, traj, **kw)
            close(f"gigpo seed={seed} mode={mode} sim={sim}", got[0], ref[0])
            assert got[0] is got[1]
    for cross in (True, False):
        for norm in (True, False):
            ref = ca.compute_grpo_outcome_advantage(r, m, index, traj, norm_adv_by_std_in_grpo=norm,
                                                    compute_mean_std_cross_steps=cross)
            got = A.compute_grpo_outcome_advantage(r, m, index, traj, norm_adv_by_std_in_grpo=norm,
                                                   compute_mean_std_cross_steps=cross)
            close(f"grpo seed={seed} cross={cross} norm={norm}", got[0], ref[0])
        ref = ca.compute_rloo_outcome_advantage(r, m, index, traj, compute_mean_std_cross_steps=cross)
        got = A.compute_rloo_outcome_advantage(r, m, index, traj, compute_mean_std_cross_steps=cross)
        close(f"rloo seed={seed} cross={cross}", got[0], ref[0])
        ref = ca.compute_reinforce_plus_plus_baseline_outcome_advantage(r, m, index, traj,
                                                                        compute_mean_std_cross_steps=cross)
        if torch.isfinite(ref[0]).all():
            got = A.compute_reinforce_plus_plus_baseline_outcome_advantage(r, m, index, traj,
                                                                           compute_mean_std_cross_steps=cross)
            close(f"rpp_baseline seed={seed} cross={cross}", got[0], ref[0], 1e-4)

print(f"{checks - fails} passed, {fails} failed")
sys.exit(1 if fails or checks < 100 else 0)
