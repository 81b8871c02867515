"""ctypes binding of libcredo.so (built from ../capi with go build -buildmode=c-shared).

Arrays cross the boundary as raw pointers to caller-owned memory: numpy arrays
as they are, CPU torch tensors through their numpy views (no copy), CUDA tensors
moved to the CPU and the results moved back. Outputs are allocated here (large ones
from a small cache of buffers the caller has dropped, see output_cache) and filled
by the library only when the whole call succeeds.
"""
import ctypes
import json
import os
import sys
import threading

import numpy as np

try:  # torch is optional
    import torch as _torch
except ImportError:  # pragma: no cover
    _torch = None

_HERE = os.path.dirname(os.path.abspath(__file__))


def _load():
    path = os.environ.get("CREDO_LIB") or os.path.join(_HERE, "libcredo.so")
    if not os.path.exists(path):
        raise ImportError(
            f"credo: {path} is missing; install the package with its build step "
            "(see python/README.md) or point CREDO_LIB at a libcredo.so built with "
            "'go build -buildmode=c-shared -o libcredo.so ./capi'")
    lib = ctypes.CDLL(path)
    cp, sz = ctypes.POINTER(ctypes.c_char), ctypes.c_size_t
    out = [ctypes.POINTER(cp), ctypes.POINTER(sz)]
    lib.credo_call.argtypes = [ctypes.c_char_p, sz, ctypes.POINTER(ctypes.c_void_p), ctypes.c_int] + out
    lib.credo_call.restype = ctypes.c_int
    lib.credo_assign.argtypes = [ctypes.c_char_p, sz, ctypes.c_char_p, sz] + out
    lib.credo_assign.restype = ctypes.c_int
    lib.credo_methods.argtypes = out
    lib.credo_methods.restype = ctypes.c_int
    lib.credo_golden.argtypes = [ctypes.c_char_p, sz, ctypes.c_char_p, sz] + out
    lib.credo_golden.restype = ctypes.c_int
    lib.credo_free.argtypes = [cp]
    lib.credo_free.restype = None
    return lib


LIB = _load()
_PID = os.getpid()


class CredoError(ValueError):
    """Raised when credo rejects a call (bad shape, dtype, NaN, group, method, parameter)."""


def _check_fork():
    if os.getpid() != _PID:
        raise RuntimeError(
            "credo: the Go runtime does not survive fork(); this process was forked after "
            "credo was imported. Use the 'spawn' start method (multiprocessing, Ray) or "
            "import credo only in the child.")


def _finish(rc, out, n):
    if not out:
        if rc != 0:
            raise CredoError("credo: call failed")
        return b""
    data = ctypes.string_at(out, n.value)
    if out:
        LIB.credo_free(out)
    if rc != 0:
        raise CredoError(data.decode("utf-8", "replace"))
    return data


_tls = threading.local()


def _raw(fn, *args):
    if os.getpid() != _PID:
        _check_fork()
    try:
        out, n, bo, bn = _tls.slots
    except AttributeError:  # first call on this thread: its own output slots
        out, n = ctypes.POINTER(ctypes.c_char)(), ctypes.c_size_t()
        bo, bn = ctypes.byref(out), ctypes.byref(n)
        _tls.slots = out, n, bo, bn
    rc = fn(*args, bo, bn)
    if not out and rc == 0:
        return b""
    return _finish(rc, out, n)


def _pval(v):
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, (int, float)):
        return repr(float(v)) if v == v and v not in (float("inf"), float("-inf")) else json.dumps(str(v))
    return json.dumps(v)


def call(fn, params, arrays):
    """Run drop-in fn on arrays (name -> C-contiguous float32/float64/int64 numpy array or
    CPU torch tensor). The request is a few lines of text (capi/arrays.go parseRequest)."""
    head = ["fn " + fn]
    for k, v in params.items():
        head.append(f"p {k} {_pval(v)}")
    ptrs = (ctypes.c_void_p * len(arrays))()
    for k, (name, a) in enumerate(arrays.items()):
        if isinstance(a, np.ndarray):
            dt = _DT[a.dtype.char]
            try:
                ptrs[k] = ctypes.addressof(ctypes.c_char.from_buffer(a)) if a.size else 0
            except (TypeError, ValueError):  # read-only buffer
                ptrs[k] = a.__array_interface__["data"][0]
        else:
            dt = _TDT[a.dtype]
            ptrs[k] = a.data_ptr()
        head.append(f"a {name} {k} {dt} {' '.join(map(str, a.shape))}")
    req = "\n".join(head).encode()
    _raw(LIB.credo_call, req, len(req), ptrs, len(arrays))


_DT = {"f": "f4", "d": "f8", "l": "i8", "q": "i8"}
_TDT = {_torch.float32: "f4", _torch.float64: "f8", _torch.int64: "i8"} if _torch is not None else {}


def assign_jsonl(request, records):
    req = json.dumps(request).encode()
    return _raw(LIB.credo_assign, req, len(req), records, len(records))


def methods_json():
    return json.loads(_raw(LIB.credo_methods))


def golden_case(estimator, case_json):
    e = estimator.encode()
    return json.loads(_raw(LIB.credo_golden, e, len(e), case_json, len(case_json)))


# ---------------------------------------------------------------- arrays ---

class Orig:
    """Where an input came from, so outputs go back the same way."""
    __slots__ = ("torch", "device", "dtype")

    def __init__(self, is_torch, device=None, dtype=None):
        self.torch, self.device, self.dtype = is_torch, device, dtype


def is_tensor(x):
    return _torch is not None and isinstance(x, _torch.Tensor)


def floats(x, name, like=None):
    """x as a C-contiguous float32/float64 array and its origin: a CPU torch tensor as it
    is (no copy), a numpy array as it is, anything else through np.asarray.

    Other dtypes (bool or integer masks, half precision) and a float dtype other than
    like's are converted: to like's dtype when given, else float32."""
    if _torch is not None and isinstance(x, _torch.Tensor):
        t = x.detach()
        if t.is_cpu:
            o = Orig(True, None, x.dtype)
        else:
            o = Orig(True, x.device, x.dtype)
            t = t.cpu()
        want = like.dtype if like is not None else (t.dtype if t.dtype in _TFLOATS else _torch.float32)
        if isinstance(want, np.dtype):
            want = _torch.float64 if want == np.float64 else _torch.float32
        if t.dtype != want:
            t = t.to(want)
        if not t.is_contiguous():
            t = t.contiguous()
        return t, o
    a = np.asarray(x)
    o = Orig(False, None, a.dtype)
    if a.dtype not in (np.float32, np.float64):
        if a.dtype.kind not in "biuf":
            raise CredoError(f"{name}: dtype {a.dtype} is not numeric")
        a = a.astype(_np_dtype(like) if like is not None else np.float32)
    if like is not None and a.dtype != _np_dtype(like):
        a = a.astype(_np_dtype(like))
    if not a.flags.c_contiguous:
        a = np.ascontiguousarray(a)
    return a, o


_TFLOATS = (_torch.float32, _torch.float64) if _torch is not None else ()


def _np_dtype(a):
    d = a.dtype
    if isinstance(d, np.dtype):
        return d
    return np.float64 if d == _torch.float64 else np.float32


def empty_like(a):
    """A new output array shaped and typed like input a: large ones (1 MiB and more) as
    numpy arrays from the output cache (see output_cache), small ones as torch tensors
    when a is one (less overhead per call), else numpy arrays."""
    if isinstance(a, np.ndarray):
        shape, dt = a.shape, a.dtype
    else:
        if a.numel() < (1 << 18):
            return _torch.empty(a.shape, dtype=a.dtype)
        shape, dt = tuple(a.shape), np.dtype(np.float64 if a.dtype == _torch.float64 else np.float32)
    n = dt.itemsize
    for d in shape:
        n *= d
    if n < _CACHE_MIN or _cache_keep <= 0:
        return np.empty(shape, dt)
    return _cached(n).view(dt).reshape(shape)


# ---------------------------------------------------------- output cache ---
#
# A large output written into fresh memory costs the page faults of that memory and the
# kernel's zeroing of every page (for a 32 MiB advantage array, about as much as the
# computation itself). Outputs of 1 MiB and more are therefore carved from a few cached
# buffers: a buffer is handed out again only when nothing refers to it any more (every
# array or tensor made from it holds a reference to it, so its reference count shows
# when the caller dropped them all), as torch's CUDA caching allocator does for device
# memory. At most _cache_keep buffers are tracked; the memory kept is that of the buffers
# the caller no longer uses. output_cache(0) (or CREDO_OUTPUT_CACHE=0) turns it off.

_CACHE_MIN = 1 << 20
_cache_keep = int(os.environ.get("CREDO_OUTPUT_CACHE", "4") or 0)
_cache = []  # 1-d uint8 buffers, most recently used last
_cache_lock = threading.Lock()


def _cached(n):
    with _cache_lock:
        for k in range(len(_cache) - 1, -1, -1):
            # 2 references: the list's and getrefcount's argument; anything else means
            # the caller still holds an array or tensor made from the buffer.
            if _cache[k].nbytes == n and sys.getrefcount(_cache[k]) == 2:
                buf = _cache.pop(k)
                _cache.append(buf)
                return buf
        buf = np.empty(n, np.uint8)
        _cache.append(buf)
        while len(_cache) > _cache_keep:
            _cache.pop(0)  # forgotten: its memory goes when the caller drops it
        return buf


def output_cache(keep=None):
    """Set how many large output buffers are kept for reuse (0: none, and drop those
    kept); returns the previous setting. With no argument, only returns it."""
    global _cache_keep
    old = _cache_keep
    if keep is not None:
        with _cache_lock:
            _cache_keep = max(0, int(keep))
            del _cache[:max(0, len(_cache) - _cache_keep)]
    return old


def ids(x, name, n):
    """Group ids as int64 numbers, equal iff the ids are equal (Python equality, as
    verl's dicts); numbered by first appearance."""
    if is_tensor(x):
        x = x.detach().cpu().numpy()
    if isinstance(x, np.ndarray) and x.dtype.kind in "iu":
        a = np.ascontiguousarray(x.reshape(-1), dtype=np.int64)
    else:
        seen = {}
        a = np.fromiter((seen.setdefault(v, len(seen)) for v in (x.tolist() if isinstance(x, np.ndarray) else x)),
                        dtype=np.int64, count=-1)
    if a.shape[0] != n:
        raise CredoError(f"{name} has {a.shape[0]} entries, the batch has {n} rows")
    return a


def back(a, o):
    """Return output a (numpy array or CPU tensor) in the form of origin o: numpy for
    numpy inputs, torch with the input's dtype and device for torch inputs."""
    if not o.torch:
        return a if isinstance(a, np.ndarray) else a.numpy()
    t = _torch.from_numpy(a) if isinstance(a, np.ndarray) else a
    if t.dtype != o.dtype and o.dtype.is_floating_point:
        t = t.to(o.dtype)
    if o.device is not None:
        t = t.to(o.device)
    return t
