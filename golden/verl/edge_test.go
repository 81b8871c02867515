package verl_test

import (
	"encoding/json"
	"testing"

	"github.com/credo-rl/credo/golden"
	_ "github.com/credo-rl/credo/golden/verl"
)

// edgeCase is one hand-computed edge shape, written in the golden-file
// schema and run through the registered adapter exactly like a golden case
// (same comparer, float32 tolerances; "NaN" must come out as NaN and an
// {"error": ...} output must be rejected). why gives the hand computation
// and the reference behaviour it pins.
type edgeCase struct {
	est, name, why          string
	params, inputs, outputs string
}

// edgeCases cover shapes the dev golden files do not: B=1, T=1, all-zero
// mask rows and batches, singleton and all-equal groups, numeric-string
// group ids, boundary gamma/lam, float32 cancellation. Every expected value
// was computed by hand (see why) and cross-checked against the reference
// semantics (torch 1.13, verl b178a3cd), not taken from credo.
var edgeCases = []edgeCase{
	{
		est:     "verl.grpo",
		name:    "B1_T1_singleton_norm",
		why:     "singleton: mean 0, std 1 -> 2/(1+1e-6)",
		params:  `{"epsilon": 1e-06, "norm_adv_by_std_in_grpo": true}`,
		inputs:  `{"token_level_rewards": [[2.0]], "response_mask": [[1]], "index": ["a"]}`,
		outputs: `{"advantages": [[1.999998000002]], "returns": [[1.999998000002]]}`,
	},
	{
		est:     "verl.grpo",
		name:    "B1_T1_singleton_nonorm",
		why:     "Dr.GRPO singleton keeps the raw score",
		params:  `{"epsilon": 1e-06, "norm_adv_by_std_in_grpo": false}`,
		inputs:  `{"token_level_rewards": [[2.0]], "response_mask": [[1]], "index": ["a"]}`,
		outputs: `{"advantages": [[2.0]], "returns": [[2.0]]}`,
	},
	{
		est:     "verl.grpo",
		name:    "empty_mask_row_reward_on_padding",
		why:     "scores sum ALL positions: 1 and 3, mean 2, unbiased std sqrt(2); row 1 is masked out",
		params:  `{"epsilon": 1e-06, "norm_adv_by_std_in_grpo": true}`,
		inputs:  `{"token_level_rewards": [[1.0, 0.0], [0.0, 3.0]], "response_mask": [[1, 0], [0, 0]], "index": ["a", "a"]}`,
		outputs: `{"advantages": [[-0.7071062811865, 0.0], [0.0, 0.0]], "returns": [[-0.7071062811865, 0.0], [0.0, 0.0]]}`,
	},
	{
		est:     "verl.grpo",
		name:    "all_rows_empty_mask",
		why:     "A*0 = 0 everywhere",
		params:  `{"epsilon": 1e-06, "norm_adv_by_std_in_grpo": true}`,
		inputs:  `{"token_level_rewards": [[1.0, 0.0], [0.0, 3.0]], "response_mask": [[0, 0], [0, 0]], "index": ["a", "a"]}`,
		outputs: `{"advantages": [[0.0, 0.0], [0.0, 0.0]], "returns": [[0.0, 0.0], [0.0, 0.0]]}`,
	},
	{
		est:     "verl.grpo",
		name:    "all_equal_group",
		why:     "s - mean = 0 exactly",
		params:  `{"epsilon": 1e-06, "norm_adv_by_std_in_grpo": true}`,
		inputs:  `{"token_level_rewards": [[0.5], [0.5], [0.5]], "response_mask": [[1], [1], [1]], "index": ["g", "g", "g"]}`,
		outputs: `{"advantages": [[0.0], [0.0], [0.0]], "returns": [[0.0], [0.0], [0.0]]}`,
	},
	{
		est:     "verl.grpo_vectorized",
		name:    "numeric_string_ids_share_a_group",
		why:     "as_torch_index parses '1','01',' 1' to the integer 1: one group {1,2,3}, mean 2, var (14-36/3)/2 = 1",
		params:  `{"epsilon": 1e-06, "norm_adv_by_std_in_grpo": true}`,
		inputs:  `{"token_level_rewards": [[1.0], [2.0], [3.0]], "response_mask": [[1], [1], [1]], "index": ["1", "01", " 1"]}`,
		outputs: `{"advantages": [[-0.999999000001], [0.0], [0.999999000001]], "returns": [[-0.999999000001], [0.0], [0.999999000001]]}`,
	},
	{
		est:     "verl.grpo_vectorized",
		name:    "non_numeric_ids_are_strings",
		why:     "'u1' and 'u01' differ: two singletons -> s/(1+eps)",
		params:  `{"epsilon": 1e-06, "norm_adv_by_std_in_grpo": true}`,
		inputs:  `{"token_level_rewards": [[1.0], [2.0]], "response_mask": [[1], [1]], "index": ["u1", "u01"]}`,
		outputs: `{"advantages": [[0.999999000001], [1.999998000002]], "returns": [[0.999999000001], [1.999998000002]]}`,
	},
	{
		est:     "verl.grpo_vectorized",
		name:    "negative_numeric_id_raises",
		why:     "index_add_ with index -1: IndexError",
		params:  `{"epsilon": 1e-06, "norm_adv_by_std_in_grpo": true}`,
		inputs:  `{"token_level_rewards": [[1.0], [2.0]], "response_mask": [[1], [1]], "index": ["-1", "2"]}`,
		outputs: `{"error": "IndexError: index out of range in self"}`,
	},
	{
		est:     "verl.grpo_vectorized",
		name:    "float32_one_pass_variance_cancels",
		why:     "scores 1e4, 10001 in float32: S2 = f32(1e8 + f32(100020001)=100020000) = 200020000, S1^2/2 = f32(400040001)/2 = 200020000, var 0 -> floor 1e-6, std 1e-3: A = -+0.5/(1e-3+1e-6) (the float64 variance 0.5 would give -+0.707)",
		params:  `{"epsilon": 1e-06, "norm_adv_by_std_in_grpo": true}`,
		inputs:  `{"token_level_rewards": [[10000.0], [10001.0]], "response_mask": [[1], [1]], "index": ["x", "x"]}`,
		outputs: `{"advantages": [[-499.5004995005], [499.5004995005]], "returns": [[-499.5004995005], [499.5004995005]]}`,
	},
	{
		est:     "verl.opo",
		name:    "group_with_zero_total_length_is_nan",
		why:     "baseline (0*1+0*2)/(0+0) = NaN and NaN*0 = NaN at every position of the group; singleton b has baseline 0",
		params:  `{"epsilon": 1e-06}`,
		inputs:  `{"token_level_rewards": [[1.0, 0.0], [2.0, 0.0], [3.0, 1.0]], "response_mask": [[0, 0], [0, 0], [1, 1]], "index": ["a", "a", "b"]}`,
		outputs: `{"advantages": [["NaN", "NaN"], ["NaN", "NaN"], [4.0, 4.0]], "returns": [["NaN", "NaN"], ["NaN", "NaN"], [4.0, 4.0]]}`,
	},
	{
		est:     "verl.opo",
		name:    "one_empty_row_in_group",
		why:     "lengths 1, 0: b = (1*1 + 0*3)/1 = 1; A = [0, 2*0]",
		params:  `{"epsilon": 1e-06}`,
		inputs:  `{"token_level_rewards": [[1.0], [3.0]], "response_mask": [[1], [0]], "index": ["a", "a"]}`,
		outputs: `{"advantages": [[0.0], [0.0]], "returns": [[0.0], [0.0]]}`,
	},
	{
		est:     "verl.grpo_passk",
		name:    "all_equal_group_of_four",
		why:     "r_max - r_2nd = 0 whichever tied row topk picks",
		params:  `{"epsilon": 1e-06, "norm_adv_by_std_in_grpo": true}`,
		inputs:  `{"token_level_rewards": [[1.0], [1.0], [1.0], [1.0]], "response_mask": [[1], [1], [1], [1]], "index": ["g", "g", "g", "g"]}`,
		outputs: `{"advantages": [[0.0], [0.0], [0.0], [0.0]], "returns": [[0.0], [0.0], [0.0], [0.0]]}`,
	},
	{
		est:     "verl.grpo_passk",
		name:    "B1_raises",
		why:     "a group of 1 row: ValueError",
		params:  `{"epsilon": 1e-06, "norm_adv_by_std_in_grpo": true}`,
		inputs:  `{"token_level_rewards": [[1.0]], "response_mask": [[1]], "index": ["g"]}`,
		outputs: `{"error": "ValueError: Pass@k requires at least 2 samples per group"}`,
	},
	{
		est:     "verl.rloo",
		name:    "singleton_keeps_score",
		why:     "n = 1: raw score",
		params:  `{"epsilon": 1e-06}`,
		inputs:  `{"token_level_rewards": [[2.5]], "response_mask": [[1]], "index": ["g"]}`,
		outputs: `{"advantages": [[2.5]], "returns": [[2.5]]}`,
	},
	{
		est:     "verl.rloo_vectorized",
		name:    "singleton_gets_zero",
		why:     "(c>1) = 0",
		params:  `{"epsilon": 1e-06}`,
		inputs:  `{"token_level_rewards": [[2.5]], "response_mask": [[1]], "index": ["g"]}`,
		outputs: `{"advantages": [[0.0]], "returns": [[0.0]]}`,
	},
	{
		est:     "verl.gpg",
		name:    "all_zero_scores",
		why:     "alpha = B/max(0,1); s - mean = 0",
		params:  `{"epsilon": 1e-06, "f_norm": 1.0, "alpha": 1.0}`,
		inputs:  `{"token_level_rewards": [[0.0], [0.0]], "response_mask": [[1], [1]], "index": ["g", "g"]}`,
		outputs: `{"advantages": [[0.0], [0.0]], "returns": [[0.0], [0.0]]}`,
	},
	{
		est:     "verl.gae",
		name:    "mask_sum_one_raises",
		why:     "masked_var: the sum of the mask is one",
		params:  `{"gamma": 1.0, "lam": 1.0}`,
		inputs:  `{"token_level_rewards": [[1.0, 0.0]], "values": [[0.5, 0.5]], "response_mask": [[1, 0]]}`,
		outputs: `{"error": "ValueError: The sum of the mask is one"}`,
	},
	{
		est:     "verl.gae",
		name:    "all_masked_raises",
		why:     "masked_var: at least one element in the mask has to be 1",
		params:  `{"gamma": 1.0, "lam": 1.0}`,
		inputs:  `{"token_level_rewards": [[1.0]], "values": [[0.5]], "response_mask": [[0]]}`,
		outputs: `{"error": "ValueError: At least one element in the mask has to be 1"}`,
	},
	{
		est:     "verl.gae",
		name:    "T1_two_rows",
		why:     "adv = r - v = 0.5, 2.5; returns = adv + v; whitened: mean 1.5, unbiased var 2 -> -+1/sqrt(2)",
		params:  `{"gamma": 1.0, "lam": 1.0}`,
		inputs:  `{"token_level_rewards": [[1.0], [3.0]], "values": [[0.5], [0.5]], "response_mask": [[1], [1]]}`,
		outputs: `{"advantages": [[-0.7071067794], [0.7071067794]], "returns": [[1.0], [3.0]]}`,
	},
	{
		est:     "verl.reinforce_plus_plus",
		name:    "gamma_zero",
		why:     "returns = r; whitened over 4 tokens: mean 2.5, unbiased var 5/3",
		params:  `{"gamma": 0.0}`,
		inputs:  `{"token_level_rewards": [[1.0, 2.0], [3.0, 4.0]], "response_mask": [[1, 1], [1, 1]]}`,
		outputs: `{"advantages": [[-1.161895, -0.3872983], [0.3872983, 1.161895]], "returns": [[1.0, 2.0], [3.0, 4.0]]}`,
	},
	{
		est:     "verl.reinforce_plus_plus_baseline",
		name:    "single_masked_token_raises",
		why:     "whitening over one token",
		params:  `{"epsilon": 1e-06}`,
		inputs:  `{"token_level_rewards": [[1.0, 0.0], [2.0, 0.0]], "response_mask": [[1, 0], [0, 0]], "index": ["a", "b"]}`,
		outputs: `{"error": "ValueError: The sum of the mask is one"}`,
	},
	{
		est:     "verl.remax",
		name:    "B1_T1",
		why:     "returns = r*m; A = returns - b*m",
		params:  `{}`,
		inputs:  `{"token_level_rewards": [[1.5]], "reward_baselines": [0.5], "response_mask": [[1]]}`,
		outputs: `{"advantages": [[1.0]], "returns": [[1.5]]}`,
	},
	{
		est:     "verl.optimal_token_baseline",
		name:    "singleton_zero_tail",
		why:     "N = 1: no baseline, A = reverse-cumsum returns * mask",
		params:  `{"epsilon": 1e-08, "handle_zero_tail": true}`,
		inputs:  `{"token_level_rewards": [[1.0, 2.0]], "response_mask": [[1, 1]], "index": ["g"], "old_log_probs": [[-1.0, -1.0]], "sum_pi_squared": [[0.5, 0.5]]}`,
		outputs: `{"advantages": [[3.0, 2.0]], "returns": [[3.0, 2.0]]}`,
	},
	{
		est:     "verl.tir_optimal_token_baseline",
		name:    "all_rows_empty",
		why:     "zero-length rows are skipped: advantages 0, returns = reverse cumsum of r*m = 0",
		params:  `{"epsilon": 1e-08, "handle_zero_tail": true}`,
		inputs:  `{"token_level_rewards": [[1.0, 2.0], [3.0, 0.0]], "response_mask": [[0, 0], [0, 0]], "index": ["g", "g"], "old_log_probs": [[-1.0, -1.0], [-1.0, -1.0]], "sum_pi_squared": [[0.5, 0.5], [0.5, 0.5]]}`,
		outputs: `{"advantages": [[0.0, 0.0], [0.0, 0.0]], "returns": [[0.0, 0.0], [0.0, 0.0]]}`,
	},
}

func TestEdgeShapes(t *testing.T) {
	for _, e := range edgeCases {
		t.Run(e.est+"/"+e.name, func(t *testing.T) {
			c := golden.Case{Name: e.name}
			for _, f := range []struct {
				src string
				dst *map[string]json.RawMessage
			}{{e.params, &c.Params}, {e.inputs, &c.Inputs}, {e.outputs, &c.Outputs}} {
				if err := json.Unmarshal([]byte(f.src), f.dst); err != nil {
					t.Fatal(err)
				}
			}
			fn, ok := golden.Lookup(e.est)
			if !ok {
				t.Fatalf("estimator %s is not registered", e.est)
			}
			res := golden.RunCase(e.est, fn, &c)
			if !res.Pass {
				t.Errorf("%s (%s)", e.name, e.why)
				for _, p := range res.Problems {
					t.Error(p)
				}
			}
		})
	}
}
