"""credo.assign on credo records and on verl's DataProto layout; methods(); State."""
import json
import os

import numpy as np
import pytest

import credo
import credo.verl_agent as A

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def records(path):
    with open(os.path.join(REPO, "examples", path)) as f:
        return [json.loads(line) for line in f if line.strip()]


def test_methods_lists_the_catalogue_with_parameters():
    ms = credo.methods()
    names = [m["name"] for m in ms]
    assert names == sorted(names) and len(names) > 30
    g = credo.method("verl.grpo")
    assert {p["name"] for p in g["params"]} >= {"epsilon", "norm_adv_by_std_in_grpo"}
    with pytest.raises(ValueError, match='unknown method "grp"'):
        credo.method("grp")


def test_assign_records_rloo_by_hand():
    recs = [{"uid": "a", "traj_uid": "x", "responses": [1, 2], "rewards": {"outcome": 1.0}},
            {"uid": "a", "traj_uid": "y", "responses": [3], "rewards": {"outcome": 0.0}},
            {"uid": "a", "traj_uid": "z", "responses": [4, 5], "rewards": {"outcome": 0.5}}]
    out = credo.assign("verl.rloo", recs)
    # RLOO: r_i - mean of the others: 1 - 0.25, 0 - 0.75, 0.5 - 0.5
    assert out[0]["advantages"] == pytest.approx([0.75, 0.75])
    assert out[1]["advantages"] == pytest.approx([-0.75])
    assert out[2]["advantages"] == pytest.approx([0.0, 0.0])
    assert "advantages" not in recs[0]  # the caller's records are not modified


def test_assign_every_example_file_runs():
    for f, method in (("grpo.jsonl", "verl.grpo"), ("gigpo.jsonl", "verl_agent.gigpo"), ("ppo.jsonl", "openrlhf.gae")):
        out = credo.assign(method, records(f))
        assert all(np.isfinite(r["advantages"]).all() for r in out)


def test_dataproto_layout_gigpo_matches_the_drop_in():
    """Step rows of multi-turn trajectories (verl-agent's layout) through the generic
    path equal the GiGPO drop-in on the same rows."""
    g = np.random.default_rng(3)
    rows = []
    for p in range(3):
        for k in range(3):
            n = int(g.integers(1, 4))
            out = float(g.integers(0, 2))
            for s in range(n):
                rows.append((f"p{p}", f"p{p}-t{k}", f"s{int(g.integers(0, 3))}", float(g.integers(0, 2)),
                             out if s == n - 1 else 0.0))
    B, T = len(rows), 5
    lens = g.integers(1, T + 1, size=B)
    mask = (np.arange(T)[None, :] < lens[:, None]).astype(np.float32)
    r = np.zeros((B, T), np.float32)
    r[np.arange(B), lens - 1] = [x[4] for x in rows]
    uid = np.array([x[0] for x in rows], dtype=object)
    traj = np.array([x[1] for x in rows], dtype=object)
    anchor = np.array([x[2] for x in rows], dtype=object)
    env = np.array([x[3] for x in rows], dtype=np.float32)
    data = {"batch": {"token_level_rewards": r, "response_mask": mask},
            "non_tensor_batch": {"uid": uid, "traj_uid": traj, "anchor_obs": anchor, "rewards": env}}
    got = credo.assign("verl_agent.gigpo", data, gamma=0.9)

    class DP:
        non_tensor_batch = {"rewards": env, "traj_uid": traj, "active_masks": np.ones(B)}
        batch = {}
    sr = A.compute_step_discounted_returns(DP, 0.9)
    want, _ = A.compute_gigpo_outcome_advantage(r, sr, mask, anchor, uid, traj)
    assert isinstance(got["advantages"], np.ndarray) and got["advantages"].dtype == np.float32
    np.testing.assert_allclose(got["advantages"], want, rtol=1e-5, atol=1e-6)


def test_state_is_saved_and_restored():
    recs = [{"uid": "p1", "traj_uid": f"t{i}", "responses": [1, 2], "rewards": {"outcome": float(i % 2)}}
            for i in range(4)]
    st = credo.State()
    credo.assign("knapsack.grpo", recs, state=st)
    saved = st.dumps()
    assert json.loads(saved)["methods"]["knapsack.grpo"]["rollouts"] == {"p1": 4}
    a = credo.assign("knapsack.grpo", recs, state=st)
    b = credo.assign("knapsack.grpo", recs, state=credo.State.loads(saved))
    assert a == b
    assert json.loads(st.dumps())["methods"]["knapsack.grpo"]["rollouts"] == {"p1": 8}
    st2 = credo.State()
    st2.load_state_dict(st.state_dict())
    assert st2.dumps() == st.dumps()


def test_bad_records_raise_the_clis_message():
    with pytest.raises(ValueError, match=r"line 2"):
        credo.assign("verl.grpo", [{"uid": "a", "responses": [1], "rewards": {"outcome": 1}},
                                   {"uid": "a", "responses": [1, 2], "response_mask": [1]}])
    with pytest.raises(ValueError, match="needs input"):
        credo.assign("verl_agent.gigpo", [{"uid": "a", "traj_uid": "t", "responses": [1], "rewards": {"outcome": 1}}])
    with pytest.raises(ValueError, match="want a number"):
        credo.assign("verl.grpo", [{"uid": "a", "responses": [1], "rewards": {"outcome": 1}}], epsilon="x")
