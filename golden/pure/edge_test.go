package pure

import (
	"encoding/json"
	"testing"

	"github.com/credo-rl/credo/golden"
)

// edgeCase is a hand-written golden case for an input shape the dev vectors
// do not cover; expected outputs are derived by hand from the reference
// code (see the comments), "NaN"/"-Infinity" mark its non-finite results.
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
			for _, p := range golden.RunCase(ec.estimator, fn, &c).Problems {
				t.Error(p)
			}
		})
	}
}

// ln3 makes softmax([0, ln3]) = [1/4, 3/4], i.e. a step score of +0.5.
const ln3 = "1.0986123"

func creditParams(n int, baseline, mode string) string {
	b, _ := json.Marshal(map[string]any{
		"n_samples_per_prompt": n, "micro_rollout_batch_size": n, "reward_baseline": baseline,
		"reward_mode": mode, "verifiable_reward_coef": 1.0, "kl_coef": 0.01, "use_kl_estimator_k3": false,
		"nomask_separator_adv": false, "disable_weighted_reward": false, "temperature": 0.1,
		"disable_advantage_normalization": false, "mask_separator_adv": true,
	})
	return string(b)
}

func TestEdgeCreditAssignment(t *testing.T) {
	const est = "pure.credit_assignment"
	runEdge(t, []edgeCase{
		// n = 1, VR only, kl = 0. R = 0 (no PRM); step baseline
		// (0-0)/(n-1) = 0/0 = NaN on the reward token t=1; the VR
		// leave-one-out mean (0-0)/0 is NaN too. Returns: t=1 is a
		// separator (zeroed), t=0 = NaN. Normalisation: sum NaN, count
		// 2-1 = 1, mean NaN; the zero advantage stays 0.
		// match: sign(0) = 0 != solved 1 -> 0.
		{"n1_vr_nan", est, `{"params": ` + creditParams(1, "step", "VR") + `,
			"inputs": {"experiences": [{"logits": [[[0.0, 0.0]]], "score_mask": [[1]], "score_ids": [[2]],
				"reward_mask": [[0, 1]], "action_mask": [[1, 1]], "num_tokens_per_step": [[1]],
				"token_log_probs": [[0.0, 0.0]], "base_token_log_probs": [[0.0, 0.0]], "solved": [1], "have_answers": [1]}]},
			"outputs": {"step_process_reward": [null], "experiences": [{
				"process_rewards_after_baseline": [[0.0, "NaN"]], "returns": [["NaN", 0.0]], "advantages": [["NaN", 0.0]],
				"match": [0.0], "reward": [0.0], "return": ["NaN"]}],
				"advantages_normalized": [["NaN", 0.0]]}}`},
		// Row 0 has no valid step: its softmin row is NaN (softmax of all
		// -inf) but nothing is placed, R0 = 0. Row 1: one step, pr = 0.5,
		// weight 1. Step baseline: R0/0 = NaN poisons the group mean, so row
		// 1's reward token gets NaN; row 0 has no reward token. PRM only,
		// kl = 0. Returns row 1: [NaN, 0 (separator)]. Normalisation over
		// [0, 0, NaN, 0]: mean NaN, zeros stay 0.
		{"step_baseline_row_without_steps_nan", est, `{"params": ` + creditParams(2, "step", "PRM") + `,
			"inputs": {"experiences": [{"logits": [[[0.0, 0.0]], [[0.0, ` + ln3 + `]]], "score_mask": [[0], [1]], "score_ids": [[-1], [2]],
				"reward_mask": [[0, 0], [0, 1]], "action_mask": [[1, 1], [1, 1]], "num_tokens_per_step": [[0], [1]],
				"token_log_probs": [[0.0, 0.0], [0.0, 0.0]], "base_token_log_probs": [[0.0, 0.0], [0.0, 0.0]],
				"solved": [0, 1], "have_answers": [1, 1]}]},
			"outputs": {"step_process_reward": [[["NaN"], [0.5]]], "experiences": [{
				"process_rewards_after_baseline": [[0.0, 0.0], [0.0, "NaN"]], "returns": [[0.0, 0.0], ["NaN", 0.0]],
				"advantages": [[0.0, 0.0], ["NaN", 0.0]], "match": [1.0, 1.0], "reward": [0.0, 0.5], "return": [0.0, "NaN"]}],
				"advantages_normalized": [[0.0, 0.0], ["NaN", 0.0]]}}`},
		// Token baseline, row 0 has an all-zero action mask (length 0), its
		// EOS step on t = T-1. R = [0.5, -0.5], lengths [0, 2].
		// Row 0: c = (0 - 0.5)/(2 - 0) = -0.25; 0.5 - (-0.25)*1 = 0.75.
		// Row 1: c = (0 + 0.5)/(2 - 2) = +Inf; -0.5 - Inf*2 = -Inf.
		// Returns: [0.75, 0], [-Inf, 0]. The replay buffer keeps 0 tokens of
		// row 0 and 2 of row 1: sum -Inf, count 1, mean -Inf, var NaN:
		// [NaN, 0]. match: R>0 & solved 1 -> 1; R<0 & solved 0 -> 1.
		{"token_baseline_others_empty_inf", est, `{"params": ` + creditParams(2, "token", "PRM") + `,
			"inputs": {"experiences": [{"logits": [[[0.0, ` + ln3 + `]], [[` + ln3 + `, 0.0]]], "score_mask": [[1], [1]], "score_ids": [[2], [2]],
				"reward_mask": [[0, 1], [0, 1]], "action_mask": [[0, 0], [1, 1]], "num_tokens_per_step": [[1], [2]],
				"token_log_probs": [[0.0, 0.0], [0.0, 0.0]], "base_token_log_probs": [[0.0, 0.0], [0.0, 0.0]],
				"solved": [1, 0], "have_answers": [1, 1]}]},
			"outputs": {"step_process_reward": [[[0.5], [-0.5]]], "experiences": [{
				"process_rewards_after_baseline": [[0.0, 0.75], [0.0, "-Infinity"]], "returns": [[0.75, 0.0], ["-Infinity", 0.0]],
				"advantages": [[0.75, 0.0], ["-Infinity", 0.0]], "match": [1.0, 1.0], "reward": [0.5, -0.5], "return": [0.75, "-Infinity"]}],
				"advantages_normalized": [[], ["NaN", 0.0]]}}`},
		// A single-token response per row (A=1: the EOS is the only step),
		// n = 2, PRM+VR, step baseline. pr = [0.5, -0.5] (one step each,
		// weight 1). Step baseline: the other's per-step reward: row 0
		// 0.5-(-0.5) = 1, row 1 -0.5-0.5 = -1. VR: v = solved-1 = [0, -1];
		// row 0: 0 - (-1) = 1, row 1: -1 - 0 = -1. Token rewards [2], [-2];
		// returns are zeroed on the EOS (a reward-mask token): all 0, and
		// the buffer normalisation keeps zeros at 0 (count 0).
		{"single_token_rows", est, `{"params": ` + creditParams(2, "step", "PRMVR") + `,
			"inputs": {"experiences": [{"logits": [[[0.0, ` + ln3 + `]], [[` + ln3 + `, 0.0]]], "score_mask": [[1], [1]], "score_ids": [[1], [1]],
				"reward_mask": [[1], [1]], "action_mask": [[1], [1]], "num_tokens_per_step": [[0], [0]],
				"token_log_probs": [[-0.5], [-0.25]], "base_token_log_probs": [[-0.5], [-0.25]],
				"solved": [1, 0], "have_answers": [1, 0]}]},
			"outputs": {"step_process_reward": [[[0.5], [-0.5]]], "experiences": [{
				"process_rewards_after_baseline": [[2.0], [-2.0]], "returns": [[0.0], [0.0]],
				"advantages": [[0.0], [0.0]], "match": [1.0, -1.0], "reward": [0.5, -0.5], "return": [2.0, -2.0]}],
				"advantages_normalized": [[0.0], [0.0]]}}`},
	})
}

func TestEdgeProcessRewardFromLogits(t *testing.T) {
	const est = "pure.turn_process_reward_logits_to_reward"
	runEdge(t, []edgeCase{
		// Row 0: pr = [0.5, -0.5], softmin weights softmax([-5, 5]) =
		// [e^-10, 1]/(1+e^-10). Row 1: no valid step -> softmax of all -inf
		// = NaN everywhere, outcome NaN.
		{"weighted_with_empty_row", est, `{"params": {"temperature": 0.1, "disable_weighted_reward": false, "return_outcome_reward": true},
			"inputs": {"logits": [[[0.0, ` + ln3 + `], [` + ln3 + `, 0.0]], [[1.0, 2.0], [3.0, 4.0]]], "reward_mask": [[1, 1], [0, 0]]},
			"outputs": {"process_reward": [[2.2698934351217e-05, -0.4999773010656488], ["NaN", "NaN"]],
				"outcome_reward": [-0.49995460213129757, "NaN"]}}`},
		// Uniform weights over the 2 valid of 3 steps: 1/2 each; the masked
		// step is 0. No valid step: NaN again.
		{"uniform_with_empty_row", est, `{"params": {"temperature": 0.1, "disable_weighted_reward": true, "return_outcome_reward": true},
			"inputs": {"logits": [[[0.0, ` + ln3 + `], [5.0, -5.0], [` + ln3 + `, 0.0]], [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]],
				"reward_mask": [[1, 0, 1], [0, 0, 0]]},
			"outputs": {"process_reward": [[0.25, 0.0, -0.25], ["NaN", "NaN", "NaN"]], "outcome_reward": [0.0, "NaN"]}}`},
		// One step (S=1): weight 1 whatever the temperature.
		{"single_step", est, `{"params": {"temperature": 0.01, "disable_weighted_reward": false, "return_outcome_reward": false},
			"inputs": {"logits": [[[` + ln3 + `, 0.0]]], "reward_mask": [[1]]},
			"outputs": {"process_reward": [[-0.5]]}}`},
	})
}
