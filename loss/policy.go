package loss

import (
	"fmt"
	"sort"

	"github.com/credo-rl/credo/internal/arrays"
)

// PolicyBatch holds the per-token tensors every verl policy loss takes
// (verl's PolicyLossFn arguments). All matrices share the row lengths of
// LogProb.
type PolicyBatch struct {
	// OldLogProb is log π_old of the sampled tokens (the behaviour policy).
	OldLogProb [][]float64
	// LogProb is log π_θ of the sampled tokens; gradients are taken w.r.t. it.
	LogProb [][]float64
	// Advantages are the per-token advantages.
	Advantages [][]float64
	// ResponseMask marks the tokens that enter the loss (0/1 or weights).
	ResponseMask [][]float64
	// RolloutISWeights are optional rollout-correction importance weights
	// multiplied into the per-token loss (nil = absent). They are constants.
	RolloutISWeights [][]float64
}

// PolicyResult is what a verl policy loss returns.
type PolicyResult struct {
	// Loss is pg_loss.
	Loss float64
	// GradLogProb[b][t] = ∂Loss/∂LogProb[b][t] (PyTorch autograd semantics).
	GradLogProb [][]float64
	// ClipFrac is actor/pg_clipfrac (0 when the loss does not report it).
	ClipFrac float64
	// PPOKL is actor/ppo_kl (0 when the loss does not report it).
	PPOKL float64
	// ClipFracLower is actor/pg_clipfrac_lower (0 when not reported).
	ClipFracLower float64
}

// VerlPolicyConfig gathers the fields of verl's ActorConfig that the policy
// losses read. Every loss reads only the fields it documents.
type VerlPolicyConfig struct {
	// ClipRatioLow and ClipRatioHigh are ε_low and ε_high of the PPO clip
	// [1-ε_low, 1+ε_high] (verl: clip_ratio_low/high, falling back to clip_ratio = 0.2).
	ClipRatioLow, ClipRatioHigh float64
	// ClipRatioC is the dual-clip constant c of vanilla PPO (default 3.0, must be > 1).
	ClipRatioC float64
	// AggMode is loss_agg_mode (default token-mean; empty also means
	// token-mean). GSPO and SAPO force seq-mean-token-mean; geo_mean ignores it.
	AggMode AggMode
	// Global is config.global_batch_info.
	Global GlobalBatchInfo
	// TauPos and TauNeg are SAPO's gate temperatures (defaults 1.0 and 1.05).
	TauPos, TauNeg float64
	// ClipCovRatio, ClipCovLB and ClipCovUB configure Clip-Cov
	// (policy_loss.clip_cov_ratio/lb/ub; defaults 0.0002, 1.0, 5.0).
	ClipCovRatio, ClipCovLB, ClipCovUB float64
	// KLCovRatio and PPOKLCoef configure KL-Cov
	// (policy_loss.kl_cov_ratio/ppo_kl_coef; defaults 0.0002, 1.0).
	KLCovRatio, PPOKLCoef float64
	// Seed seeds Clip-Cov's random choice among more candidates than it may
	// select (the reference uses torch.randperm; see PolicyLossClipCov).
	Seed uint64
}

// DefaultVerlPolicyConfig returns verl's actor defaults.
func DefaultVerlPolicyConfig() VerlPolicyConfig {
	return VerlPolicyConfig{
		ClipRatioLow: 0.2, ClipRatioHigh: 0.2, ClipRatioC: 3.0,
		AggMode: TokenMean,
		TauPos:  1.0, TauNeg: 1.05,
		ClipCovRatio: 0.0002, ClipCovLB: 1.0, ClipCovUB: 5.0,
		KLCovRatio: 0.0002, PPOKLCoef: 1.0,
	}
}

// PolicyLossFunc is the common signature of the verl policy losses.
type PolicyLossFunc func(b PolicyBatch, cfg VerlPolicyConfig) (PolicyResult, error)

var policyLosses = map[string]PolicyLossFunc{
	"vanilla":  PolicyLossVanilla,
	"gspo":     PolicyLossGSPO,
	"sapo":     PolicyLossSAPO,
	"gpg":      PolicyLossGPG,
	"cispo":    PolicyLossCISPO,
	"geo_mean": PolicyLossGeoMean,
	"clip_cov": PolicyLossClipCov,
	"kl_cov":   PolicyLossKLCov,
}

// GetPolicyLoss returns the loss registered under verl's loss_mode name
// (like verl's get_policy_loss_fn).
func GetPolicyLoss(name string) (PolicyLossFunc, error) {
	if f, ok := policyLosses[name]; ok {
		return f, nil
	}
	return nil, fmt.Errorf("verl: unsupported loss mode %q (supported: %v)", name, PolicyLossNames())
}

// PolicyLossNames lists the registered loss modes in order.
func PolicyLossNames() []string {
	out := make([]string, 0, len(policyLosses))
	for k := range policyLosses {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// validate checks the shapes and values of a batch. needOld is false for
// losses that never read OldLogProb (GPG).
func (b *PolicyBatch) validate(fn string, needOld bool) error {
	if err := checkFinite(fn, "log_prob", b.LogProb); err != nil {
		return err
	}
	if needOld {
		if err := checkLike(fn, "old_log_prob", b.OldLogProb, "log_prob", b.LogProb); err != nil {
			return err
		}
		if err := checkFinite(fn, "old_log_prob", b.OldLogProb); err != nil {
			return err
		}
	}
	if err := checkLike(fn, "advantages", b.Advantages, "log_prob", b.LogProb); err != nil {
		return err
	}
	if err := checkFinite(fn, "advantages", b.Advantages); err != nil {
		return err
	}
	if err := checkLike(fn, "response_mask", b.ResponseMask, "log_prob", b.LogProb); err != nil {
		return err
	}
	if err := checkMask(fn, "response_mask", b.ResponseMask); err != nil {
		return err
	}
	if b.RolloutISWeights != nil {
		if err := checkLike(fn, "rollout_is_weights", b.RolloutISWeights, "log_prob", b.LogProb); err != nil {
			return err
		}
		if err := checkFinite(fn, "rollout_is_weights", b.RolloutISWeights); err != nil {
			return err
		}
	}
	return nil
}

// isRow returns the rollout IS weights of row i, or nil.
func (b *PolicyBatch) isRow(i int) []float64 {
	if b.RolloutISWeights == nil {
		return nil
	}
	return b.RolloutISWeights[i]
}

// checkClip validates ε_low and ε_high.
func checkClip(fn string, lo, hi float64) error {
	if !arrays.Finite(lo) || !arrays.Finite(hi) || lo < 0 || hi < 0 {
		return fmt.Errorf("%s: clip_ratio_low=%v and clip_ratio_high=%v must be finite and >= 0", fn, lo, hi)
	}
	return nil
}
