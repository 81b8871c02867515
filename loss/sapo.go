package loss

import (
	"fmt"
	"math"

	"github.com/credo-rl/credo/internal/arrays"
)

// PolicyLossSAPO is verl's Soft Adaptive Policy Optimization loss: a smooth
// sigmoid gate replaces the hard PPO clip. Per token, with
// r = exp(clamp(logp - old, -20, 20)) and τ = TauPos if A > 0 else TauNeg:
//
//	gate = σ(τ·(r - 1)) · 4/τ
//	ℓ    = -w · gate · A
//	pg_loss = agg_loss(ℓ, mask, seq-mean-token-mean, Global)   (loss_agg_mode is IGNORED)
//
// Metrics: ppo_kl = masked_mean[-clamp(logp - old, ±20)]; pg_clipfrac and
// pg_clipfrac_lower are reported as 0.
//
// Gradient: ∂gate/∂r = 4·σ(1-σ) (τ cancels), ∂r/∂logp = r·[|logp-old| ≤ 20]:
//
//	∂pg_loss/∂logp_bt = -ω_bt · w · A · 4σ(1-σ) · r · [|logp-old| ≤ 20].
//
// Paper: "Soft Adaptive Policy Optimization" (arXiv:2511.20347).
// Reference: volcengine/verl@b178a3cd56f58b2d502255daba591e92833930a7
// verl/trainer/ppo/core_algos.py::compute_policy_loss_sapo.
func PolicyLossSAPO(in PolicyBatch, cfg VerlPolicyConfig) (PolicyResult, error) {
	const fn = "verl.policy_loss_sapo"
	if err := in.validate(fn, true); err != nil {
		return PolicyResult{}, err
	}
	if !(cfg.TauPos > 0) || !(cfg.TauNeg > 0) || !arrays.Finite(cfg.TauPos) || !arrays.Finite(cfg.TauNeg) {
		return PolicyResult{}, fmt.Errorf("%s: tau_pos=%v and tau_neg=%v must be finite and > 0", fn, cfg.TauPos, cfg.TauNeg)
	}
	agg, err := newVerlAgg(fn, in.ResponseMask, SeqMeanTokenMean, cfg.Global)
	if err != nil {
		return PolicyResult{}, err
	}
	grad := likeZeros(in.LogProb)
	var msum, klSum float64
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
			tau := cfg.TauNeg
			if a > 0 {
				tau = cfg.TauPos
			}
			sg := 1 / (1 + math.Exp(-tau*(r-1)))
			l := -sg * (4 / tau) * a
			dl := -a * 4 * sg * (1 - sg) * r * dClamp(d, -20, 20)
			if wRow != nil {
				l, dl = l*wRow[t], dl*wRow[t]
			}
			rs += l * m
			gRow[t] = coef * m * dl
			msum += m
			klSum += -dc * m
		}
		agg.add(i, rs)
	}
	return PolicyResult{
		Loss:        agg.value(),
		GradLogProb: grad,
		PPOKL:       maskedMeanVerl(klSum, msum),
	}, nil
}
