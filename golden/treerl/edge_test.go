package treerl

import (
	"encoding/json"
	"testing"
)

func treeParams(over map[string]any) string {
	p := map[string]any{"use_all_terminals": true, "balance_ratio": 0, "average_one_generation": false,
		"use_weighted_value": false, "weighted_value_style": "uniform", "overall_norm_style": "token",
		"inner_repetition_penalty": false, "use_orm_reward": false, "use_chain_reward": false,
		"step_level_norm": false, "use_state_value_reward": false, "use_value_only": false,
		"advantage_mix_allancestor": false}
	for k, v := range over {
		p[k] = v
	}
	b, _ := json.Marshal(p)
	return string(b)
}

// Two root-only trees: A = tokens [1 2], score 1 (correct); B = [3], score 0.
const twoRoots = `"trees": [
	[{"node_idx": 0, "parent_node_idx": null, "parent_node_split_idx": null, "token_id_list": [1, 2], "score": 1.0, "binary_score": 1.0, "finish_reason": "stop"}],
	[{"node_idx": 0, "parent_node_idx": null, "parent_node_split_idx": null, "token_id_list": [3], "score": 0.0, "binary_score": 0.0, "finish_reason": "length"}]]`

func TestEdgeTreePaths(t *testing.T) {
	const est = "treerl.tree_paths"
	runEdge(t, []edgeCase{
		// Leave-one-out: R = [1 - 0/1, 0 - 1/1] = [1, -1]. Token norm over
		// the virtual root (len 0, acc 0, n 2), A (len 2, acc 1), B (len 1,
		// acc -1): mu = (0 + 2 - 1)/(0 + 2 + 1) = 1/3; acc -= mu*n: root
		// -2/3, A 2/3, B -4/3. V(root) = -1/3. Paths (one step each): value
		// V - V(root) = [1, -1], state_value [2/3, -4/3], pass_ratio [1, 0].
		{"two_root_only_trees", est, `{"params": ` + treeParams(nil) + `, "inputs": {` + twoRoots + `},
			"outputs": {"reward_raw": 0.5, "paths": [
				[{"token_answer": [1, 2], "value": 1.0, "state_value": 0.6666666666666667, "pass_ratio": 1.0}],
				[{"token_answer": [3], "value": -1.0, "state_value": -1.3333333333333333, "pass_ratio": 0.0}]]}}`},
		// Step norm with an empty tree in the list (skipped): mu = (0 + 1 -
		// 1)/(2 + 1 + 1) = 0; value_only: value = state value = [1, -1].
		// inner_repetition_penalty sets B's R (finish "length") to -1, which
		// it already is.
		{"step_norm_value_only_empty_tree", est, `{"params": ` + treeParams(map[string]any{"overall_norm_style": "step", "use_value_only": true, "inner_repetition_penalty": true}) + `,
			"inputs": {"trees": [[],
				[{"node_idx": 0, "parent_node_idx": null, "parent_node_split_idx": null, "token_id_list": [1, 2], "score": 1.0, "binary_score": 1.0, "finish_reason": "stop"}],
				[{"node_idx": 0, "parent_node_idx": null, "parent_node_split_idx": null, "token_id_list": [3], "score": 0.0, "binary_score": 0.0, "finish_reason": "length"}]]},
			"outputs": {"reward_raw": 0.5, "paths": [
				[{"token_answer": [1, 2], "value": 1.0, "state_value": 1.0, "pass_ratio": 1.0}],
				[{"token_answer": [3], "value": -1.0, "state_value": -1.0, "pass_ratio": 0.0}]]}}`},
		// One tree, every leaf equal (0.3): the root generation [1 2 3 4]
		// forks at 2 into the child [5 6]. Steps: head [1 2] (2 leaves, 1
		// correct), tail [3 4] (leaf, recorded first), child [5 6] (leaf,
		// correct). R = 0.3 - 0.3 = 0 for both: every value is 0, with
		// state_value reward and sqrt weighting too; pass ratios 0.5, 0, 1.
		{"one_tree_equal_leaves", est, `{"params": ` + treeParams(map[string]any{"use_state_value_reward": true, "use_weighted_value": true, "weighted_value_style": "sqrt"}) + `,
			"inputs": {"trees": [[
				{"node_idx": 0, "parent_node_idx": null, "parent_node_split_idx": null, "token_id_list": [1, 2, 3, 4], "score": 0.3, "binary_score": 0.0, "finish_reason": "stop"},
				{"node_idx": 1, "parent_node_idx": 0, "parent_node_split_idx": 2, "token_id_list": [5, 6], "score": 0.3, "binary_score": 1.0, "finish_reason": "stop"}]]},
			"outputs": {"reward_raw": 0.3, "paths": [
				[{"token_answer": [1, 2], "value": 0.0, "state_value": 0.0, "pass_ratio": 0.5},
				 {"token_answer": [3, 4], "value": 0.0, "state_value": 0.0, "pass_ratio": 0.0}],
				[{"token_answer": [1, 2], "value": 0.0, "state_value": 0.0, "pass_ratio": 0.5},
				 {"token_answer": [5, 6], "value": 0.0, "state_value": 0.0, "pass_ratio": 1.0}]]}}`},
		// A single leaf: leaf_normalize asserts (num_traces == 0).
		{"single_leaf_error", est, `{"params": ` + treeParams(nil) + `,
			"inputs": {"trees": [[{"node_idx": 0, "parent_node_idx": null, "parent_node_split_idx": null, "token_id_list": [1], "score": 1.0, "binary_score": 1.0, "finish_reason": "stop"}]]},
			"outputs": {"error": "AssertionError: entropy num_traces == 0"}}`},
		// compute_weighted_update raises on an unknown style.
		{"unknown_weight_style_error", est, `{"params": ` + treeParams(map[string]any{"use_weighted_value": true, "weighted_value_style": "cubic"}) + `, "inputs": {` + twoRoots + `},
			"outputs": {"error": "ValueError: Unsupported rewegihted_value_style: cubic"}}`},
	})
}
