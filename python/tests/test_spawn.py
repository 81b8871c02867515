"""The Go runtime does not survive fork(): workers must be spawned. A spawn worker
imports credo afresh and works; a forked child is refused with a clear error."""
import multiprocessing as mp
import os

import numpy as np
import pytest

import credo
import credo.verl as V


def work(seed):
    import numpy as np
    import credo.verl as V
    g = np.random.default_rng(seed)
    r = g.random((8, 4)).astype(np.float32)
    m = np.ones((8, 4), np.float32)
    a, _ = V.compute_grpo_outcome_advantage(r, m, np.arange(8) // 4)
    return a.tolist()


def test_spawn_worker_computes_the_same_as_the_parent():
    ctx = mp.get_context("spawn")
    with ctx.Pool(2) as pool:
        got = pool.map(work, [0, 1])
    assert np.allclose(got[0], work(0)) and np.allclose(got[1], work(1))


def _forked(q):
    try:
        V.compute_grpo_outcome_advantage(np.ones((2, 3), np.float32), np.ones((2, 3), np.float32), [0, 0])
        q.put("ran")
    except RuntimeError as e:
        q.put(str(e))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_fork_is_refused_with_a_clear_error():
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_forked, args=(q,))
    p.start()
    msg = q.get(timeout=60)
    p.join(60)
    assert "spawn" in msg


def test_threads_share_the_library():
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(4) as ex:
        got = list(ex.map(work, range(8)))
    assert all(np.allclose(g, work(i)) for i, g in enumerate(got))


def test_verl_module_imports():
    assert callable(V.register) and credo.__version__
