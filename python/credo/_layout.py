"""Conversion between verl's DataProto layout (rows × response tokens, plus
non-tensor per-row arrays) and credo's rollout records (docs/format.md)."""
import json

import numpy as np

from . import _lib
from ._lib import CredoError

# DataProto batch tensors read per row -> credo record field.
TOKEN_FIELDS = {
    "token_level_rewards": "token_level_rewards",
    "values": "values",
    "old_log_probs": "old_log_probs",
    "ref_log_prob": "ref_log_prob",
}


def _np(x):
    if _lib.is_tensor(x):
        x = x.detach().cpu()
        if not x.dtype.is_floating_point and x.dtype != _lib._torch.bool:
            return x.numpy()
        return x.to(_lib._torch.float64).numpy() if x.dtype.is_floating_point else x.numpy()
    return np.asarray(x)


def _jsonable(x):
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, (np.integer, np.floating, np.bool_)):
        return x.item()
    if _lib.is_tensor(x):
        return x.tolist()
    if isinstance(x, (list, tuple)):
        return [_jsonable(e) for e in x]
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    return x


def parts(batch):
    """(tensors, non_tensors) of a DataProto-like object or dict."""
    if isinstance(batch, dict):
        return batch.get("batch", {}), batch.get("non_tensor_batch", {})
    return batch.batch, getattr(batch, "non_tensor_batch", {}) or {}


def to_records(tensors, nt):
    """Rows -> records. Returns (JSONL bytes, per-row (record, offset), B, T, origin)."""
    if "response_mask" not in tensors:
        raise CredoError("batch: field response_mask is missing (want a (batch, response_length) tensor)")
    mask_src = tensors["response_mask"]
    ref = tensors.get("token_level_rewards", mask_src)
    _, origin = _lib.floats(ref, "token_level_rewards")
    mask = _np(mask_src).astype(np.float64)
    if mask.ndim != 2:
        raise CredoError(f"batch: response_mask has shape {mask.shape}, want (batch, response_length)")
    B, T = mask.shape
    arrays = {}
    for k, f in TOKEN_FIELDS.items():
        if k in tensors and tensors[k] is not None:
            a = _np(tensors[k]).astype(np.float64)
            if a.shape != (B, T):
                raise CredoError(f"batch: {k} has shape {a.shape}, response_mask has {(B, T)}")
            arrays[f] = a
    toks = _np(tensors["responses"]) if "responses" in tensors else np.zeros((B, T), np.int64)
    uid = nt.get("uid")
    if uid is None:
        uid = [f"row-{i}" for i in range(B)]
    traj = nt.get("traj_uid")
    multi = traj is not None
    if traj is None:
        traj = [f"row-{i}" for i in range(B)]
    for k, v in (("uid", uid), ("traj_uid", traj)):
        if len(v) != B:
            raise CredoError(f"non_tensor_batch: {k} has {len(v)} entries, the batch has {B} rows")
    anchors = nt.get("anchor_obs")
    step_rewards = nt.get("rewards")
    order, rows_of = [], {}
    for i in range(B):
        key = _jsonable(traj[i])
        key = key if isinstance(key, (str, int, float, bool)) else json.dumps(key)
        if key not in rows_of:
            rows_of[key] = []
            order.append(key)
        rows_of[key].append(i)
    lines, where = [], [None] * B
    for n, key in enumerate(order):
        rows = rows_of[key]
        g = _jsonable(uid[rows[0]])
        for i in rows[1:]:
            if _jsonable(uid[i]) != g:
                raise CredoError(f"non_tensor_batch: rows {rows[0]} and {i} share traj_uid {key!r} "
                                 f"but have different uid ({g!r}, {_jsonable(uid[i])!r})")
        rec = {"uid": str(g), "traj_uid": str(key),
               "responses": np.concatenate([toks[i] for i in rows]).astype(np.int64).tolist(),
               "response_mask": np.concatenate([mask[i] for i in rows]).tolist()}
        for f, a in arrays.items():
            rec[f] = np.concatenate([a[i] for i in rows]).tolist()
        if "token_level_rewards" in arrays:
            rec["rewards"] = {"outcome": float(sum(arrays["token_level_rewards"][i].sum() for i in rows))}
        if multi or anchors is not None or step_rewards is not None:
            steps = []
            for j, i in enumerate(rows):
                st = {"start": j * T, "end": (j + 1) * T, "kind": "turn"}
                if anchors is not None:
                    st["anchor_obs"] = _jsonable(anchors[i])
                if step_rewards is not None:
                    st["rewards"] = {"reward": float(step_rewards[i])}
                steps.append(st)
                where[i] = (n, j * T)
            rec["steps"] = steps
        else:
            where[rows[0]] = (n, 0)
        for j, i in enumerate(rows):
            where[i] = (n, j * T)
        lines.append(json.dumps(rec, allow_nan=True))
    return ("\n".join(lines) + "\n").encode(), where, B, T, origin


def from_records(out_records, where, B, T, origin):
    """Scatter advantages / returns / loss_weights of the records back to (B, T) arrays."""
    dt = np.float64 if origin.dtype in (np.float64,) or str(origin.dtype) == "torch.float64" else np.float32
    result = {}
    for field in ("advantages", "returns", "loss_weights"):
        if not any(field in r for r in out_records):
            continue
        a = np.zeros((B, T), dt)
        for i, (n, off) in enumerate(where):
            v = out_records[n].get(field)
            if v is not None:
                a[i] = v[off:off + T]
        result[field] = _lib.back(a, origin)
    return result
