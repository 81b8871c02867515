"""Golden conformance through Python: ``python3 -m credo.golden DIR`` runs every
*.json golden file in DIR (schema: testdata/golden/README.md) and prints one line
per file and last "N passed, M failed", like ``credo conformance``.

The advantage estimators that credo.verl, credo.verl_agent and credo.openrlhf
expose are run through those drop-ins on numpy arrays built from the case (the
Python -> C ABI -> engine path a trainer uses). The other estimators (policy
and value losses, KL, PURE, SPO, TreeRL, IGPO, SPIRAL, OpenRLHF's pipeline) have
no array drop-in: their case is handed through the C ABI (credo_golden) to the
same adapter `credo conformance` uses, and the outputs come back to Python.
Either way the comparison with the golden outputs is done here, in Python,
with the files' tolerances.
"""
import glob
import json
import math
import os
import sys

import numpy as np

from . import _lib, openrlhf, verl_agent
from . import verl as V
from ._lib import CredoError

F32 = (1e-5, 1e-6)
F64 = (1e-9, 1e-12)
_NONFINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def _num(x):
    if isinstance(x, list):
        return [_num(e) for e in x]
    if isinstance(x, str) and x in _NONFINITE:
        return _NONFINITE[x]
    if isinstance(x, bool):
        return float(x)
    return x


def _get(case, key, default=None):
    for part in ("inputs", "params"):
        v = case.get(part, {}).get(key)
        if v is not None:
            return v
    return default


def _mat(case, key, optional=False):
    v = _get(case, key)
    if v is None:
        if optional:
            return None
        raise CredoError(f"case {case['name']!r}: input {key} is missing")
    a = np.array(_num(v), dtype=np.float64)
    if a.ndim == 1 and a.size == 0:
        a = a.reshape(0, 0)
    return a


def _ids(case, key):
    v = _get(case, key)
    if v is None:
        raise CredoError(f"case {case['name']!r}: input {key} is missing")
    return [json.dumps(x, sort_keys=True) if isinstance(x, (list, dict)) else x for x in v]


def _flt(case, key, default):
    v = _get(case, key)
    return default if v is None else float(_num(v))


def _bool(case, key, default):
    v = _get(case, key)
    return default if v is None else bool(v)


def _two(a, b):
    return {"advantages": a, "returns": b}


def _verl(name):
    def run(c):
        r, m = _mat(c, "token_level_rewards"), _mat(c, "response_mask")
        eps = _flt(c, "epsilon", 1e-6)
        norm = _bool(c, "norm_adv_by_std_in_grpo", True)
        if name == "gae":
            return _two(*V.compute_gae_advantage_return(r, _mat(c, "values"), m, _flt(c, "gamma", 1.0),
                                                        _flt(c, "lam", 1.0)))
        if name == "reinforce_plus_plus":
            return _two(*V.compute_reinforce_plus_plus_outcome_advantage(r, m, config={"gamma": _flt(c, "gamma", 1.0)}))
        if name == "remax":
            return _two(*V.compute_remax_outcome_advantage(r, _mat(c, "reward_baselines"), m))
        idx = _ids(c, "index")
        if name in ("grpo", "grpo_vectorized"):
            return _two(*V.ESTIMATORS[name](r, m, idx, epsilon=eps, norm_adv_by_std_in_grpo=norm))
        if name == "grpo_passk":
            return _two(*V.compute_grpo_passk_outcome_advantage(r, m, idx, epsilon=eps,
                                                                config={"norm_adv_by_std_in_grpo": norm}))
        if name == "gpg":
            return _two(*V.compute_gpg_outcome_advantage(r, m, idx, epsilon=eps, f_norm=_flt(c, "f_norm", 1.0)))
        if name == "opo":
            return _two(*V.compute_opo_outcome_advantage(r, m, idx, _empty_group_nan=True))
        if name in ("optimal_token_baseline", "tir_optimal_token_baseline"):
            return _two(*V.ESTIMATORS[name](r, m, idx, _mat(c, "old_log_probs"), _mat(c, "sum_pi_squared"),
                                            rollout_is_weights=_mat(c, "rollout_is_weights", True),
                                            handle_zero_tail=_bool(c, "handle_zero_tail", True),
                                            epsilon=_flt(c, "epsilon", 1e-8)))
        return _two(*V.ESTIMATORS[name](r, m, idx))
    return run


class _DP:
    def __init__(self, nt):
        self.batch, self.non_tensor_batch = {}, nt


def _agent(name):
    def run(c):
        if name == "step_discounted_returns":
            rw = np.array(_num(_get(c, "rewards")), dtype=np.float64)
            traj = _ids(c, "traj_uid")
            out = verl_agent.compute_step_discounted_returns(
                _DP({"rewards": rw, "traj_uid": traj, "active_masks": np.ones(len(traj))}), _flt(c, "gamma", 1.0))
            return {"step_rewards": out}
        r, m = _mat(c, "token_level_rewards"), _mat(c, "response_mask")
        idx, traj = _ids(c, "index"), _ids(c, "traj_index")
        cross = _bool(c, "compute_mean_std_cross_steps", True)
        if name == "gigpo":
            rw = np.array(_num(_get(c, "rewards")), dtype=np.float64)
            sr = verl_agent.compute_step_discounted_returns(
                _DP({"rewards": rw, "traj_uid": traj, "active_masks": np.ones(len(traj))}), _flt(c, "gamma", 1.0))
            a, b = verl_agent.compute_gigpo_outcome_advantage(
                r, sr, m, c["inputs"]["anchor_obs"], idx, traj, epsilon=_flt(c, "epsilon", 1e-6),
                step_advantage_w=_flt(c, "step_advantage_w", 1.0), mode=_get(c, "mode", "mean_norm"),
                enable_similarity=_bool(c, "enable_similarity", False),
                similarity_thresh=_flt(c, "similarity_thresh", 0.95))
            return {"step_rewards": sr, "advantages": a, "returns": b}
        if name == "grpo":
            return _two(*verl_agent.compute_grpo_outcome_advantage(
                r, m, idx, traj, epsilon=_flt(c, "epsilon", 1e-6),
                norm_adv_by_std_in_grpo=_bool(c, "norm_adv_by_std_in_grpo", True),
                compute_mean_std_cross_steps=cross))
        fn = {"rloo": verl_agent.compute_rloo_outcome_advantage,
              "reinforce_plus_plus_baseline": verl_agent.compute_reinforce_plus_plus_baseline_outcome_advantage}[name]
        return _two(*fn(r, m, idx, traj, compute_mean_std_cross_steps=cross))
    return run


def _openrlhf(name):
    def run(c):
        r = _mat(c, "rewards")
        m = _mat(c, "action_mask", optional=True)
        if name == "gae":
            return _two(*openrlhf.get_advantages_and_returns(_mat(c, "values"), r, m, _flt(c, "gamma", 1.0),
                                                             _flt(c, "lambd", 0.95)))
        return {"returns": openrlhf.get_cumulative_returns(r, m, _flt(c, "gamma", 1.0))}
    return run


DROP_INS = {"verl." + n: _verl(n) for n in V.ESTIMATORS}
DROP_INS.update({"verl_agent." + n: _agent(n) for n in
                 ("gigpo", "step_discounted_returns", "grpo", "rloo", "reinforce_plus_plus_baseline")})
DROP_INS.update({"openrlhf.gae": _openrlhf("gae"), "openrlhf.cumulative_returns": _openrlhf("cumulative_returns")})


def _engine(estimator):
    def run(c):
        got = _lib.golden_case(estimator, json.dumps(c).encode())
        if "error" in got:
            raise CredoError(got["error"])
        return got["outputs"]
    return run


def _tol(estimator, case):
    rtol, atol = F64 if estimator.startswith(("spo.", "spiral.", "treerl.")) else F32
    skip = False
    t = case.get("tolerance")
    if t:
        if t.get("comparable") is False:
            skip = True
        rt, at = t.get("rtol") or 0, t.get("atol") or 0
        if rt > 0 or at > 0:
            rtol, atol = rt, at
    return rtol, atol, skip


def _plain(x):
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(e) for e in x]
    return x


def compare(want, got, tol, path="", out=None, limit=5):
    """Mismatches of got against the golden value want (compare.go's rules)."""
    out = [] if out is None else out
    rtol, atol, skip = tol

    def fail(msg):
        if len(out) < limit:
            out.append(f"{path or '.'}: {msg}")

    def as_float(g):
        if isinstance(g, bool):
            return float(g)
        if isinstance(g, (int, float)):
            return float(g)
        if isinstance(g, str) and g in _NONFINITE:
            return _NONFINITE[g]
        return None

    if want is None:
        if got is not None:
            fail(f"want null, got {got!r}")
    elif isinstance(want, bool):
        g = as_float(got)
        if g is None or (g == 1.0) != want or g not in (0.0, 1.0):
            fail(f"want {want}, got {got!r}")
    elif isinstance(want, str):
        if want in _NONFINITE:
            g, w = as_float(got), _NONFINITE[want]
            if g is None or math.isnan(w) != math.isnan(g) or (not math.isnan(w) and g != w):
                fail(f"want {want}, got {got!r}")
        elif got != want:
            fail(f"want {want!r}, got {got!r}")
    elif isinstance(want, int):
        g = as_float(got)
        if g is None or g != want:
            fail(f"want exactly {want}, got {got!r}")
    elif isinstance(want, float):
        g = as_float(got)
        if g is None or math.isnan(g) or math.isinf(g):
            fail(f"want {want}, got {got!r}")
        elif not skip and abs(g - want) > atol + rtol * abs(want):
            fail(f"want {want}, got {g} (diff {abs(g - want):.3g})")
    elif isinstance(want, list):
        if not isinstance(got, list):
            fail(f"want a list of {len(want)}, got {type(got).__name__}")
        elif len(got) != len(want):
            fail(f"want a list of {len(want)}, got {len(got)}")
        else:
            for i, (w, g) in enumerate(zip(want, got)):
                compare(w, g, tol, f"{path}[{i}]", out, limit)
    elif isinstance(want, dict):
        if not isinstance(got, dict):
            fail(f"want an object, got {type(got).__name__}")
        else:
            for k in sorted(want):
                if k not in got:
                    out.append(f"{path}.{k}: missing")
                else:
                    compare(want[k], got[k], tol, f"{path}.{k}", out, limit)
    return out


def run_case(estimator, fn, case):
    """(passed, problems, path) for one case."""
    try:
        got = fn(case)
        err = None
    except (ValueError, TypeError) as e:  # CredoError is a ValueError
        got, err = None, e
    if "error" in case["outputs"]:
        if err is None:
            return False, ["the reference rejects this input but credo accepted it"]
        return True, []
    if err is not None:
        return False, [f"error: {err}"]
    got = _plain(got)
    tol = _tol(estimator, case)
    problems = []
    for k in sorted(case["outputs"]):
        if k not in got:
            problems.append(f"{k}: not produced")
            continue
        problems += [k + m for m in compare(case["outputs"][k], got[k], tol)]
    return not problems, problems


def run_dir(d, w=sys.stdout, verbose=False):
    """Runs every golden file of d; returns (passed, failed, ok, by_path)."""
    paths = sorted(glob.glob(os.path.join(d, "*.json")))
    if not paths:
        raise SystemExit(f"conformance: no *.json golden files in {d}")
    passed = failed = 0
    ok = True
    counts = {"drop-in": 0, "engine": 0}
    for p in paths:
        name = os.path.basename(p)
        try:
            with open(p) as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            print(f"ERROR {name}: {e}", file=w)
            failed += 1
            ok = False
            continue
        est = doc["estimator"]
        if est in DROP_INS:
            fn, how = DROP_INS[est], "drop-in"
        else:
            fn, how = _engine(est), "engine"
        res = [(c["name"],) + run_case(est, fn, c) for c in doc["cases"]]
        np_ = sum(1 for r in res if r[1])
        counts[how] += len(res)
        status = "ok   " if np_ == len(res) else "FAIL "
        print(f"{status} {name}: {np_}/{len(res)} cases passed ({how})", file=w)
        for cname, good, problems in res:
            if not good:
                print(f"      case {cname}:", file=w)
                for m in problems:
                    print(f"        {m}", file=w)
        passed += np_
        failed += len(res) - np_
    print(f"({counts['drop-in']} cases through the Python drop-ins, {counts['engine']} through credo_golden)", file=w)
    print(f"{passed} passed, {failed} failed", file=w)
    return passed, failed, ok and failed == 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python3 -m credo.golden DIR", file=sys.stderr)
        return 2
    _, _, ok = run_dir(argv[0])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
