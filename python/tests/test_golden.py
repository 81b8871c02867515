"""The golden vectors through the Python path (credo.golden)."""
import io
import os

import pytest

from conftest import REPO, SHARED

from credo import golden


def run(d):
    w = io.StringIO()
    passed, failed, ok = golden.run_dir(d, w)
    return passed, failed, ok, w.getvalue()


def test_testdata_golden():
    passed, failed, ok, out = run(os.path.join(REPO, "testdata", "golden"))
    assert ok and failed == 0 and passed >= 570, out
    assert out.strip().endswith(f"{passed} passed, 0 failed")


def test_shared_golden():
    d = os.path.join(SHARED, "golden")
    if not os.path.isdir(d):
        pytest.skip(f"{d} not found (../shared relative to the repository)")
    passed, failed, ok, out = run(d)
    assert (passed, failed) == (570, 0), out


def test_compare_rules():
    tol = (1e-5, 1e-6, False)
    assert golden.compare([1.0, 2], [1.000001, 2], tol) == []
    assert golden.compare(2, 2.5, tol) != []  # integers are exact
    assert golden.compare("NaN", float("nan"), tol) == []
    assert golden.compare(1.0, float("nan"), tol) != []
    assert golden.compare([1.0], [1.0, 2.0], tol) != []
