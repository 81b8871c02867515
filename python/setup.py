"""Builds credo's Python package and, with the local Go toolchain, libcredo.so
(go build -buildmode=c-shared ./capi) from the repository this folder is in."""
import os
import shutil
import subprocess

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))


def repo_root():
    d = os.environ.get("CREDO_REPO") or os.path.dirname(HERE)
    if not os.path.exists(os.path.join(d, "go.mod")):
        raise SystemExit(f"credo: {d} has no go.mod; set CREDO_REPO to the credo repository")
    return d


class BuildWithGo(build_py):
    def run(self):
        super().run()
        go = shutil.which("go") or "/usr/local/go/bin/go"
        out = os.path.join(os.path.abspath(self.build_lib), "credo", "libcredo.so")
        os.makedirs(os.path.dirname(out), exist_ok=True)
        subprocess.check_call([go, "build", "-trimpath", "-buildmode=c-shared", "-o", out, "./capi"],
                              cwd=repo_root())
        h = out[:-3] + ".h"
        if os.path.exists(h):
            os.remove(h)


setup(
    name="credo",
    version="0.1.0",
    description="Credit assignment for RL of language models, in process (Go engine, ctypes binding)",
    packages=["credo"],
    python_requires=">=3.9",
    install_requires=["numpy"],
    extras_require={"torch": ["torch"]},
    cmdclass={"build_py": BuildWithGo},
    zip_safe=False,
)
