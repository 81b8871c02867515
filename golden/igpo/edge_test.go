package igpo

import (
	"strconv"
	"testing"
)

func igpoParams(mode string, gamma, f1w, igw float64) string {
	return `{"epsilon": 1e-06, "norm_adv_by_std_in_grpo": true, "gamma": ` + ftoa(gamma) +
		`, "info_gain_norm_mode": "` + mode + `", "curriculum_f1_weight": ` + ftoa(f1w) +
		`, "curriculum_ig_weight": ` + ftoa(igw) + `}`
}

func ftoa(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

func TestEdgeGRPOTurnLevel(t *testing.T) {
	const est = "igpo.grpo_turn_level"
	runEdge(t, []edgeCase{
		// B=1, T=1: the f1 position is 0; one selected value, so mean =
		// 0.7 and std = 1 (count <= 1): normalised 0.
		{"b1_t1", est, `{"params": ` + igpoParams("joint", 1, 1, 1) + `,
			"inputs": {"token_level_rewards": [[0.7]], "response_mask": [[1]], "index": ["a"]},
			"outputs": {"advantages": [[0.0]], "returns": [[0.0]]}}`},
		// Row 0: mask [1,1,0,1] sums to 3, so the f1 position is 2, which is
		// masked: no f1; both non-zero rewards (t=1: 0.5, t=3: 1.0) are ig.
		// Row 1: f1 at 2 (0.2). Row 2 (own group): all masked, nothing
		// selected, all 0. Joint stats of group g over {0.5, 1.0, 0.2}:
		// mean 17/30, var 98/900, std sqrt(var+1e-8); n = (r-mean)/(std+1e-6)
		// = [-0.2020298874, 1.3131942680] and -1.1111643806.
		// Row 0 turns (gamma 1): A(t<=1) = n0+n1 = 1.1111643806, the masked
		// t=2 stays 0, A(t=3) = n1. Row 1: t<=2 gets -1.1111643806.
		{"f1_on_masked_token_and_empty_row", est, `{"params": ` + igpoParams("joint", 1, 1, 1) + `,
			"inputs": {"token_level_rewards": [[0.0, 0.5, 0.0, 1.0], [0.0, 0.0, 0.2, 0.0], [1.0, 1.0, 1.0, 1.0]],
				"response_mask": [[1, 1, 0, 1], [1, 1, 1, 0], [0, 0, 0, 0]], "index": ["g", "g", "h"]},
			"outputs": {"advantages": [[1.1111643806479994, 1.1111643806479994, 0.0, 1.3131942680385447],
				[-1.1111643806479992, -1.1111643806479992, -1.1111643806479992, 0.0], [0.0, 0.0, 0.0, 0.0]],
				"returns": [[1.1111643806479994, 1.1111643806479994, 0.0, 1.3131942680385447],
				[-1.1111643806479992, -1.1111643806479992, -1.1111643806479992, 0.0], [0.0, 0.0, 0.0, 0.0]]}}`},
		// Separate mode, f1 weight 0, ig weight 2, gamma 0.5. Row 0: f1 at
		// t=2 (1.0*0 = 0), ig at t=0 (0.8) and t=1 (0.2). Row 1: mask sums to
		// 2, f1 at t=1 (0.8*0 = 0), no ig. f1 set {0, 0}: mean 0, n = 0. ig
		// set {0.8, 0.2}: mean 0.5, std sqrt(0.09+1e-8); n = ±0.3/(std+1e-6)
		// = ±0.9999966111. Row 0: A2 = 0, A1 = -p, A0 = p - p/2. Row 1:
		// the zero f1 boundary still closes the turn: 0 everywhere.
		{"separate_curriculum_zero_f1", est, `{"params": ` + igpoParams("separate", 0.5, 0, 2) + `,
			"inputs": {"token_level_rewards": [[0.4, 0.1, 1.0], [0.0, 0.8, 0.0]],
				"response_mask": [[1, 1, 1], [1, 1, 0]], "index": [0, 0]},
			"outputs": {"advantages": [[0.4999983055612986, -0.9999966111225972, 0.0], [0.0, 0.0, 0.0]],
				"returns": [[0.4999983055612986, -0.9999966111225972, 0.0], [0.0, 0.0, 0.0]]}}`},
	})
}
