"""The OpenRLHF and TRL recipes in examples/python run and check themselves."""
import os
import subprocess
import sys

import pytest

from conftest import REPO

pytest.importorskip("torch")


@pytest.mark.parametrize("name", ["openrlhf_example.py", "trl_example.py"])
def test_example_runs(name):
    import credo
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([os.path.dirname(os.path.dirname(credo.__file__)), env.get("PYTHONPATH", "")])
    p = subprocess.run([sys.executable, os.path.join(REPO, "examples", "python", name)], capture_output=True,
                       text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
