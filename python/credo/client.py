"""credo.Client: the same assign/methods API as the in-process package, served by
``credo serve`` (docs/serve.md) over its HTTP/JSON (Connect) protocol.

    c = credo.Client("http://127.0.0.1:8080", token=None, session="trainer-1")
    c.methods()                                  # as credo.methods()
    out = c.assign("verl.grpo", records)         # as credo.assign(...)

Standard library only (urllib, json, base64): the batch goes as a JSONL body,
the bytes credo.assign hands the in-process engine, and the answer is the JSONL
``credo assign`` writes, so the numbers are the same bit for bit.

Stateful methods (knapsack.grpo, spiral.rae, ...) keep their state on the server,
per session name: give ``session=`` (the server needs ``--state-dir``) and every
call of this Client reads and advances that session's state, which the server
persists across restarts. Without a session the state is fresh and discarded at
each call (the server adds a warning), unlike credo.State in process.

A batch larger than ``stream_bytes`` (32 MiB of JSONL by default) goes through
the AssignStream call in chunks of that size, so no request message nears the
server's --max-message-bytes (256 MiB by default, which one base64 message of
about 190 MB of JSONL would reach); the server concatenates the chunks, so the
answer and the line numbers of its errors are those of the whole batch.
"""
import base64
import json
import time
import urllib.error
import urllib.request
import uuid

from ._lib import CredoError

_SERVICE = "/credo.v1.CredoService/"
# Connect codes that mean the request itself is wrong: ValueError, as in process.
_BAD_INPUT = {"invalid_argument", "failed_precondition", "not_found", "out_of_range"}


class Client:
    """A transport to a ``credo serve`` at url (``http://host:port``).

    token: bearer token (server started with --tokens); session: the session name
    stateful methods keep their state under; timeout: seconds per call (sent as
    the Connect deadline too); retries: how many times a 429 (server busy) is
    retried, each after the server's Retry-After (at most max_wait seconds);
    stream_bytes: batches of more JSONL bytes than this are streamed in chunks
    of this size (AssignStream)."""

    def __init__(self, url, token=None, session=None, timeout=600.0, retries=5, max_wait=30.0,
                 stream_bytes=32 << 20):
        if stream_bytes <= 0:
            raise ValueError(f"stream_bytes must be positive, got {stream_bytes}")
        self.url = url.rstrip("/")
        self.token = token
        self.session = session
        self.timeout = timeout
        self.retries = retries
        self.max_wait = max_wait
        self.stream_bytes = stream_bytes

    def __repr__(self):
        return f"credo.Client({self.url!r}, session={self.session!r})"

    def _call(self, rpc, msg):
        """A unary call (Connect protocol, JSON): msg in, the answer's dict out."""
        return self._post(rpc, json.dumps(msg).encode(), "application/json", json.loads)

    def _stream(self, rpc, msgs):
        """A client-streaming call (Connect protocol, JSON codec): each message is
        sent as one envelope (flags byte, big-endian length, JSON); the answer is
        one message envelope and the end-of-stream envelope, which carries the
        error of a failed call."""
        body = b"".join(_envelope(0, json.dumps(m).encode()) for m in msgs)
        return self._post(rpc, body, "application/connect+json", lambda b: _unstream(rpc, b))

    def _post(self, rpc, data, content_type, parse):
        h = {"Content-Type": content_type}
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        if self.timeout:
            h["Connect-Timeout-Ms"] = str(int(self.timeout * 1000))
        for attempt in range(self.retries + 1):
            req = urllib.request.Request(self.url + _SERVICE + rpc, data, h)
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as r:
                    return parse(r.read())
            except urllib.error.HTTPError as e:
                body = e.read()
                try:
                    err = json.loads(body)
                    code, message = err.get("code", ""), err.get("message", "")
                except ValueError:
                    code, message = "", body.decode("utf-8", "replace").strip()
                if e.code == 429 and attempt < self.retries:
                    try:
                        wait = float(e.headers.get("Retry-After", "1"))
                    except ValueError:
                        wait = 1.0
                    time.sleep(min(max(wait, 0.0), self.max_wait))
                    continue
                _raise(rpc, f"HTTP {e.code} {code or e.reason}", code, message)
            except (urllib.error.URLError, OSError) as e:
                raise RuntimeError(f"credo serve {rpc} at {self.url}: {e}") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def methods(self):
        """The catalogue, as credo.methods() (``credo methods --format json``)."""
        r = self._call("Methods", {})
        return [json.loads(m["json"]) for m in r.get("methods", [])]

    def assign(self, method, batch, **params):
        """credo.assign(method, batch, **params) through the server: credo records
        in -> records out; verl's DataProto layout in -> dict of arrays out.
        Raises ValueError with the server's message on bad input, RuntimeError on a
        server or transport fault."""
        from . import _layout
        if isinstance(batch, (list, tuple)):
            lines = "".join(json.dumps(_layout._jsonable(r), allow_nan=True) + "\n" for r in batch).encode()
            return self._assign(method, params, lines)
        tensors, nt = _layout.parts(batch)
        lines, where, B, T, origin = _layout.to_records(tensors, nt)
        recs = self._assign(method, params, lines)
        return _layout.from_records(recs, where, B, T, origin)

    def _assign(self, method, params, lines):
        from . import _setting
        msg = {"method": method,
               "set": [f"{k}={_setting(v)}" for k, v in params.items()],
               "body": {"data": base64.b64encode(lines[:self.stream_bytes]).decode(), "format": "jsonl"},
               "out_format": "jsonl"}
        if self.session:
            # the same id on a 429 retry: the server never applies a request twice
            msg["session"] = self.session
            msg["request_id"] = uuid.uuid4().hex
        if len(lines) <= self.stream_bytes:
            r = self._call("Assign", msg)
        else:
            rest = ({"body": {"data": base64.b64encode(lines[i:i + self.stream_bytes]).decode()}}
                    for i in range(self.stream_bytes, len(lines), self.stream_bytes))
            r = self._stream("AssignStream", [msg, *rest])
        out = base64.b64decode(r.get("body", {}).get("data", ""))
        return [json.loads(x) for x in out.splitlines() if x.strip()]


def _raise(rpc, status, code, message):
    """A failed call: ValueError (CredoError) for bad input, as in process;
    RuntimeError otherwise."""
    if code in _BAD_INPUT:
        raise CredoError(message) from None
    raise RuntimeError(f"credo serve {rpc}: {status}: {message}") from None


def _envelope(flags, payload):
    return bytes([flags]) + len(payload).to_bytes(4, "big") + payload


def _unstream(rpc, b):
    """The answer of a client-streaming call: its one message, or the error of
    its end-of-stream envelope raised."""
    msg, end, pos = None, None, 0
    while pos < len(b):
        if len(b) - pos < 5:
            raise RuntimeError(f"credo serve {rpc}: a truncated stream envelope")
        flags, n = b[pos], int.from_bytes(b[pos + 1:pos + 5], "big")
        payload = b[pos + 5:pos + 5 + n]
        if len(payload) != n:
            raise RuntimeError(f"credo serve {rpc}: a truncated stream envelope")
        if flags & 0x01:
            raise RuntimeError(f"credo serve {rpc}: a compressed envelope (none was asked for)")
        if flags & 0x02:
            end = json.loads(payload) if payload else {}
        else:
            msg = json.loads(payload)
        pos += 5 + n
    err = (end or {}).get("error")
    if err:
        code = err.get("code", "")
        _raise(rpc, code or "error", code, err.get("message", ""))
    if end is None or msg is None:
        raise RuntimeError(f"credo serve {rpc}: the stream ended without an answer")
    return msg
