"""credo.Client against a real `credo serve`: the same answers as credo.assign in process."""
import contextlib
import json
import os
import socket
import subprocess
import time
import urllib.request

import numpy as np
import pytest

import credo

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(REPO, "bin", "credo")


def records(path):
    with open(os.path.join(REPO, "examples", path)) as f:
        return [json.loads(line) for line in f if line.strip()]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(tmp, *flags):
    """`credo serve` on a free loopback port, ready; terminated (then killed) on exit."""
    if not os.path.exists(BIN):
        subprocess.run(["go", "build", "-o", BIN, "./cmd/credo"], cwd=REPO, check=True, timeout=600)
    url = f"http://127.0.0.1:{_free_port()}"
    logpath = tmp / "serve.log"
    with open(logpath, "wb") as log:
        p = subprocess.Popen([BIN, "serve", "--addr", url[len("http://"):], "--state-dir", str(tmp / "state"),
                              "--log-format", "text", *flags], stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            while True:
                if p.poll() is not None:
                    raise RuntimeError(f"credo serve exited {p.returncode}: {logpath.read_text()}")
                try:
                    with urllib.request.urlopen(url + "/readyz", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("credo serve not ready after 30 s: " + logpath.read_text())
                time.sleep(0.1)
            yield url
        finally:
            p.terminate()
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with serving(tmp_path_factory.mktemp("serve")) as url:
        yield url


def _advantages(recs):
    return [(r["traj_uid"], r.get("advantages"), r.get("returns"), r.get("loss_weights")) for r in recs]


@pytest.mark.parametrize("path,method,params", [
    ("grpo.jsonl", "verl.grpo", {}),
    ("grpo.jsonl", "verl.rloo", {}),
    ("ppo.jsonl", "verl.gae", {"gamma": 0.99, "lam": 0.95}),
    ("gigpo.jsonl", "verl_agent.gigpo", {}),
])
def test_records_same_as_in_process(server, path, method, params):
    recs = records(path)
    want = credo.assign(method, recs, **params)
    got = credo.Client(server).assign(method, recs, **params)
    assert len(got) == len(recs)
    assert any(r.get("advantages") for r in got)
    # bit for bit: equal floats, and the same JSON records
    assert _advantages(got) == _advantages(want)
    assert got == want


def test_dataproto_layout_same_as_in_process(server):
    rng = np.random.default_rng(7)
    B, T = 6, 5
    mask = np.ones((B, T), dtype=np.float32)
    mask[1, 3:] = 0
    mask[4, 1:] = 0
    tlr = np.zeros((B, T), dtype=np.float32)
    tlr[np.arange(B), mask.sum(1).astype(int) - 1] = rng.random(B).astype(np.float32)
    data = {"batch": {"response_mask": mask, "token_level_rewards": tlr},
            "non_tensor_batch": {"uid": np.array(["a", "a", "a", "b", "b", "b"], dtype=object)}}
    want = credo.assign("verl.grpo", data)
    got = credo.Client(server).assign("verl.grpo", data)
    assert set(got) == set(want)
    for k in want:
        assert got[k].dtype == want[k].dtype and got[k].shape == (B, T)
        assert np.array_equal(got[k], want[k])
    assert np.abs(got["advantages"]).sum() > 0


def test_stateful_session_over_two_calls(server):
    # knapsack.grpo: the state carries p-hat per prompt from one batch to the next
    recs = records("knapsack-batch.jsonl")
    half = len(recs) // 2
    params = {"prompt_key": "features.prompt_id"}
    state = credo.State()
    want = [credo.assign("knapsack.grpo", b, state=state, **params) for b in (recs[:half], recs[half:])]
    c = credo.Client(server, session="pytest-knapsack")
    got = [c.assign("knapsack.grpo", b, **params) for b in (recs[:half], recs[half:])]
    assert got == want


def test_stateful_session_changes_the_answer(server):
    # spiral.rae: the role baselines of the first call move the second call's advantages
    recs = records("games-0001.jsonl")
    assert next(m for m in credo.methods() if m["name"] == "spiral.rae")["stateful"]
    state = credo.State()
    want1 = credo.assign("spiral.rae", recs, state=state)
    want2 = credo.assign("spiral.rae", recs, state=state)
    assert _advantages(want1) != _advantages(want2)
    c = credo.Client(server, session="pytest-spiral")
    assert c.assign("spiral.rae", recs) == want1
    assert c.assign("spiral.rae", recs) == want2
    # another Client on the same session continues from the server's state
    want3 = credo.assign("spiral.rae", recs, state=state)
    assert credo.Client(server, session="pytest-spiral").assign("spiral.rae", recs) == want3
    # without a session every call starts fresh
    assert credo.Client(server).assign("spiral.rae", recs) == want1
    assert credo.Client(server).assign("spiral.rae", recs) == want1


def test_methods_match_in_process(server):
    got = credo.Client(server).methods()
    assert [m["name"] for m in got] == [m["name"] for m in credo.methods()]
    g = next(m for m in got if m["name"] == "verl.grpo")
    assert {p["name"] for p in g["params"]} >= {"epsilon", "norm_adv_by_std_in_grpo"}


def test_bad_input_is_value_error_with_the_servers_message(server):
    recs = records("grpo.jsonl")
    c = credo.Client(server)
    with pytest.raises(ValueError) as in_process:
        credo.assign("verl.grpo", recs, no_such_knob=1)
    with pytest.raises(ValueError, match="no_such_knob") as remote:
        c.assign("verl.grpo", recs, no_such_knob=1)
    # the server's message: the in-process one, prefixed by the request field ("set: ")
    assert str(remote.value).endswith(str(in_process.value))
    with pytest.raises(ValueError, match="epsilon"):
        c.assign("verl.grpo", recs, epsilon="not-a-number")
    bad = [dict(r) for r in recs]
    bad[2]["response_mask"] = [1]
    with pytest.raises(ValueError, match="line 3: field response_mask"):
        c.assign("verl.grpo", bad)
    with pytest.raises(ValueError):
        c.assign("no.such.method", recs)


def test_transport_errors_are_runtime_errors():
    with pytest.raises(RuntimeError):
        credo.Client(f"http://127.0.0.1:{_free_port()}", timeout=5).methods()


def test_busy_is_retried_after_retry_after_then_runtime_error():
    # a stand-in server (not credo serve, whose 429 needs concurrent load): answers 429 with
    # Retry-After: 0 `busy` times, then a Methods answer; it records the headers it saw
    import http.server
    import threading

    seen = []

    class H(http.server.BaseHTTPRequestHandler):
        busy = 2

        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            seen.append((self.path, self.headers.get("Authorization"), self.headers.get("Connect-Timeout-Ms")))
            if H.busy > 0:
                H.busy -= 1
                body, code = b'{"code":"resource_exhausted","message":"server busy"}', 429
            else:
                body, code = json.dumps({"methods": [{"name": "x", "json": '{"name": "x"}'}]}).encode(), 200
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Retry-After", "0")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    srv = http.server.HTTPServer(("127.0.0.1", 0), H)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        url = f"http://127.0.0.1:{srv.server_address[1]}"
        assert credo.Client(url, token="tok", timeout=5).methods() == [{"name": "x"}]
        assert seen == [("/credo.v1.CredoService/Methods", "Bearer tok", "5000")] * 3
        H.busy = 5
        with pytest.raises(RuntimeError, match="429 resource_exhausted: server busy"):
            credo.Client(url, retries=2, timeout=5).methods()
        assert len(seen) == 3 + 3
    finally:
        srv.shutdown()
        srv.server_close()
        t.join(timeout=5)


def test_bearer_token(tmp_path):
    (tmp_path / "tokens").write_text("# one token\nsecret-1\n")
    recs = records("grpo.jsonl")
    with serving(tmp_path, "--tokens", str(tmp_path / "tokens")) as url:
        assert credo.Client(url, token="secret-1").assign("verl.grpo", recs) == credo.assign("verl.grpo", recs)
        for token in (None, "wrong"):
            with pytest.raises(RuntimeError, match="HTTP 401 unauthenticated"):
                credo.Client(url, token=token).methods()


def _many(n):
    """n copies of examples/grpo.jsonl's groups, each copy under its own uids."""
    base = records("grpo.jsonl")
    out = []
    for k in range(n):
        for r in base:
            r = dict(r)
            r["uid"] = f"{r['uid']}-{k}"
            r["traj_uid"] = f"{r['traj_uid']}-{k}"
            out.append(r)
    return out


def test_large_batch_streams_in_chunks(tmp_path):
    # a server that takes no message over 64 KiB: one Assign of the batch is refused,
    # the same batch streamed in 16 KiB chunks (AssignStream) gives the in-process answer
    recs = _many(400)
    size = sum(len(json.dumps(r)) + 1 for r in recs)
    assert size > 4 * (64 << 10)
    want = credo.assign("verl.grpo", recs)
    with serving(tmp_path, "--max-message-bytes", str(64 << 10)) as url:
        with pytest.raises(RuntimeError, match="resource_exhausted"):
            credo.Client(url).assign("verl.grpo", recs)
        c = credo.Client(url, stream_bytes=16 << 10)
        assert c.assign("verl.grpo", recs) == want
        assert c.assign("verl.rloo", recs[:8]) == credo.assign("verl.rloo", recs[:8])  # small: one Assign
        # a bad record far into the stream: ValueError naming its line in the whole batch
        bad = [dict(r) for r in recs]
        bad[500]["response_mask"] = [1]
        with pytest.raises(ValueError, match="line 501: field response_mask"):
            c.assign("verl.grpo", bad)
        with pytest.raises(ValueError, match="no_such_knob"):
            c.assign("verl.grpo", recs, no_such_knob=1)


def test_stateful_session_streams(server):
    # spiral.rae through AssignStream (chunks of 256 bytes) advances its session's state
    # as Assign and the in-process State do
    recs = records("games-0001.jsonl")
    state = credo.State()
    streamed = credo.Client(server, session="pytest-spiral-streamed", stream_bytes=256)
    for _ in range(3):
        assert streamed.assign("spiral.rae", recs) == credo.assign("spiral.rae", recs, state=state)


def test_stream_bytes_must_be_positive():
    with pytest.raises(ValueError, match="stream_bytes"):
        credo.Client("http://127.0.0.1:1", stream_bytes=0)
