package spo

import "testing"

func TestEdgeChainTokenAdvantages(t *testing.T) {
	const est = "spo.chain_token_advantages"
	runEdge(t, []edgeCase{
		// Only the query-state cutpoint -1: base = 0.25, the last token is
		// valued by the score (1.0): A = 0.75, back-filled to every token;
		// the p=0.95 token is masked to 0.
		{"only_query_cutpoint", est, `{"params": {}, "inputs": {"response_len": 3, "response_prob": [0.5, 0.95, 0.2],
			"cutpoints": [-1], "cutpoints_values": [0.25], "cutpoints_values_std": [0.1], "score": 1.0},
			"outputs": {"values": [null, null, 1.0], "advantages": [0.75, 0.0, 0.75]}}`},
		// Cutpoints at the first and the last token (the latter overrides
		// the score); no -1, so the first valued token gets 0, then
		// 0.9-0.4; token 1 takes token 2's advantage.
		{"cutpoints_first_and_last", est, `{"params": {}, "inputs": {"response_len": 3, "response_prob": [0.1, 0.1, 0.1],
			"cutpoints": [0, 2], "cutpoints_values": [0.4, 0.9], "cutpoints_values_std": [0.0, 0.0], "score": 1.0},
			"outputs": {"values": [0.4, null, 0.9], "advantages": [0.0, 0.5, 0.5]}}`},
		// A repeated cutpoint keeps its last value (0.6): A1 = 0.6-0.5,
		// A2 = 0.0-0.6 (score 0), A0 = A1.
		{"repeated_cutpoint", est, `{"params": {}, "inputs": {"response_len": 3, "response_prob": [0.5, 0.5, 0.5],
			"cutpoints": [-1, 1, 1], "cutpoints_values": [0.5, 0.2, 0.6], "cutpoints_values_std": [0.0, 0.0, 0.0], "score": 0.0},
			"outputs": {"values": [null, 0.6, 0.0], "advantages": [0.09999999999999998, 0.09999999999999998, -0.6]}}`},
		// No cutpoint: values = score, advantages 0, no probability mask.
		{"no_cutpoints", est, `{"params": {}, "inputs": {"response_len": 2, "response_prob": [0.99, 0.99],
			"cutpoints": [], "cutpoints_values": [], "cutpoints_values_std": [], "score": 0.3},
			"outputs": {"values": [0.3, 0.3], "advantages": [0.0, 0.0]}}`},
		// One token: A = 1.0 - 0.3, then masked (p = 0.95 > 0.9).
		{"single_token", est, `{"params": {}, "inputs": {"response_len": 1, "response_prob": [0.95],
			"cutpoints": [-1], "cutpoints_values": [0.3], "cutpoints_values_std": [0.0], "score": 1.0},
			"outputs": {"values": [1.0], "advantages": [0.0]}}`},
		// p = 0.9 exactly is not masked (strict >).
		{"prob_threshold_strict", est, `{"params": {}, "inputs": {"response_len": 2, "response_prob": [0.9, 0.9000001],
			"cutpoints": [-1], "cutpoints_values": [0.5], "cutpoints_values_std": [0.0], "score": 1.0},
			"outputs": {"values": [null, 1.0], "advantages": [0.5, 0.0]}}`},
		// token_values[5] on a 3-token response: IndexError.
		{"cutpoint_out_of_range_error", est, `{"params": {}, "inputs": {"response_len": 3, "response_prob": [0.5, 0.5, 0.5],
			"cutpoints": [5], "cutpoints_values": [0.5], "cutpoints_values_std": [0.0], "score": 1.0},
			"outputs": {"error": "IndexError: list assignment index out of range"}}`},
		// Empty response: token_values[-1] = score raises IndexError.
		{"empty_response_error", est, `{"params": {}, "inputs": {"response_len": 0, "response_prob": [],
			"cutpoints": [], "cutpoints_values": [], "cutpoints_values_std": [], "score": 1.0},
			"outputs": {"error": "IndexError: list assignment index out of range"}}`},
	})
}

func TestEdgeTreeEdges(t *testing.T) {
	const est = "spo.tree_edges"
	root := `"text": "Q: ", "full_text": "Q: ", "leaf": false`
	runEdge(t, []edgeCase{
		// use_hard_estimation only changes how rewards are estimated when the
		// tree is built; the edges follow the given rewards: 1 - 0.5 and
		// BoK(1) - BoK(0.5) = 0.0625.
		{"hard_estimation_flag", est, `{"params": {"adv_method": "rloo", "only_adv_greater_than_zero": false, "use_hard_estimation": true},
			"inputs": {"tree": {` + root + `, "reward": 0.5, "reward_std": 0.5, "children": [
				{"text": "a ", "full_text": "Q: a ", "reward": 1.0, "reward_std": 0.0, "leaf": true}]}},
			"outputs": {"edges": [
				{"query_text": "Q: ", "response_text": "a ", "advantage": 0.5, "prover_advantage": 0.0625, "value": 1.0, "leaf": true}]}}`},
		// A lone root has no edge.
		{"root_only", est, `{"params": {"adv_method": "rloo", "only_adv_greater_than_zero": true, "use_hard_estimation": false},
			"inputs": {"tree": {` + root + `, "reward": 1.0, "reward_std": 0.0}},
			"outputs": {"edges": []}}`},
		// All rewards equal: advantage 0 and prover advantage 0, so every
		// edge is dropped by only_adv_greater_than_zero...
		{"all_equal_filtered", est, `{"params": {"adv_method": "grpo", "only_adv_greater_than_zero": true, "use_hard_estimation": false},
			"inputs": {"tree": {` + root + `, "reward": 0.5, "reward_std": 0.0, "children": [
				{"text": "a ", "full_text": "Q: a ", "reward": 0.5, "reward_std": 0.0, "leaf": true},
				{"text": "b ", "full_text": "Q: b ", "reward": 0.5, "reward_std": 0.0, "leaf": true}]}},
			"outputs": {"edges": []}}`},
		// ...and kept, with zeros, without it.
		{"all_equal_kept", est, `{"params": {"adv_method": "grpo", "only_adv_greater_than_zero": false, "use_hard_estimation": false},
			"inputs": {"tree": {` + root + `, "reward": 0.5, "reward_std": 0.0, "children": [
				{"text": "a ", "full_text": "Q: a ", "reward": 0.5, "reward_std": 0.0, "leaf": true},
				{"text": "b ", "full_text": "Q: b ", "reward": 0.5, "reward_std": 0.0, "leaf": true}]}},
			"outputs": {"edges": [
				{"query_text": "Q: ", "response_text": "a ", "advantage": 0.0, "prover_advantage": 0.0, "value": 0.5, "leaf": true},
				{"query_text": "Q: ", "response_text": "b ", "advantage": 0.0, "prover_advantage": 0.0, "value": 0.5, "leaf": true}]}}`},
		// GRPO with a zero parent std: (1-0.5)/(0+1e-8) = 5e7; BoK(1) -
		// BoK(0.5) = 1 - 0.9375. A negative edge (0 - 0.5, prover -0.9375)
		// is kept by only_adv_greater_than_zero (sum != 0).
		{"grpo_zero_std_and_negative", est, `{"params": {"adv_method": "grpo", "only_adv_greater_than_zero": true, "use_hard_estimation": false},
			"inputs": {"tree": {` + root + `, "reward": 0.5, "reward_std": 0.0, "children": [
				{"text": "a ", "full_text": "Q: a ", "reward": 1.0, "reward_std": 0.0, "leaf": true},
				{"text": "b ", "full_text": "Q: b ", "reward": 0.0, "reward_std": 0.0, "leaf": true}]}},
			"outputs": {"edges": [
				{"query_text": "Q: ", "response_text": "a ", "advantage": 5.0e7, "prover_advantage": 0.0625, "value": 1.0, "leaf": true},
				{"query_text": "Q: ", "response_text": "b ", "advantage": -5.0e7, "prover_advantage": -0.9375, "value": 0.0, "leaf": true}]}}`},
	})
}
