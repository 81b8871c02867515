import os
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.join(os.path.dirname(REPO), "shared")
THIRDPARTY = os.path.join(SHARED, "thirdparty")


def need_thirdparty():
    if not os.path.exists(os.path.join(THIRDPARTY, "load.py")):
        pytest.skip(f"pinned reference code not found at {THIRDPARTY} (../shared relative to the repository)")
    try:
        import torch  # noqa: F401
    except ImportError:
        pytest.skip("torch is not installed (the pinned verl code needs it)")
    if THIRDPARTY not in sys.path:
        sys.path.insert(0, THIRDPARTY)
    import load
    return load
