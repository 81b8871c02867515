package openrlhf

import (
	"encoding/json"
	"testing"

	"github.com/credo-rl/credo/golden"
)

// edgeCase is a hand-written golden case (params, inputs, outputs as in the
// golden files) for an input shape the dev vectors do not cover. The
// expected outputs are derived by hand from the reference code, see the
// comments; "NaN" marks the reference's NaN results.
type edgeCase struct {
	name, estimator, json string
}

func runEdge(t *testing.T, cases []edgeCase) {
	t.Helper()
	for _, ec := range cases {
		t.Run(ec.name, func(t *testing.T) {
			var c golden.Case
			if err := json.Unmarshal([]byte(ec.json), &c); err != nil {
				t.Fatal(err)
			}
			c.Name = ec.name
			fn, ok := golden.Lookup(ec.estimator)
			if !ok {
				t.Fatalf("%s is not registered", ec.estimator)
			}
			r := golden.RunCase(ec.estimator, fn, &c)
			for _, p := range r.Problems {
				t.Error(p)
			}
		})
	}
}

// params of compute_advantages_and_returns with the penalties off.
func carParams(est string, n int, extra string) string {
	b, _ := json.Marshal(map[string]any{"estimator": est, "n_samples_per_prompt": n})
	s := string(b[:len(b)-1]) + `, "gamma": 1.0, "lambd": 0.95, "kl_coef": 0.01, "reward_clip_range": [-10, 10],
		"no_std_norm": false, "overlong_buffer_len": null, "overlong_penalty_factor": null,
		"max_new_tokens": null, "stop_properly_penalty_coef": null` + extra + `}`
	return s
}

func TestEdgeComputeAdvantagesAndReturns(t *testing.T) {
	const est = "openrlhf.compute_advantages_and_returns"
	// Two rows, n=1, kl=0. Row 0 has its last action token at t=1, row 1 at
	// t=2.
	oneSample := `"inputs": {"experiences": [{"index": [0, 1], "rewards": [1.0, 0.5],
		"kl": [[0, 0, 0], [0, 0, 0]], "values": [[0, 0, 0], [0, 0, 0]],
		"action_mask": [[1, 1, 0], [1, 1, 1]], "response_length": [2, 3], "truncated": [0, 0]}]}`
	// rloo with n=1: baseline (sum-r)/(n-1) = 0/0 = NaN, so the shaped reward
	// is NaN; compute_reward puts it on the last action token; the return
	// (gamma forced to 1) is NaN up to that token and 0 on the padding after
	// it (0*(-kl_coef*0)). Not whitened.
	nanRows := `"outputs": {"experiences": [{
		"advantages": [["NaN", "NaN", 0.0], ["NaN", "NaN", "NaN"]],
		"returns": [["NaN", "NaN", 0.0], ["NaN", "NaN", "NaN"]],
		"rewards_after_length_penalty": [1.0, 0.5], "info_return": ["NaN", "NaN"]}], "gamma_used": 1.0}`
	// reinforce_baseline / dr_grpo with n=1: r - mean = 0 everywhere, so all
	// returns are 0; reinforce_baseline whitens 0s to (0-0)*1e4 = 0.
	zeroRows := `"outputs": {"experiences": [{
		"advantages": [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
		"returns": [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
		"rewards_after_length_penalty": [1.0, 0.5], "info_return": [0.0, 0.0]}], "gamma_used": 1.0}`

	runEdge(t, []edgeCase{
		{"rloo_n1_nan", est, `{"params": ` + carParams("rloo", 1, "") + `, ` + oneSample + `, ` + nanRows + `}`},
		// group_norm with n=1: torch.std of one sample is NaN, so
		// (r-mean)/(NaN+1e-9) is NaN: the same outputs as rloo.
		{"group_norm_n1_nan", est, `{"params": ` + carParams("group_norm", 1, "") + `, ` + oneSample + `, ` + nanRows + `}`},
		{"reinforce_baseline_n1_zero", est, `{"params": ` + carParams("reinforce_baseline", 1, "") + `, ` + oneSample + `, ` + zeroRows + `}`},
		{"dr_grpo_n1_zero", est, `{"params": ` + carParams("dr_grpo", 1, "") + `, ` + oneSample + `, ` + zeroRows + `}`},
		// Every action mask zero under gae: compute_reward puts r on t=T-1,
		// GAE zeroes masked values and rewards (adv 0, returns 0), then the
		// whitening mean is 0/0 = NaN and every advantage is NaN.
		{"gae_all_masks_zero_nan", est, `{"params": ` + carParams("gae", 2, "") + `,
			"inputs": {"experiences": [{"index": [0, 1], "rewards": [1.0, 2.0],
				"kl": [[0, 0], [0, 0]], "values": [[0.5, 0.5], [0.5, 0.5]],
				"action_mask": [[0, 0], [0, 0]], "response_length": [0, 0], "truncated": [0, 0]}]},
			"outputs": {"experiences": [{"advantages": [["NaN", "NaN"], ["NaN", "NaN"]],
				"returns": [[0.0, 0.0], [0.0, 0.0]], "rewards_after_length_penalty": [1.0, 2.0],
				"info_return": [1.0, 2.0]}], "gamma_used": 1.0}}`},
		// Same with no_std_norm: mean-only whitening, still NaN.
		{"reinforce_all_masks_zero_no_std_nan", est, `{"params": ` + carParams("reinforce", 1, `, "no_std_norm": true`) + `,
			"inputs": {"experiences": [{"index": [0], "rewards": [1.0], "kl": [[0]], "values": null,
				"action_mask": [[0]], "response_length": [0], "truncated": [0]}]},
			"outputs": {"experiences": [{"advantages": [["NaN"]], "returns": [[0.0]],
				"rewards_after_length_penalty": [1.0], "info_return": [1.0]}], "gamma_used": 1.0}}`},
		// One micro-batch with an all-zero mask, one without (different T):
		// statistics come from the second only (N=2, mean 2, var 0, rstd
		// 1e4); the masked row is whitened too: (0-2)*1e4.
		{"reinforce_one_empty_microbatch", est, `{"params": ` + carParams("reinforce", 1, "") + `,
			"inputs": {"experiences": [
				{"index": [0], "rewards": [1.0], "kl": [[0, 0]], "values": null, "action_mask": [[0, 0]], "response_length": [0], "truncated": [0]},
				{"index": [1], "rewards": [2.0], "kl": [[0, 0, 0]], "values": null, "action_mask": [[1, 1, 0]], "response_length": [2], "truncated": [0]}]},
			"outputs": {"experiences": [
				{"advantages": [[-20000.0, -20000.0]], "returns": [[0.0, 0.0]], "rewards_after_length_penalty": [1.0], "info_return": [1.0]},
				{"advantages": [[0.0, 0.0, -20000.0]], "returns": [[2.0, 2.0, 0.0]], "rewards_after_length_penalty": [2.0], "info_return": [2.0]}],
				"gamma_used": 1.0}}`},
		// B=1, T=1 gae: reward = 0.5 - 0.1*0.1 = 0.49; delta = 0.49 - 0.2 =
		// 0.29 = adv; returns = 0.29 + 0.2; whitening one token: mean 0.29,
		// var 0 -> adv 0.
		{"gae_b1_t1", est, `{"params": ` + carParams("gae", 1, `, "kl_coef": 0.1`) + `,
			"inputs": {"experiences": [{"index": [0], "rewards": [0.5], "kl": [[0.1]], "values": [[0.2]],
				"action_mask": [[1]], "response_length": [1], "truncated": [0]}]},
			"outputs": {"experiences": [{"advantages": [[0.0]], "returns": [[0.49]],
				"rewards_after_length_penalty": [0.5], "info_return": [0.49]}], "gamma_used": 1.0}}`},
		// group_norm on an all-equal group: std 0, (r-mean)/(0+1e-9) = 0.
		{"group_norm_zero_variance", est, `{"params": ` + carParams("group_norm", 2, "") + `,
			"inputs": {"experiences": [{"index": [1, 0], "rewards": [0.5, 0.5], "kl": [[0], [0]], "values": null,
				"action_mask": [[1], [1]], "response_length": [1, 1], "truncated": [0, 0]}]},
			"outputs": {"experiences": [{"advantages": [[0.0], [0.0]], "returns": [[0.0], [0.0]],
				"rewards_after_length_penalty": [0.5, 0.5], "info_return": [0.0, 0.0]}], "gamma_used": 1.0}}`},
		// overlong_buffer_len = 0 passes the reference's assertion
		// (max_new_tokens >= 0) and penalises nothing: exceed =
		// min(len - max, 0) <= 0. rloo n=2: 1-0 = 1, 0-1 = -1.
		{"overlong_buffer_zero", est, `{"params": ` + carParams("rloo", 2, `, "overlong_buffer_len": 0.0, "overlong_penalty_factor": 1.0, "max_new_tokens": 4`) + `,
			"inputs": {"experiences": [{"index": [0, 1], "rewards": [1.0, 0.0], "kl": [[0], [0]], "values": null,
				"action_mask": [[1], [1]], "response_length": [10, 2], "truncated": [0, 0]}]},
			"outputs": {"experiences": [{"advantages": [[1.0], [-1.0]], "returns": [[1.0], [-1.0]],
				"rewards_after_length_penalty": [1.0, 0.0], "info_return": [1.0, -1.0]}], "gamma_used": 1.0}}`},
		// The reference asserts generate_max_len >= overlong_buffer_len.
		{"overlong_buffer_too_long_error", est, `{"params": ` + carParams("rloo", 2, `, "overlong_buffer_len": 8.0, "overlong_penalty_factor": 1.0, "max_new_tokens": 4`) + `,
			"inputs": {"experiences": [{"index": [0, 1], "rewards": [1.0, 0.0], "kl": [[0], [0]], "values": null,
				"action_mask": [[1], [1]], "response_length": [10, 2], "truncated": [0, 0]}]},
			"outputs": {"error": "AssertionError: generate_max_len must be larger than overlong_buffer_len"}}`},
		// 3 rows cannot be reshaped to (-1, 2).
		{"rows_not_multiple_of_n_error", est, `{"params": ` + carParams("reinforce_baseline", 2, "") + `,
			"inputs": {"experiences": [{"index": [0, 1, 2], "rewards": [1.0, 0.0, 1.0], "kl": [[0], [0], [0]], "values": null,
				"action_mask": [[1], [1], [1]], "response_length": [1, 1, 1], "truncated": [0, 0, 0]}]},
			"outputs": {"error": "RuntimeError: shape '[-1, 2]' is invalid for input of size 3"}}`},
	})
}

func TestEdgeComputeReward(t *testing.T) {
	const est = "openrlhf.compute_reward"
	runEdge(t, []edgeCase{
		// Empty mask: argmax of the flipped all-zero mask is 0, so r goes on
		// t = T-1; r clamped to 1; -0.5*kl everywhere.
		{"empty_mask_row", est, `{"params": {"kl_coef": 0.5, "reward_clip_range": [-1.0, 1.0]},
			"inputs": {"r": [3.0, -0.25], "kl": [[1.0, 1.0], [0.0, 2.0]], "action_mask": [[0, 0], [1, 0]]},
			"outputs": {"reward": [[-0.5, 0.5], [-0.25, -1.0]]}}`},
		// kl_coef <= 0 -> 0; no clip range.
		{"negative_kl_coef_t1", est, `{"params": {"kl_coef": -1.0, "reward_clip_range": null},
			"inputs": {"r": [20.0], "kl": [[5.0]], "action_mask": [[1]]},
			"outputs": {"reward": [[20.0]]}}`},
	})
}

func TestEdgeReturns(t *testing.T) {
	runEdge(t, []edgeCase{
		// r*m = [1, 0, 3]; G2 = 3, G1 = 0 + 0.5*3, G0 = 1 + 0.5*1.5.
		{"cumulative_interior_zero", "openrlhf.cumulative_returns", `{"params": {"gamma": 0.5},
			"inputs": {"rewards": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], "action_mask": [[1, 0, 1], [0, 0, 0]]},
			"outputs": {"returns": [[1.75, 1.5, 3.0], [0.0, 0.0, 0.0]]}}`},
		// V' = [1, 0, 3], r' = [0, 0, 1], gamma = lambda = 1:
		// t=2: delta = 1 - 3 = -2 = A, R = 1; t=1: delta = 0 + 3 - 0 = 3,
		// A = 1, R = 1; t=0: delta = 0 + 0 - 1, A = 0, R = 1.
		{"gae_interior_zero", "openrlhf.gae", `{"params": {"gamma": 1.0, "lambd": 1.0},
			"inputs": {"values": [[1.0, 2.0, 3.0], [7.0, 7.0, 7.0]], "rewards": [[0.0, 0.0, 1.0], [1.0, 1.0, 1.0]],
				"action_mask": [[1, 0, 1], [0, 0, 0]]},
			"outputs": {"advantages": [[0.0, 1.0, -2.0], [0.0, 0.0, 0.0]], "returns": [[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]]}}`},
	})
}
