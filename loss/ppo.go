package loss

import (
	"fmt"
	"math"

	"github.com/credo-rl/credo/internal/arrays"
)

// PolicyLossVanilla is verl's PPO clipped surrogate with dual clip. Per token,
// with d = clamp(logp - old, -20, 20), r = exp(d), ε_lo/ε_hi = ClipRatioLow/High,
// c = ClipRatioC and w the optional rollout IS weight:
//
//	L1 = -A·r,  L2 = -A·clamp(r, 1-ε_lo, 1+ε_hi),  C1 = max(L1, L2)
//	C2 = min(-A·c, C1)
//	ℓ  = w · (A < 0 ? C2 : C1)
//	pg_loss = agg_loss(ℓ, mask, AggMode, Global)
//
// Metrics (verl masked_mean, Σ x·m/(Σm+1e-8)): pg_clipfrac = mean[L2 > L1],
// ppo_kl = mean[-d] (of the CLAMPED log ratio), pg_clipfrac_lower =
// mean[C1 > -A·c ∧ A < 0].
//
// Gradient (hand-derived, autograd conventions): with ω_bt the aggregation
// weight of token (b,t) (see AggLoss) and ρ = r·[|logp-old| ≤ 20],
//
//	∂L1/∂logp = -A·ρ,  ∂L2/∂logp = -A·ρ·[1-ε_lo ≤ r ≤ 1+ε_hi]
//	∂C1 = ∂ of the larger of L1, L2 (half each on a tie, which is every
//	      unclipped token, where both equal -A·ρ)
//	∂C2 = 0 when the dual clip -A·c is active (C1 > -A·c), else ∂C1
//	∂pg_loss/∂logp_bt = ω_bt · w · ∂ℓ
//
// so the gradient vanishes on clipped tokens, on dual-clipped tokens and
// where |logp-old| > 20.
//
// Papers: "Proximal Policy Optimization Algorithms" (arXiv:1707.06347); dual
// clip: "Mastering Complex Control in MOBA Games with Deep Reinforcement
// Learning" (arXiv:1912.09729).
// Reference: volcengine/verl@b178a3cd56f58b2d502255daba591e92833930a7
// verl/trainer/ppo/core_algos.py::compute_policy_loss_vanilla.
func PolicyLossVanilla(in PolicyBatch, cfg VerlPolicyConfig) (PolicyResult, error) {
	const fn = "verl.policy_loss_vanilla"
	if err := in.validate(fn, true); err != nil {
		return PolicyResult{}, err
	}
	lo, hi, c := cfg.ClipRatioLow, cfg.ClipRatioHigh, cfg.ClipRatioC
	if err := checkClip(fn, lo, hi); err != nil {
		return PolicyResult{}, err
	}
	if !(c > 1) || !arrays.Finite(c) {
		return PolicyResult{}, fmt.Errorf("%s: clip_ratio_c must be > 1.0 for dual-clip PPO, got %v", fn, c)
	}
	agg, err := newVerlAgg(fn, in.ResponseMask, cfg.AggMode, cfg.Global)
	if err != nil {
		return PolicyResult{}, err
	}
	rlo, rhi := 1-lo, 1+hi
	grad := likeZeros(in.LogProb)
	var msum, clipSum, klSum, lowSum float64
	for i, lpRow := range in.LogProb {
		oldRow, advRow, mRow, gRow := in.OldLogProb[i], in.Advantages[i], in.ResponseMask[i], grad[i]
		wRow := in.isRow(i)
		coef := agg.coef(i)
		rs := 0.0
		for t, lp := range lpRow {
			m := mRow[t]
			if m == 0 {
				continue // finite inputs: no loss term, zero gradient
			}
			a := advRow[t]
			d := lp - oldRow[t]
			dc := clamp(d, -20, 20)
			r := math.Exp(dc)
			dr := r * dClamp(d, -20, 20)
			pg1, dpg1 := -a*r, -a*dr
			pg2, dpg2 := -a*clamp(r, rlo, rhi), -a*dr*dClamp(r, rlo, rhi)
			c1, dc1 := fmax(pg1, pg2), dMaximum(pg1, pg2, dpg1, dpg2)
			pg3 := -a * c
			l, dl := c1, dc1
			if a < 0 {
				l, dl = fmin(pg3, c1), dMinimum(pg3, c1, 0, dc1)
			}
			if wRow != nil {
				l, dl = l*wRow[t], dl*wRow[t]
			}
			rs += l * m
			gRow[t] = coef * m * dl
			msum += m
			clipSum += b2f(pg2 > pg1) * m
			klSum += -dc * m
			lowSum += b2f(c1 > pg3 && a < 0) * m
		}
		agg.add(i, rs)
	}
	return PolicyResult{
		Loss:          agg.value(),
		GradLogProb:   grad,
		ClipFrac:      maskedMeanVerl(clipSum, msum),
		PPOKL:         maskedMeanVerl(klSum, msum),
		ClipFracLower: maskedMeanVerl(lowSum, msum),
	}, nil
}

// OpenRLHFPolicyBatch holds the inputs of OpenRLHF's PolicyLoss.forward.
type OpenRLHFPolicyBatch struct {
	// LogProbs are the current log-probabilities (gradients are w.r.t. them).
	LogProbs [][]float64
	// OldLogProbs are the log-probabilities at experience time.
	OldLogProbs [][]float64
	// Advantages are per-token advantages.
	Advantages [][]float64
	// ActionMask marks the action tokens.
	ActionMask [][]float64
	// RolloutLogProbs are the inference engine's log-probabilities, needed by
	// the vLLM IS correction (nil = absent).
	RolloutLogProbs [][]float64
}

// OpenRLHF policy loss types and vLLM IS correction types.
const (
	OpenRLHFPPO  = "ppo"
	OpenRLHFGSPO = "gspo"

	VLLMISTIS        = "tis"
	VLLMISIcePop     = "icepop"
	VLLMISSeqMaskTIS = "seq-mask-tis"
)

// OpenRLHFPolicyOptions are the constructor and forward arguments of
// OpenRLHF's PolicyLoss.
type OpenRLHFPolicyOptions struct {
	// ClipEpsLow and ClipEpsHigh bound the ratio to [1-low, 1+high] (defaults 0.2).
	ClipEpsLow, ClipEpsHigh float64
	// DualClip is the dual-clip constant (0 = None; must be > 1 when set).
	DualClip float64
	// TokenLevelLoss selects token-level aggregation (default true; GSPO
	// forces sequence level).
	TokenLevelLoss bool
	// PolicyLossType is "ppo" (default) or "gspo".
	PolicyLossType string
	// EnableVLLMISCorrection enables the rollout (vLLM) IS correction.
	EnableVLLMISCorrection bool
	// VLLMISTruncatedThreshold is [low, high] (CLI default [0.5, 5.0]).
	VLLMISTruncatedThreshold [2]float64
	// VLLMISCorrectionType is "tis" (default), "icepop" or "seq-mask-tis".
	VLLMISCorrectionType string
	// DPSize, BatchNumTokens and GlobalBatchSize are the global-batch
	// arguments of aggregate_loss (0 = absent).
	DPSize                          int
	BatchNumTokens, GlobalBatchSize float64
}

// DefaultOpenRLHFPolicyOptions returns OpenRLHF's defaults.
func DefaultOpenRLHFPolicyOptions() OpenRLHFPolicyOptions {
	return OpenRLHFPolicyOptions{
		ClipEpsLow: 0.2, ClipEpsHigh: 0.2, TokenLevelLoss: true,
		PolicyLossType: OpenRLHFPPO, VLLMISCorrectionType: VLLMISTIS,
		VLLMISTruncatedThreshold: [2]float64{0.5, 5.0},
	}
}

// OpenRLHFPolicyResult is what OpenRLHF's PolicyLoss returns, plus the gradient.
type OpenRLHFPolicyResult struct {
	Loss      float64
	ClipRatio float64
	PPOKL     float64
	// VLLMKL is nil (None) unless the vLLM IS correction ran (ppo only).
	VLLMKL *float64
	// GradLogProbs[b][t] = ∂Loss/∂LogProbs[b][t].
	GradLogProbs [][]float64
}

// OpenRLHFPolicyLoss is OpenRLHF's PolicyLoss.forward.
//
// ppo: r = exp(clamp(logp - old, -20, 20)). gspo: with base = rollout if the
// vLLM correction is enabled, else old, r_bt = exp(Σ_t m·(logp-base) /
// max(Σ_t m, 1)) · m_bt (one sequence ratio, masked, differentiated through
// every token of the row: no straight-through), and the aggregation is forced
// to sequence level. Then
//
//	s1 = r·A,  s2 = clamp(r, 1-low, 1+high)·A
//	ℓ = -min(s1, s2)                                  (DualClip = 0)
//	ℓ = -(A < 0 ? max(min(s1, s2), DualClip·A) : min(s1, s2))
//
// vLLM IS correction (ppo only), with v = exp(old - rollout) as a constant:
// tis ℓ·=clamp(v, low, high); icepop ℓ·=v·[low ≤ v ≤ high]; seq-mask-tis
// ℓ·=v·[low ≤ exp(masked_mean_t(old - rollout)) ≤ high] (the token weight is
// NOT clamped). loss = aggregate_loss(ℓ) (see AggregateLossOpenRLHF).
// Metrics (masked_mean, no epsilon): clip_ratio = mean[s2 < s1], ppo_kl =
// mean[old - logp] (unclamped), vllm_kl = mean[rollout - old] (ppo with
// correction only, else nil). A batch without any valid token yields NaN for
// the loss and the metrics, like the reference (its masked means have no
// epsilon), and the reference's gradient pattern: autograd multiplies
// 1/0 = inf by the zero mask, so every token whose path to log_probs is
// live gets NaN, while a token whose path is cut by a selection (a clamp
// outside its range, the branch min/max/where did not pick) gets exactly 0
// (see openrlhfEmptyGrad).
//
// Gradient: ∂ℓ/∂r follows the min/max/clamp conventions (half each on ties,
// zero on clipped or dual-clipped tokens); ppo: ∂r/∂logp = r·[|logp-old| ≤ 20];
// gspo: ∂r_bt'/∂logp_bt = R_b·m_bt'·m_bt/max(L_b,1) with R_b the sequence
// ratio, so ∂loss/∂logp_bt = R_b·m_bt/max(L_b,1) · Σ_t' ω_bt'·m_bt'·∂ℓ_bt'/∂r.
//
// Papers: PPO (arXiv:1707.06347), dual clip (arXiv:1912.09729), GSPO "Group
// Sequence Policy Optimization" (arXiv:2507.18071), TIS "Your Efficient RL
// Framework Secretly Brings You Off-Policy RL Training" (F. Yao et al., 2025 blog).
// Reference: OpenRLHF/OpenRLHF@3c3be6234e0cb353e76bb8019947db9dfe99fca7
// openrlhf/models/loss.py::PolicyLoss.forward.
func OpenRLHFPolicyLoss(in OpenRLHFPolicyBatch, o OpenRLHFPolicyOptions) (OpenRLHFPolicyResult, error) {
	const fn = "openrlhf.policy_loss"
	var res OpenRLHFPolicyResult
	if err := checkFinite(fn, "log_probs", in.LogProbs); err != nil {
		return res, err
	}
	for _, x := range []struct {
		name string
		v    [][]float64
	}{{"old_log_probs", in.OldLogProbs}, {"advantages", in.Advantages}} {
		if err := checkLike(fn, x.name, x.v, "log_probs", in.LogProbs); err != nil {
			return res, err
		}
		if err := checkFinite(fn, x.name, x.v); err != nil {
			return res, err
		}
	}
	if err := checkLike(fn, "action_mask", in.ActionMask, "log_probs", in.LogProbs); err != nil {
		return res, err
	}
	if err := checkMask(fn, "action_mask", in.ActionMask); err != nil {
		return res, err
	}
	switch o.VLLMISCorrectionType {
	case VLLMISTIS, VLLMISIcePop, VLLMISSeqMaskTIS:
	default:
		return res, fmt.Errorf("%s: invalid vllm_is_correction_type %q, must be one of tis/icepop/seq-mask-tis", fn, o.VLLMISCorrectionType)
	}
	if o.DualClip != 0 && !(o.DualClip > 1) {
		return res, fmt.Errorf("%s: dual_clip must be > 1.0, got %v", fn, o.DualClip)
	}
	if err := checkClip(fn, o.ClipEpsLow, o.ClipEpsHigh); err != nil {
		return res, err
	}
	gspo := false
	switch o.PolicyLossType {
	case OpenRLHFPPO:
	case OpenRLHFGSPO:
		gspo = true
	default:
		return res, fmt.Errorf("%s: invalid policy loss type %q", fn, o.PolicyLossType)
	}
	if o.EnableVLLMISCorrection {
		if err := checkLike(fn, "rollout_log_probs", in.RolloutLogProbs, "log_probs", in.LogProbs); err != nil {
			return res, err
		}
		if err := checkFinite(fn, "rollout_log_probs", in.RolloutLogProbs); err != nil {
			return res, err
		}
	}
	ao := OpenRLHFAggOptions{TokenLevelLoss: o.TokenLevelLoss && !gspo, DPSize: o.DPSize,
		BatchNumTokens: o.BatchNumTokens, GlobalBatchSize: o.GlobalBatchSize}
	agg, err := newOpenRLHFAgg(fn, in.ActionMask, ao)
	if err != nil {
		return res, err
	}
	isOn := o.EnableVLLMISCorrection && !gspo
	low, high := o.VLLMISTruncatedThreshold[0], o.VLLMISTruncatedThreshold[1]
	rlo, rhi := 1-o.ClipEpsLow, 1+o.ClipEpsHigh
	dual := o.DualClip

	grad := likeZeros(in.LogProbs)
	var msum, clipSum, klSum, vkSum float64
	for i, lpRow := range in.LogProbs {
		oldRow, advRow, mRow, gRow := in.OldLogProbs[i], in.Advantages[i], in.ActionMask[i], grad[i]
		var rollRow []float64
		if in.RolloutLogProbs != nil {
			rollRow = in.RolloutLogProbs[i]
		}
		coef := agg.coef(i)
		// Sequence-level quantities: GSPO's ratio and seq-mask-tis's filter.
		var seqR, seqLen float64
		seqKeep := 1.0
		if gspo || (isOn && o.VLLMISCorrectionType == VLLMISSeqMaskTIS) {
			var sLR, sM, sRoll float64
			for t, lp := range lpRow {
				m := mRow[t]
				sM += m
				if gspo {
					base := oldRow[t]
					if o.EnableVLLMISCorrection {
						base = rollRow[t]
					}
					sLR += (lp - base) * m
				}
				if isOn {
					sRoll += (oldRow[t] - rollRow[t]) * m
				}
			}
			seqLen = fmax(sM, 1)
			seqR = math.Exp(sLR / seqLen)
			if isOn {
				v := math.Exp(sRoll / sM) // 0/0 = NaN for an empty row: filtered out
				seqKeep = b2f(v >= low && v <= high)
			}
		}
		rs, gR := 0.0, 0.0
		for t, lp := range lpRow {
			m := mRow[t]
			if m == 0 {
				continue // finite inputs: no loss term, zero gradient
			}
			a := advRow[t]
			raw := lp - oldRow[t]
			var r, dr float64 // ratio and ∂ratio/∂logp (ppo) or ∂ratio/∂R (gspo)
			if gspo {
				r, dr = seqR*m, m
			} else {
				dc := clamp(raw, -20, 20)
				r = math.Exp(dc)
				dr = r * dClamp(raw, -20, 20)
			}
			s1, ds1 := r*a, dr*a
			s2, ds2 := clamp(r, rlo, rhi)*a, dClamp(r, rlo, rhi)*dr*a
			c1, dc1 := fmin(s1, s2), dMinimum(s1, s2, ds1, ds2)
			l, dl := -c1, -dc1
			if dual != 0 && a < 0 {
				l, dl = -fmax(c1, dual*a), -dMaximum(c1, dual*a, dc1, 0)
			}
			if isOn {
				lr := oldRow[t] - rollRow[t]
				v := math.Exp(lr)
				var is float64
				switch o.VLLMISCorrectionType {
				case VLLMISIcePop:
					is = v * b2f(v >= low && v <= high)
				case VLLMISSeqMaskTIS:
					is = seqKeep * v
				default:
					is = clamp(v, low, high)
				}
				l, dl = is*l, is*dl
				vkSum += -lr * m
			}
			rs += l * m
			if gspo {
				gR += coef * m * dl
			} else {
				gRow[t] = coef * m * dl
			}
			msum += m
			clipSum += b2f(s2 < s1) * m
			klSum += -raw * m
		}
		agg.add(i, rs)
		if gspo {
			k := gR * seqR / seqLen
			for t, m := range mRow {
				gRow[t] = k * m
			}
		}
	}
	if agg.den == 0 {
		openrlhfEmptyGrad(grad, in, o, gspo)
	}
	res.Loss = agg.value()
	res.ClipRatio = clipSum / msum
	res.PPOKL = klSum / msum
	if isOn {
		v := vkSum / msum
		res.VLLMKL = &v
	}
	res.GradLogProbs = grad
	return res, nil
}

// openrlhfEmptyGrad writes the reference's gradient for a batch without any
// valid token (the aggregation divides by a zero count). Autograd then sends
// inf·m = NaN into every position of the per-token loss; multiplications
// (by the advantage, the mask, the detached IS weights) keep it NaN, while
// the selection ops zero it where they do not pass the gradient: clamp
// outside [min, max] (the ±20 log-ratio clamp, the ratio clip), the branch
// not selected by torch.min/torch.max (a tie passes half of NaN: NaN), and
// the branch not selected by torch.where of the dual clip. So a token gets
// NaN when its path to log_probs is live and 0 when it is cut. For GSPO the
// sequence ratio couples the tokens of a row: every token of the row gets
// NaN when any token of the row is live (through sum(log_ratio·mask)·mask,
// NaN·0 = NaN), 0 otherwise.
func openrlhfEmptyGrad(grad [][]float64, in OpenRLHFPolicyBatch, o OpenRLHFPolicyOptions, gspo bool) {
	nan := math.NaN()
	rlo, rhi := 1-o.ClipEpsLow, 1+o.ClipEpsHigh
	for i, lpRow := range in.LogProbs {
		oldRow, advRow, mRow := in.OldLogProbs[i], in.Advantages[i], in.ActionMask[i]
		seqR := 1.0
		if gspo {
			// Σ m·log_ratio / max(Σ m, 1) with an all-zero mask row.
			var sLR, sM float64
			for t, lp := range lpRow {
				base := oldRow[t]
				if o.EnableVLLMISCorrection {
					base = in.RolloutLogProbs[i][t]
				}
				sLR += (lp - base) * mRow[t]
				sM += mRow[t]
			}
			seqR = math.Exp(sLR / fmax(sM, 1))
		}
		rowLive := false
		for t, lp := range lpRow {
			var r float64
			pathLive := true
			if gspo {
				r = seqR * mRow[t]
			} else {
				raw := lp - oldRow[t]
				r = math.Exp(clamp(raw, -20, 20))
				pathLive = dClamp(raw, -20, 20) == 1
			}
			live := pathLive && openrlhfTokenLive(r, advRow[t], rlo, rhi, o.DualClip)
			if gspo {
				rowLive = rowLive || live
				continue
			}
			if live {
				grad[i][t] = nan
			} else {
				grad[i][t] = 0
			}
		}
		if gspo {
			v := 0.0
			if rowLive {
				v = nan
			}
			for t := range grad[i] {
				grad[i][t] = v
			}
		}
	}
}

// openrlhfTokenLive reports whether the gradient of one token's loss
// -min(s1, s2) (or its dual-clip form) reaches the ratio r through the
// selections, with s1 = r·a and s2 = clamp(r, lo, hi)·a.
func openrlhfTokenLive(r, a, lo, hi, dual float64) bool {
	s1 := r * a
	s2 := clamp(r, lo, hi) * a
	c1, c1Live := s1, true
	switch {
	case s2 < s1:
		c1, c1Live = s2, r >= lo && r <= hi
	case s1 == s2:
		c1Live = true // half to each branch; s1's half is NaN
	}
	if dual != 0 && a < 0 {
		// max(c1, dual·a): the constant branch cuts the path when it wins.
		return c1Live && !(dual*a > c1)
	}
	return c1Live
}
