"""Side-by-side benchmark: verl's pinned estimators vs credo.verl drop-ins on the same
torch tensors, in one process, one thread (conversion included).

    python3 python/bench/bench.py [--B 4096] [--T 2048] [--reps 3] [--shared ../shared]

B rows of T tokens, response lengths uniform in T/2..T (ragged masks), groups of 8,
float32. GiGPO runs in a second process with verl-agent's pinned code (its tree is
also a package named verl). Prints a markdown table.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np
import torch

torch.set_num_threads(1)
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def timeit(f, reps, warm=1):
    for _ in range(warm):
        f()
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    return min(ts)  # the least disturbed run: this machine is shared


def data(B, T, seed=0):
    g = torch.Generator().manual_seed(seed)
    L = torch.randint(T // 2, T + 1, (B,), generator=g)
    m = (torch.arange(T)[None, :] < L[:, None]).float()
    r = torch.zeros(B, T)
    r[torch.arange(B), L - 1] = torch.randint(0, 2, (B,), generator=g).float()
    v = torch.randn(B, T, generator=g) * m
    idx = np.array([f"uid-{i // 8}" for i in range(B)], dtype=object)
    return r, m, v, idx


def main_verl(a):
    sys.path.insert(0, os.path.join(a.shared, "thirdparty"))
    import load
    ca = load.verl()
    import credo.verl as V
    r, m, v, idx = data(a.B, a.T)
    cfg = type("Cfg", (), {"gamma": 1.0})()
    rows = []
    cases = [
        ("gae", lambda: ca.compute_gae_advantage_return(r, v, m, 1.0, 0.95),
         lambda: V.compute_gae_advantage_return(r, v, m, 1.0, 0.95)),
        ("reinforce_plus_plus", lambda: ca.compute_reinforce_plus_plus_outcome_advantage(r, m, config=cfg),
         lambda: V.compute_reinforce_plus_plus_outcome_advantage(r, m, config=cfg)),
        ("grpo_vectorized", lambda: ca.compute_grpo_vectorized_outcome_advantage(r, m, idx),
         lambda: V.compute_grpo_vectorized_outcome_advantage(r, m, idx)),
        ("grpo", lambda: ca.compute_grpo_outcome_advantage(r, m, idx),
         lambda: V.compute_grpo_outcome_advantage(r, m, idx)),
        ("rloo_vectorized", lambda: ca.compute_rloo_vectorized_outcome_advantage(r, m, idx),
         lambda: V.compute_rloo_vectorized_outcome_advantage(r, m, idx)),
    ]
    for name, ref, ours in cases:
        a1, a2 = ref()[0], ours()[0]
        err = (a1.double() - a2.double()).abs().max().item()
        reps = 1 if name in ("gae", "reinforce_plus_plus") else a.reps
        tr, to = timeit(ref, reps, warm=0 if reps == 1 else 1), timeit(ours, a.reps)
        rows.append((f"verl {name}", tr, to, err))
    # per-call overhead: a 1-row batch
    r1, m1, _, i1 = data(1, 16)

    def per_call(f, n=1000, rounds=7):
        best = []
        for _ in range(rounds):  # the best of 7 rounds of 1000 calls
            t = time.perf_counter()
            for _ in range(n):
                f(r1, m1, i1)
            best.append((time.perf_counter() - t) / n)
        return min(best)
    per_call(V.compute_grpo_outcome_advantage, 200, 1)
    return rows, (per_call(ca.compute_grpo_outcome_advantage), per_call(V.compute_grpo_outcome_advantage))


def main_agent(a):
    sys.path.insert(0, os.path.join(a.shared, "thirdparty"))
    import load
    cg, _ = load.verl_agent()
    import credo.verl_agent as A
    r, m, _, idx = data(a.B, a.T)
    B = a.B
    g = np.random.default_rng(1)
    traj = np.array([f"t{i}" for i in range(B)], dtype=object)
    anchor = np.array([f"obs-{int(x)}" for x in g.integers(0, 4, B)], dtype=object)
    step = torch.tensor(g.random(B), dtype=torch.float32)
    import contextlib
    import io
    quiet = contextlib.redirect_stdout(io.StringIO())

    def ref():
        with contextlib.redirect_stdout(io.StringIO()):
            return cg.compute_gigpo_outcome_advantage(r, step, m, anchor, idx, traj)

    def ours():
        return A.compute_gigpo_outcome_advantage(r, step, m, anchor, idx, traj)
    with quiet:
        err = (ref()[0].double() - ours()[0].double()).abs().max().item()
    return [("verl-agent gigpo", timeit(ref, a.reps), timeit(ours, a.reps), err)]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--B", type=int, default=4096)
    p.add_argument("--T", type=int, default=2048)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--shared", default=os.path.join(os.path.dirname(REPO), "shared"))
    p.add_argument("--part", choices=["all", "verl", "agent"], default="all")
    a = p.parse_args()
    if a.part == "verl":
        print(json.dumps(main_verl(a)))
        return
    if a.part == "agent":
        print(json.dumps(main_agent(a)))
        return
    args = [sys.executable, __file__, "--B", str(a.B), "--T", str(a.T), "--reps", str(a.reps), "--shared", a.shared]
    rows, (over_ref, over) = json.loads(subprocess.check_output(args + ["--part", "verl"]).decode().splitlines()[-1])
    rows += json.loads(subprocess.check_output(args + ["--part", "agent"]).decode().splitlines()[-1])
    print(f"B={a.B} x T={a.T}, lengths T/2..T, groups of 8, float32, torch {torch.__version__}, one thread\n")
    print("| function | reference (pinned) | credo (Python drop-in) | speed-up | max abs diff |")
    print("|---|---:|---:|---:|---:|")
    for name, tr, to, err in rows:
        print(f"| {name} | {tr * 1e3:.1f} ms | {to * 1e3:.2f} ms | {tr / to:.1f}x | {err:.1e} |")
    print(f"| per-call, 1 row x 16 tokens (verl grpo) | {over_ref * 1e6:.0f} µs | {over * 1e6:.1f} µs | "
          f"{over_ref / over:.1f}x | |")


if __name__ == "__main__":
    main()
