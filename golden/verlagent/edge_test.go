package verlagent_test

import (
	"encoding/json"
	"testing"

	"github.com/credo-rl/credo/golden"
	_ "github.com/credo-rl/credo/golden/verlagent"
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

// edgeCases cover shapes the dev golden files do not: similarity grouping
// with non-text observations, gamma 0, interleaved trajectories, a single
// masked token, de-duplicated statistics with one trajectory. Every expected
// value was computed by hand (see why) and cross-checked against the
// reference semantics (verl-agent 8ca3a467, torch 1.13), not taken from credo.
var edgeCases = []edgeCase{
	{
		est:     "verl_agent.gigpo",
		name:    "similarity_non_text_alone_in_its_group",
		why:     "are_similar only raises when it compares; a list observation alone in its index group is never compared. Episode: singletons keep s (mean_norm), step: singleton anchor groups -> 0",
		params:  `{"gamma": 1.0, "mode": "mean_norm", "step_advantage_w": 1.0, "epsilon": 1e-06, "enable_similarity": true, "similarity_thresh": 0.8}`,
		inputs:  `{"rewards": [1.0, 0.0], "token_level_rewards": [[1.0], [0.0]], "response_mask": [[1], [1]], "anchor_obs": [[1, 2], "s"], "index": ["a", "b"], "traj_index": ["t0", "t1"]}`,
		outputs: `{"step_rewards": [1.0, 0.0], "advantages": [[1.0], [0.0]], "returns": [[1.0], [0.0]]}`,
	},
	{
		est:     "verl_agent.gigpo",
		name:    "similarity_non_text_in_shared_group_raises",
		why:     "the second observation of group a is compared with the list: ValueError",
		params:  `{"gamma": 1.0, "mode": "mean_norm", "step_advantage_w": 1.0, "epsilon": 1e-06, "enable_similarity": true, "similarity_thresh": 0.8}`,
		inputs:  `{"rewards": [1.0, 0.0], "token_level_rewards": [[1.0], [0.0]], "response_mask": [[1], [1]], "anchor_obs": [[1, 2], "s"], "index": ["a", "a"], "traj_index": ["t0", "t1"]}`,
		outputs: `{"error": "ValueError: Only text-based observations are supported for similarity-based GiGPO in this version."}`,
	},
	{
		est:     "verl_agent.step_discounted_returns",
		name:    "gamma_zero",
		why:     "R_t = r_t",
		params:  `{"gamma": 0.0}`,
		inputs:  `{"rewards": [1.0, 2.0, 3.0], "traj_uid": ["x", "y", "x"]}`,
		outputs: `{"step_rewards": [1.0, 2.0, 3.0]}`,
	},
	{
		est:     "verl_agent.step_discounted_returns",
		name:    "interleaved_half",
		why:     "traj x = rows 0, 2: R_2 = 3, R_0 = 1 + 0.5*3; traj y = row 1",
		params:  `{"gamma": 0.5}`,
		inputs:  `{"rewards": [1.0, 2.0, 3.0], "traj_uid": ["x", "y", "x"]}`,
		outputs: `{"step_rewards": [2.5, 2.0, 3.0]}`,
	},
	{
		est:     "verl_agent.reinforce_plus_plus_baseline",
		name:    "single_masked_token_raises",
		why:     "masked_whiten over one token: ValueError",
		params:  `{"epsilon": 1e-06, "compute_mean_std_cross_steps": true}`,
		inputs:  `{"token_level_rewards": [[1.0, 0.0], [2.0, 0.0]], "response_mask": [[1, 0], [0, 0]], "index": ["a", "b"], "traj_index": ["t0", "t1"]}`,
		outputs: `{"error": "ValueError: The sum of the mask is one"}`,
	},
	{
		est:     "verl_agent.grpo",
		name:    "dedup_first_row_per_trajectory",
		why:     "dedup keeps rows 0 (t0) and 2 (t1): {1, 3}, mean 2, std sqrt(2); row 1 (t0's 2nd step, score 5) is normalised with those stats: 3/(sqrt(2)+1e-6)",
		params:  `{"epsilon": 1e-06, "compute_mean_std_cross_steps": false, "norm_adv_by_std_in_grpo": true}`,
		inputs:  `{"token_level_rewards": [[1.0], [5.0], [3.0]], "response_mask": [[1], [1], [1]], "index": ["g", "g", "g"], "traj_index": ["t0", "t0", "t1"]}`,
		outputs: `{"advantages": [[-0.7071062811865], [2.1213188435594], [0.7071062811865]], "returns": [[-0.7071062811865], [2.1213188435594], [0.7071062811865]]}`,
	},
	{
		est:     "verl_agent.rloo",
		name:    "dedup_single_trajectory_keeps_scores",
		why:     "one collected entry (n = 1): raw scores",
		params:  `{"epsilon": 1e-06, "compute_mean_std_cross_steps": false}`,
		inputs:  `{"token_level_rewards": [[1.0], [5.0]], "response_mask": [[1], [1]], "index": ["g", "g"], "traj_index": ["t", "t"]}`,
		outputs: `{"advantages": [[1.0], [5.0]], "returns": [[1.0], [5.0]]}`,
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
