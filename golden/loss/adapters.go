package lossgolden

import (
	"fmt"

	"github.com/credo-rl/credo/golden"
	"github.com/credo-rl/credo/loss"
)

func init() {
	golden.Register("verl.agg_loss", aggLoss)
	golden.Register("verl.kl_penalty", klPenalty)
	golden.Register("verl.value_loss", valueLoss)
	for name, f := range map[string]loss.PolicyLossFunc{
		"verl.policy_loss_vanilla":  loss.PolicyLossVanilla,
		"verl.policy_loss_cispo":    loss.PolicyLossCISPO,
		"verl.policy_loss_clip_cov": loss.PolicyLossClipCov,
		"verl.policy_loss_geo_mean": loss.PolicyLossGeoMean,
		"verl.policy_loss_gpg":      loss.PolicyLossGPG,
		"verl.policy_loss_gspo":     loss.PolicyLossGSPO,
		"verl.policy_loss_kl_cov":   loss.PolicyLossKLCov,
		"verl.policy_loss_sapo":     loss.PolicyLossSAPO,
	} {
		golden.Register(name, verlPolicy(f))
	}
	golden.Register("openrlhf.policy_loss", openrlhfPolicy)
	golden.Register("openrlhf.compute_approx_kl", approxKL)
}

// matrices decodes the named [B][T] inputs in order.
func matrices(c *golden.Case, keys ...string) ([][][]float64, error) {
	out := make([][][]float64, len(keys))
	for i, k := range keys {
		m, err := c.Matrix(k)
		if err != nil {
			return nil, err
		}
		out[i] = m
	}
	return out, nil
}

// globalInfo reads verl's global_batch_info fields, either from a nested
// "global_batch_info" object or from top-level parameters.
func globalInfo(c *golden.Case) (loss.GlobalBatchInfo, error) {
	fields := map[string]*golden.Num{}
	if _, err := c.Decode("global_batch_info", &fields); err != nil {
		return loss.GlobalBatchInfo{}, err
	}
	get := func(k string) (float64, error) {
		if v, ok := fields[k]; ok && v != nil {
			return float64(*v), nil
		}
		return c.Float(k, 0)
	}
	var g loss.GlobalBatchInfo
	dp, err := get("dp_size")
	if err != nil {
		return g, err
	}
	g.DPSize = int(dp)
	if g.BatchNumTokens, err = get("batch_num_tokens"); err != nil {
		return g, err
	}
	if g.GlobalBatchSize, err = get("global_batch_size"); err != nil {
		return g, err
	}
	if g.LossScaleFactor, err = get("loss_scale_factor"); err != nil {
		return g, err
	}
	return g, nil
}

func aggMode(c *golden.Case) (loss.AggMode, error) {
	s, err := c.String("loss_agg_mode", string(loss.TokenMean))
	if err != nil {
		return "", err
	}
	return loss.ParseAggMode(s)
}

func aggLoss(c *golden.Case) (golden.Outputs, error) {
	m, err := matrices(c, "loss_mat", "loss_mask")
	if err != nil {
		return nil, err
	}
	mode, err := aggMode(c)
	if err != nil {
		return nil, err
	}
	g, err := globalInfo(c)
	if err != nil {
		return nil, err
	}
	v, _, err := loss.AggLoss(m[0], m[1], mode, g)
	if err != nil {
		return nil, err
	}
	return golden.Outputs{"loss": v}, nil
}

func klPenalty(c *golden.Case) (golden.Outputs, error) {
	m, err := matrices(c, "logprob", "ref_logprob")
	if err != nil {
		return nil, err
	}
	mode, err := c.String("kl_penalty", "kl")
	if err != nil {
		return nil, err
	}
	r, err := loss.KLPenalty(m[0], m[1], mode, loss.KLPenaltyOptions{})
	if err != nil {
		return nil, err
	}
	return golden.Outputs{"kl": r.KL, "grad_logprob": r.Grad}, nil
}

func valueLoss(c *golden.Case) (golden.Outputs, error) {
	m, err := matrices(c, "vpreds", "returns", "values", "response_mask")
	if err != nil {
		return nil, err
	}
	o := loss.DefaultValueLossOptions()
	if o.CliprangeValue, err = c.Float("cliprange_value", o.CliprangeValue); err != nil {
		return nil, err
	}
	if o.AggMode, err = aggMode(c); err != nil {
		return nil, err
	}
	r, err := loss.ValueLoss(m[0], m[1], m[2], m[3], o)
	if err != nil {
		return nil, err
	}
	return golden.Outputs{"vf_loss": r.Loss, "vf_clipfrac": r.ClipFrac, "grad_vpreds": r.GradVPreds}, nil
}

// verlConfig builds the actor config of a verl policy-loss case.
func verlConfig(c *golden.Case) (loss.VerlPolicyConfig, error) {
	cfg := loss.DefaultVerlPolicyConfig()
	var err error
	clip, err := c.Float("clip_ratio", 0.2)
	if err != nil {
		return cfg, err
	}
	floats := []struct {
		key string
		dst *float64
		def float64
	}{
		{"clip_ratio_low", &cfg.ClipRatioLow, clip},
		{"clip_ratio_high", &cfg.ClipRatioHigh, clip},
		{"clip_ratio_c", &cfg.ClipRatioC, cfg.ClipRatioC},
		{"tau_pos", &cfg.TauPos, cfg.TauPos},
		{"tau_neg", &cfg.TauNeg, cfg.TauNeg},
		{"policy_loss.clip_cov_ratio", &cfg.ClipCovRatio, cfg.ClipCovRatio},
		{"policy_loss.clip_cov_lb", &cfg.ClipCovLB, cfg.ClipCovLB},
		{"policy_loss.clip_cov_ub", &cfg.ClipCovUB, cfg.ClipCovUB},
		{"policy_loss.kl_cov_ratio", &cfg.KLCovRatio, cfg.KLCovRatio},
		{"policy_loss.ppo_kl_coef", &cfg.PPOKLCoef, cfg.PPOKLCoef},
	}
	for _, f := range floats {
		if *f.dst, err = c.Float(f.key, f.def); err != nil {
			return cfg, err
		}
	}
	if cfg.AggMode, err = aggMode(c); err != nil {
		return cfg, err
	}
	if cfg.Global, err = globalInfo(c); err != nil {
		return cfg, err
	}
	return cfg, nil
}

func verlPolicy(f loss.PolicyLossFunc) golden.Func {
	return func(c *golden.Case) (golden.Outputs, error) {
		m, err := matrices(c, "old_log_prob", "log_prob", "advantages", "response_mask", "rollout_is_weights")
		if err != nil {
			return nil, err
		}
		cfg, err := verlConfig(c)
		if err != nil {
			return nil, err
		}
		r, err := f(loss.PolicyBatch{OldLogProb: m[0], LogProb: m[1], Advantages: m[2], ResponseMask: m[3], RolloutISWeights: m[4]}, cfg)
		if err != nil {
			return nil, err
		}
		return golden.Outputs{
			"pg_loss":           r.Loss,
			"grad_log_prob":     r.GradLogProb,
			"pg_clipfrac":       r.ClipFrac,
			"ppo_kl":            r.PPOKL,
			"pg_clipfrac_lower": r.ClipFracLower,
		}, nil
	}
}

func openrlhfPolicy(c *golden.Case) (golden.Outputs, error) {
	m, err := matrices(c, "log_probs", "old_log_probs", "advantages", "action_mask", "rollout_log_probs")
	if err != nil {
		return nil, err
	}
	o := loss.DefaultOpenRLHFPolicyOptions()
	for _, f := range []struct {
		key string
		dst *float64
	}{
		{"clip_eps_low", &o.ClipEpsLow}, {"clip_eps_high", &o.ClipEpsHigh}, {"dual_clip", &o.DualClip},
		{"batch_num_tokens", &o.BatchNumTokens}, {"global_batch_size", &o.GlobalBatchSize},
	} {
		if *f.dst, err = c.Float(f.key, *f.dst); err != nil {
			return nil, err
		}
	}
	if o.DPSize, err = c.Int("dp_size", 1); err != nil {
		return nil, err
	}
	if o.TokenLevelLoss, err = c.Bool("token_level_loss", o.TokenLevelLoss); err != nil {
		return nil, err
	}
	if o.EnableVLLMISCorrection, err = c.Bool("enable_vllm_is_correction", false); err != nil {
		return nil, err
	}
	if o.PolicyLossType, err = c.String("policy_loss_type", o.PolicyLossType); err != nil {
		return nil, err
	}
	if o.VLLMISCorrectionType, err = c.String("vllm_is_correction_type", o.VLLMISCorrectionType); err != nil {
		return nil, err
	}
	th, err := c.Vector("vllm_is_truncated_threshold")
	if err != nil {
		return nil, err
	}
	switch {
	case th == nil && o.EnableVLLMISCorrection:
		return nil, fmt.Errorf("openrlhf.policy_loss: vllm_is_truncated_threshold is required with the vLLM IS correction")
	case th != nil && len(th) != 2:
		return nil, fmt.Errorf("openrlhf.policy_loss: vllm_is_truncated_threshold has %d values, want 2", len(th))
	case th != nil:
		o.VLLMISTruncatedThreshold = [2]float64{th[0], th[1]}
	}
	r, err := loss.OpenRLHFPolicyLoss(loss.OpenRLHFPolicyBatch{
		LogProbs: m[0], OldLogProbs: m[1], Advantages: m[2], ActionMask: m[3], RolloutLogProbs: m[4],
	}, o)
	if err != nil {
		return nil, err
	}
	return golden.Outputs{
		"loss":           r.Loss,
		"clip_ratio":     r.ClipRatio,
		"ppo_kl":         r.PPOKL,
		"vllm_kl":        r.VLLMKL,
		"grad_log_probs": r.GradLogProbs,
	}, nil
}

func approxKL(c *golden.Case) (golden.Outputs, error) {
	m, err := matrices(c, "log_probs", "log_probs_base")
	if err != nil {
		return nil, err
	}
	est, err := c.String("kl_estimator", "k1")
	if err != nil {
		return nil, err
	}
	r, err := loss.ApproxKL(m[0], m[1], est)
	if err != nil {
		return nil, err
	}
	return golden.Outputs{"kl": r.KL, "grad_logprob": r.Grad}, nil
}
