"""Side-by-side benchmark: verl's pinned estimators vs credo.verl drop-ins on the same
torch tensors, in one process, one thread (conversion included).

    python3 python/bench/bench.py [--B 4096] [--T 2048] [--reps 15] [--shared ../shared]

B rows of T tokens, response lengths uniform in T/2..T (ragged masks), groups of 8,
float32. GiGPO runs in a second process with verl-agent's pinned code (its tree is
also a package named verl). Reference and credo calls alternate (one of each per
repetition), so that both see the same load; each row reports the median wall time of
each side, its spread (min-max), the median thread CPU time, and the ratio of the
medians. Prints a markdown table with the load average before and after.
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
    """(wall, cpu) seconds of reps calls of f, after warm calls."""
    for _ in range(warm):
        f()
    out = []
    for _ in range(reps):
        c, t = time.thread_time(), time.perf_counter()
        f()
        out.append((time.perf_counter() - t, time.thread_time() - c))
    return out


def pair(ref, ours, reps):
    """Alternating calls of ref and ours: their (wall, cpu) samples."""
    ref(), ours()
    a, b = [], []
    for _ in range(reps):
        a += timeit(ref, 1, 0)
        b += timeit(ours, 1, 0)
    return a, b


def stats(samples):
    w = sorted(x[0] for x in samples)
    return {"med": statistics.median(w), "min": w[0], "max": w[-1],
            "cpu": statistics.median(x[1] for x in samples), "n": len(w)}


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
    gae = ("gae", lambda: ca.compute_gae_advantage_return(r, v, m, 1.0, 0.95),
           lambda: V.compute_gae_advantage_return(r, v, m, 1.0, 0.95))
    rpp = ("reinforce_plus_plus", lambda: ca.compute_reinforce_plus_plus_outcome_advantage(r, m, config=cfg),
           lambda: V.compute_reinforce_plus_plus_outcome_advantage(r, m, config=cfg))
    gv = ("grpo_vectorized", lambda: ca.compute_grpo_vectorized_outcome_advantage(r, m, idx),
          lambda: V.compute_grpo_vectorized_outcome_advantage(r, m, idx))
    grpo = ("grpo", lambda: ca.compute_grpo_outcome_advantage(r, m, idx),
            lambda: V.compute_grpo_outcome_advantage(r, m, idx))
    rv = ("rloo_vectorized", lambda: ca.compute_rloo_vectorized_outcome_advantage(r, m, idx),
          lambda: V.compute_rloo_vectorized_outcome_advantage(r, m, idx))
    # The vectorised estimators are memory-bound on both sides, and verl's time depends on
    # whether torch's 32 MiB outputs land on fresh pages (page faults, kernel zeroing) or on
    # memory its allocator recycles: they run first in the fresh process, and again after
    # verl's GAE and REINFORCE++ have run (as in a trainer, where much torch work precedes).
    cases = [(gv, " (fresh process)"), (gv, " (fresh process), credo's output cache off"),
             (rv, " (fresh process)"), (gae, ""), (rpp, ""), (grpo, ""), (gv, " (after GAE, REINFORCE++ ran)"),
             (rv, " (after GAE, REINFORCE++ ran)")]
    import credo
    for (name, ref, ours), how in cases:
        keep = credo.output_cache(0 if "cache off" in how else None)
        a1, a2 = ref()[0], ours()[0]
        err = (a1.double() - a2.double()).abs().max().item()
        del a1, a2
        if name in ("gae", "reinforce_plus_plus"):  # verl takes seconds: one run of it
            tr, to = timeit(ref, 1, 0), timeit(ours, a.reps)
        else:
            tr, to = pair(ref, ours, a.reps)
        credo.output_cache(keep)
        rows.append((f"verl {name}{how}", stats(tr), stats(to), err))
    # per-call overhead: a 1-row batch
    r1, m1, _, i1 = data(1, 16)

    def per_call(f, n=1000, rounds=7):
        out = []
        for _ in range(rounds):  # 7 rounds of 1000 calls
            c, t = time.thread_time(), time.perf_counter()
            for _ in range(n):
                f(r1, m1, i1)
            out.append(((time.perf_counter() - t) / n, (time.thread_time() - c) / n))
        return out
    per_call(V.compute_grpo_outcome_advantage, 200, 1)
    return rows, (stats(per_call(ca.compute_grpo_outcome_advantage)), stats(per_call(V.compute_grpo_outcome_advantage)))


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
    tr, to = pair(ref, ours, max(3, a.reps // 3))
    return [("verl-agent gigpo", stats(tr), stats(to), err)]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--B", type=int, default=4096)
    p.add_argument("--T", type=int, default=2048)
    p.add_argument("--reps", type=int, default=15)
    p.add_argument("--shared", default=os.path.join(os.path.dirname(REPO), "shared"))
    p.add_argument("--part", choices=["all", "verl", "agent"], default="all")
    a = p.parse_args()
    if a.part == "verl":
        print(json.dumps(main_verl(a)))
        return
    if a.part == "agent":
        print(json.dumps(main_agent(a)))
        return
    load0 = os.getloadavg()
    args = [sys.executable, __file__, "--B", str(a.B), "--T", str(a.T), "--reps", str(a.reps), "--shared", a.shared]
    rows, (over_ref, over) = json.loads(subprocess.check_output(args + ["--part", "verl"]).decode().splitlines()[-1])
    rows += json.loads(subprocess.check_output(args + ["--part", "agent"]).decode().splitlines()[-1])
    load1 = os.getloadavg()
    print(f"B={a.B} x T={a.T}, lengths T/2..T, groups of 8, float32, torch {torch.__version__}, one thread, "
          f"{os.cpu_count()} CPUs; load average (1, 5, 15 min) {load0[0]:.1f} {load0[1]:.1f} {load0[2]:.1f} "
          f"before, {load1[0]:.1f} {load1[1]:.1f} {load1[2]:.1f} after\n")
    print("| function | reference (pinned): median [min–max], CPU | credo (Python drop-in): median [min–max], CPU "
          "| speed-up (medians) | CPU-time ratio | runs | max abs diff |")
    print("|---|---:|---:|---:|---:|---:|---:|")

    def ms(x):
        return f"{x['med'] * 1e3:.1f} ms [{x['min'] * 1e3:.1f}–{x['max'] * 1e3:.1f}], {x['cpu'] * 1e3:.1f}"
    for name, tr, to, err in rows:
        print(f"| {name} | {ms(tr)} | {ms(to)} | {tr['med'] / to['med']:.1f}x | {tr['cpu'] / to['cpu']:.1f}x "
              f"| {tr['n']} / {to['n']} | {err:.1e} |")

    def us(x):
        return f"{x['med'] * 1e6:.1f} µs [{x['min'] * 1e6:.1f}–{x['max'] * 1e6:.1f}], {x['cpu'] * 1e6:.1f}"
    print(f"| per call, 1 row x 16 tokens (verl grpo) | {us(over_ref)} | {us(over)} | "
          f"{over_ref['med'] / over['med']:.1f}x | {over_ref['cpu'] / over['cpu']:.1f}x | 7 x 1000 / 7 x 1000 | |")


if __name__ == "__main__":
    main()
