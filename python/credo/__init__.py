"""credo: credit assignment for RL of language models, in process.

    import credo
    credo.methods()                                     # the catalogue
    out = credo.assign("verl.grpo", records)            # credo records (docs/format.md)
    out = credo.assign("verl_agent.gigpo", data, gamma=0.95)   # verl DataProto layout
    import credo.verl; credo.verl.register()            # every method in verl's registry
    credo.Client("http://127.0.0.1:8080").assign(...)   # the same API through `credo serve`

The engine is a Go shared library loaded into this process (libcredo.so). The
Go runtime does not survive fork(): with multiprocessing or Ray, use the
"spawn" start method or import credo in the child only.
"""
import json

from . import _lib
from ._lib import CredoError, output_cache

__all__ = ["assign", "methods", "method", "State", "Client", "CredoError", "output_cache", "verl", "verl_agent",
           "openrlhf"]
__version__ = "0.1.0"


_CATALOGUE = None


def _catalogue():
    global _CATALOGUE
    if _CATALOGUE is None:
        _CATALOGUE = {m["name"]: m for m in _lib.methods_json()["methods"]}
    return _CATALOGUE


def methods():
    """The catalogue: a list of dicts (name, summary, params with defaults, inputs,
    provenance, stateful), as ``credo methods --format json`` prints it."""
    return json.loads(json.dumps(list(_catalogue().values())))


def method(name):
    """One catalogue entry by name (ValueError with close names when unknown)."""
    m = _catalogue().get(name)
    if m is not None:
        return json.loads(json.dumps(m))
    # let the engine produce the CLI's message
    _lib.assign_jsonl({"method": name}, b"")
    raise CredoError(f"unknown method {name!r}")  # pragma: no cover


class State:
    """State of stateful methods (SPIRAL's role baselines, ...) across calls.

    Pass the same State to every ``assign`` call; save ``state.dumps()`` with the
    checkpoint and restore it with ``State.loads(text)``."""

    def __init__(self, data=None):
        self.data = data if data is not None else {"methods": {}}

    def dumps(self):
        return json.dumps(self.data, sort_keys=True)

    @classmethod
    def loads(cls, text):
        return cls(json.loads(text))

    def state_dict(self):
        return json.loads(self.dumps())

    def load_state_dict(self, d):
        self.data = json.loads(json.dumps(d))

    def __repr__(self):
        return f"credo.State({self.dumps()})"


def _setting(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if hasattr(v, "item"):
        v = v.item()
    return v if isinstance(v, str) else repr(v)


def assign(method, batch, state=None, **params):
    """Run catalogue method on batch.

    batch is either a list of credo records (dicts, docs/format.md) -> returns the
    records with "advantages" (and "returns", "loss_weights" where the method
    defines them); or verl's DataProto layout (a DataProto, or a dict with "batch"
    tensors and "non_tensor_batch" arrays: response_mask, token_level_rewards,
    values, old_log_probs, uid, traj_uid, anchor_obs, rewards) -> returns a dict
    of (batch, response_length) arrays "advantages" [, "returns", "loss_weights"]
    of the type of the input tensors. Rows sharing a traj_uid form one
    multi-turn trajectory, each row one turn.

    params are the method's parameters (see methods()); state a State for
    stateful methods (updated in place). Raises ValueError (CredoError) with the
    CLI's message on bad input; nothing of the caller's is modified on failure."""
    from . import _layout
    req = {"method": method, "set": {k: _setting(v) for k, v in params.items()}}
    if state is not None:
        req["state"] = state.data
    if isinstance(batch, (list, tuple)):
        lines = "".join(json.dumps(_layout._jsonable(r), allow_nan=True) + "\n" for r in batch).encode()
        recs, st = _run(req, lines)
        if state is not None and st is not None:
            state.data = st
        return recs
    tensors, nt = _layout.parts(batch)
    lines, where, B, T, origin = _layout.to_records(tensors, nt)
    recs, st = _run(req, lines)
    if state is not None and st is not None:
        state.data = st
    return _layout.from_records(recs, where, B, T, origin)


def _run(req, lines):
    out = _lib.assign_jsonl(req, lines)
    head, _, body = out.partition(b"\n")
    h = json.loads(head)
    recs = [json.loads(x) for x in body.splitlines() if x.strip()]
    return recs, h.get("state")


from .client import Client  # noqa: E402
from . import verl, verl_agent, openrlhf  # noqa: E402
