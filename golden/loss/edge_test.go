package lossgolden_test

import (
	"encoding/json"
	"testing"

	"github.com/credo-rl/credo/golden"
	_ "github.com/credo-rl/credo/golden/loss"
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

// edgeCases cover shapes the dev golden files do not: all-masked batches
// (NaN losses and their gradient patterns), B=1/T=1, ties in KL-Cov's
// covariance ranking, global counts with empty masks. Every expected value
// was computed by hand (see why) and cross-checked against the reference
// semantics (verl b178a3cd, OpenRLHF 3c3be623, torch 1.13), not taken from
// credo.
var edgeCases = []edgeCase{
	{
		est:     "verl.policy_loss_kl_cov",
		name:    "cov_tie_follows_torch_topk",
		why:     "cov = [1,-1,-1,1], k = 1: torch.topk picks index 3 (nth_element), whose |d| = 0 adds nothing; loss = (-e^0.5 + 1 - 1 + 1)/4, grad = [-e^0.5, 1, -1, 1]/4 (picking index 0 would add 2*0.5 to the loss and 2 to its gradient)",
		params:  `{"loss_agg_mode": "token-mean", "clip_ratio": 0.2, "clip_ratio_low": 0.2, "clip_ratio_high": 0.2, "clip_ratio_c": 3.0, "policy_loss.kl_cov_ratio": 0.25, "policy_loss.ppo_kl_coef": 2.0, "global_batch_info": {}}`,
		inputs:  `{"old_log_prob": [[-1.5, -1.0, -3.0, -3.0]], "log_prob": [[-1.0, -1.0, -3.0, -3.0]], "advantages": [[1.0, -1.0, 1.0, -1.0]], "response_mask": [[1, 1, 1, 1]], "rollout_is_weights": null}`,
		outputs: `{"pg_loss": -0.16218031767, "grad_log_prob": [[-0.41218031767, 0.25, -0.25, 0.25]], "ppo_kl": 0.125}`,
	},
	{
		est:     "verl.policy_loss_kl_cov",
		name:    "no_valid_token",
		why:     "k = min(ratio, 0) = 0 skips the selection; token-mean 0/0 = NaN with a zero (where-guarded) gradient; ppo_kl 0/(0+1e-8) = 0",
		params:  `{"loss_agg_mode": "token-mean", "clip_ratio": 0.2, "clip_ratio_low": 0.2, "clip_ratio_high": 0.2, "clip_ratio_c": 3.0, "policy_loss.kl_cov_ratio": 0.25, "policy_loss.ppo_kl_coef": 2.0, "global_batch_info": {}}`,
		inputs:  `{"old_log_prob": [[-1.5, -1.0]], "log_prob": [[-1.0, -1.0]], "advantages": [[1.0, -1.0]], "response_mask": [[0, 0]], "rollout_is_weights": null}`,
		outputs: `{"pg_loss": "NaN", "grad_log_prob": [[0.0, 0.0]], "ppo_kl": 0.0}`,
	},
	{
		est:     "verl.policy_loss_vanilla",
		name:    "all_masked_token_mean",
		why:     "masked_sum/0 = NaN; masked_sum's where() gives a 0 gradient; metrics 0/(0+1e-8) = 0",
		params:  `{"loss_agg_mode": "token-mean", "clip_ratio": 0.2, "clip_ratio_low": 0.2, "clip_ratio_high": 0.2, "clip_ratio_c": 3.0, "global_batch_info": {}}`,
		inputs:  `{"old_log_prob": [[-1.0, -1.0]], "log_prob": [[-0.5, -1.5]], "advantages": [[1.0, -1.0]], "response_mask": [[0, 0]], "rollout_is_weights": null}`,
		outputs: `{"pg_loss": "NaN", "grad_log_prob": [[0.0, 0.0]], "pg_clipfrac": 0.0, "ppo_kl": 0.0, "pg_clipfrac_lower": 0.0}`,
	},
	{
		est:     "verl.policy_loss_geo_mean",
		name:    "all_masked",
		why:     "ratio exp(0/1e-8) = 1, seq adv 0/1e-8 = 0: mean(-0*1) = 0, gradient m/1e-8 = 0",
		params:  `{"loss_agg_mode": "token-mean", "clip_ratio": 0.2, "clip_ratio_low": 0.2, "clip_ratio_high": 0.2, "clip_ratio_c": 3.0, "global_batch_info": {}}`,
		inputs:  `{"old_log_prob": [[-1.0, -1.0]], "log_prob": [[-0.5, -1.5]], "advantages": [[1.0, -1.0]], "response_mask": [[0, 0]], "rollout_is_weights": null}`,
		outputs: `{"pg_loss": 0.0, "grad_log_prob": [[0.0, 0.0]], "pg_clipfrac": 0.0, "ppo_kl": 0.0, "pg_clipfrac_lower": 0.0}`,
	},
	{
		est:     "verl.policy_loss_gspo",
		name:    "B1_T1_clipped",
		why:     "seq ratio e^0.5 > 1.2: max(-1.6487, -1.2) = -1.2 (clip branch, zero gradient); seq-mean-token-mean -1.2/(1+1e-8); clipfrac 1, ppo_kl -0.5",
		params:  `{"loss_agg_mode": "token-mean", "clip_ratio": 0.2, "clip_ratio_low": 0.2, "clip_ratio_high": 0.2, "clip_ratio_c": 3.0, "global_batch_info": {}}`,
		inputs:  `{"old_log_prob": [[-1.0]], "log_prob": [[-0.5]], "advantages": [[1.0]], "response_mask": [[1]], "rollout_is_weights": null}`,
		outputs: `{"pg_loss": -1.2, "grad_log_prob": [[0.0]], "pg_clipfrac": 1.0, "ppo_kl": -0.5, "pg_clipfrac_lower": 0.0}`,
	},
	{
		est:     "verl.value_loss",
		name:    "all_masked",
		why:     "0.5*(0/0) = NaN, zero gradient, clipfrac 0",
		params:  `{"cliprange_value": 0.2, "loss_agg_mode": "token-mean"}`,
		inputs:  `{"vpreds": [[1.0, 2.0]], "returns": [[0.0, 0.0]], "values": [[0.5, 0.5]], "response_mask": [[0, 0]]}`,
		outputs: `{"vf_loss": "NaN", "vf_clipfrac": 0.0, "grad_vpreds": [[0.0, 0.0]]}`,
	},
	{
		est:     "verl.agg_loss",
		name:    "seq_mean_token_mean_all_masked",
		why:     "0 non-empty rows: 0/0",
		params:  `{"loss_agg_mode": "seq-mean-token-mean", "dp_size": 1, "batch_num_tokens": null, "global_batch_size": null, "loss_scale_factor": null}`,
		inputs:  `{"loss_mat": [[1.0, 2.0]], "loss_mask": [[0, 0]]}`,
		outputs: `{"loss": "NaN"}`,
	},
	{
		est:     "verl.agg_loss",
		name:    "sum_norm_all_masked",
		why:     "sum of zero row sums / T = 0",
		params:  `{"loss_agg_mode": "seq-mean-token-sum-norm", "dp_size": 1, "batch_num_tokens": null, "global_batch_size": null, "loss_scale_factor": null}`,
		inputs:  `{"loss_mat": [[1.0, 2.0]], "loss_mask": [[0, 0]]}`,
		outputs: `{"loss": 0.0}`,
	},
	{
		est:     "verl.agg_loss",
		name:    "token_mean_global_count_all_masked",
		why:     "0/5*2 = 0 with a given global token count",
		params:  `{"loss_agg_mode": "token-mean", "dp_size": 2, "batch_num_tokens": 5, "global_batch_size": null, "loss_scale_factor": null}`,
		inputs:  `{"loss_mat": [[1.0, 2.0]], "loss_mask": [[0, 0]]}`,
		outputs: `{"loss": 0.0}`,
	},
	{
		est:     "openrlhf.policy_loss",
		name:    "empty_batch_grad_pattern",
		why:     "masked_mean 0/0: inf*0 = NaN flows back; token 0 (ratio 1, surr1 = surr2 tie) is live -> NaN; token 1 (log ratio 25 outside the +-20 clamp) is cut -> 0",
		params:  `{"clip_eps_low": 0.2, "clip_eps_high": 0.2, "dual_clip": null, "token_level_loss": true, "policy_loss_type": "ppo", "enable_vllm_is_correction": false, "vllm_is_truncated_threshold": null, "vllm_is_correction_type": "tis", "dp_size": 1, "batch_num_tokens": null, "global_batch_size": null}`,
		inputs:  `{"log_probs": [[0.0, 25.0]], "old_log_probs": [[0.0, 0.0]], "advantages": [[1.0, 1.0]], "action_mask": [[0, 0]], "rollout_log_probs": null}`,
		outputs: `{"loss": "NaN", "clip_ratio": "NaN", "ppo_kl": "NaN", "vllm_kl": null, "grad_log_probs": [["NaN", 0.0]]}`,
	},
	{
		est:     "openrlhf.policy_loss",
		name:    "empty_batch_dual_clip_cut",
		why:     "A = -1, dual 3: token 0 min(-1,-1) = -1 > -3 keeps the live branch -> NaN; token 1 ratio e^1.5: min = -4.48 < -3, max picks the constant dual*A -> 0",
		params:  `{"clip_eps_low": 0.2, "clip_eps_high": 0.2, "dual_clip": 3.0, "token_level_loss": true, "policy_loss_type": "ppo", "enable_vllm_is_correction": false, "vllm_is_truncated_threshold": null, "vllm_is_correction_type": "tis", "dp_size": 1, "batch_num_tokens": null, "global_batch_size": null}`,
		inputs:  `{"log_probs": [[0.0, 1.5]], "old_log_probs": [[0.0, 0.0]], "advantages": [[-1.0, -1.0]], "action_mask": [[0, 0]], "rollout_log_probs": null}`,
		outputs: `{"loss": "NaN", "clip_ratio": "NaN", "ppo_kl": "NaN", "vllm_kl": null, "grad_log_probs": [["NaN", 0.0]]}`,
	},
	{
		est:     "openrlhf.policy_loss",
		name:    "empty_batch_gspo_live_row",
		why:     "gspo: ratio = exp(0/1)*0 = 0, A = 1: surr1 = 0 < surr2 = 0.8, the live branch wins -> the whole row NaN",
		params:  `{"clip_eps_low": 0.2, "clip_eps_high": 0.2, "dual_clip": null, "token_level_loss": true, "policy_loss_type": "gspo", "enable_vllm_is_correction": false, "vllm_is_truncated_threshold": null, "vllm_is_correction_type": "tis", "dp_size": 1, "batch_num_tokens": null, "global_batch_size": null}`,
		inputs:  `{"log_probs": [[0.0, 1.5]], "old_log_probs": [[0.0, 0.0]], "advantages": [[1.0, 1.0]], "action_mask": [[0, 0]], "rollout_log_probs": null}`,
		outputs: `{"loss": "NaN", "clip_ratio": "NaN", "ppo_kl": "NaN", "vllm_kl": null, "grad_log_probs": [["NaN", "NaN"]]}`,
	},
	{
		est:     "openrlhf.policy_loss",
		name:    "empty_batch_gspo_cut_row",
		why:     "gspo with A = -1: surr2 = clamp(0, 0.8, 1.2)*-1 = -0.8 < surr1 = -0, the clamped branch wins with the clamp inactive -> the row gets 0",
		params:  `{"clip_eps_low": 0.2, "clip_eps_high": 0.2, "dual_clip": null, "token_level_loss": true, "policy_loss_type": "gspo", "enable_vllm_is_correction": false, "vllm_is_truncated_threshold": null, "vllm_is_correction_type": "tis", "dp_size": 1, "batch_num_tokens": null, "global_batch_size": null}`,
		inputs:  `{"log_probs": [[0.0, 1.5]], "old_log_probs": [[0.0, 0.0]], "advantages": [[-1.0, -1.0]], "action_mask": [[0, 0]], "rollout_log_probs": null}`,
		outputs: `{"loss": "NaN", "clip_ratio": "NaN", "ppo_kl": "NaN", "vllm_kl": null, "grad_log_probs": [[0.0, 0.0]]}`,
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
