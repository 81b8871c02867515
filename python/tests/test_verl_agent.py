"""credo.verl_agent against the pinned verl-agent code, in a child process (its tree
is also a package named verl)."""
import os
import subprocess
import sys

import pytest

from conftest import THIRDPARTY, need_thirdparty


def test_verl_agent_side_by_side():
    need_thirdparty()
    here = os.path.dirname(os.path.abspath(__file__))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in [os.path.dirname(here), env.get("PYTHONPATH", "")] if p) \
        if not _installed() else env.get("PYTHONPATH", "")
    p = subprocess.run([sys.executable, os.path.join(here, "agent_check.py"), THIRDPARTY],
                       capture_output=True, text=True, env=env, timeout=600)
    print(p.stdout, p.stderr)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    assert " passed, 0 failed" in p.stdout


def _installed():
    import credo
    return "site-packages" in credo.__file__ or "dist-packages" in credo.__file__


if __name__ == "__main__":
    sys.exit(pytest.main([__file__]))
