package loss

import "math"

// PolicyLossCISPO is verl's Clipped IS-weight Policy Optimization loss: the
// importance weight is clipped and DETACHED, and the gradient flows only
// through log π. Per token, with r = exp(clamp(logp - old, -20, 20)):
//
//	ℓ = -w · sg(clamp(r, 1-ε_lo, 1+ε_hi)) · A · logp
//	pg_loss = agg_loss(ℓ, mask, AggMode, Global)
//
// Metrics: pg_clipfrac = masked_mean[r ≠ clamp(r)], ppo_kl =
// masked_mean[-clamp(logp - old, ±20)], pg_clipfrac_lower = 0.
//
// Gradient (the clipped weight is a constant, so no token is ever zeroed):
//
//	∂pg_loss/∂logp_bt = -ω_bt · w · clamp(r, 1-ε_lo, 1+ε_hi) · A.
//
// Paper: "MiniMax-M1: Scaling Test-Time Compute Efficiently with Lightning
// Attention" (arXiv:2506.13585).
// Reference: volcengine/verl@b178a3cd56f58b2d502255daba591e92833930a7
// verl/trainer/ppo/core_algos.py::compute_policy_loss_cispo.
func PolicyLossCISPO(in PolicyBatch, cfg VerlPolicyConfig) (PolicyResult, error) {
	const fn = "verl.policy_loss_cispo"
	if err := in.validate(fn, true); err != nil {
		return PolicyResult{}, err
	}
	if err := checkClip(fn, cfg.ClipRatioLow, cfg.ClipRatioHigh); err != nil {
		return PolicyResult{}, err
	}
	agg, err := newVerlAgg(fn, in.ResponseMask, cfg.AggMode, cfg.Global)
	if err != nil {
		return PolicyResult{}, err
	}
	rlo, rhi := 1-cfg.ClipRatioLow, 1+cfg.ClipRatioHigh
	grad := likeZeros(in.LogProb)
	var msum, clipSum, klSum float64
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
			dc := clamp(lp-oldRow[t], -20, 20)
			r := math.Exp(dc)
			rc := clamp(r, rlo, rhi)
			l, dl := -rc*a*lp, -rc*a
			if wRow != nil {
				l, dl = l*wRow[t], dl*wRow[t]
			}
			rs += l * m
			gRow[t] = coef * m * dl
			msum += m
			clipSum += b2f(r != rc) * m
			klSum += -dc * m
		}
		agg.add(i, rs)
	}
	return PolicyResult{
		Loss:        agg.value(),
		GradLogProb: grad,
		ClipFrac:    maskedMeanVerl(clipSum, msum),
		PPOKL:       maskedMeanVerl(klSum, msum),
	}, nil
}
