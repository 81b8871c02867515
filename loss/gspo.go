package loss

import "math"

// PolicyLossGSPO is verl's Group Sequence Policy Optimization loss. Per row b
// with L_b = Σ_t m_bt:
//
//	s_b      = Σ_t m·(logp - old) / max(L_b, 1)                 (sequence log-ratio, detached)
//	log r_bt = min(logp_bt - sg(logp_bt) + sg(s_b), 10)          (value s_b, token gradient 1)
//	r_bt     = exp(log r_bt)
//	ℓ_bt     = w · max(-A·r, -A·clamp(r, 1-ε_lo, 1+ε_hi))
//	pg_loss  = agg_loss(ℓ, mask, seq-mean-token-mean, Global)   (loss_agg_mode is IGNORED)
//
// Metrics: pg_clipfrac = masked_mean[L2 > L1], ppo_kl = masked_mean[old - logp]
// (unclamped), pg_clipfrac_lower = 0.
//
// Gradient: the straight-through construction makes ∂r_bt/∂logp_bt' =
// r_bt·[s_b ≤ 10]·[t = t'] (no gradient through s_b), so
//
//	∂pg_loss/∂logp_bt = ω_bt · w · ∂max(L1, L2)/∂r · r_b·[s_b ≤ 10]
//
// with ∂L1/∂r = -A, ∂L2/∂r = -A·[1-ε_lo ≤ r ≤ 1+ε_hi] (half each on a tie)
// and ω the seq-mean-token-mean weight m_bt/(L_b+1e-8)·dp/G.
//
// Paper: "Group Sequence Policy Optimization" (arXiv:2507.18071).
// Reference: volcengine/verl@b178a3cd56f58b2d502255daba591e92833930a7
// verl/trainer/ppo/core_algos.py::compute_policy_loss_gspo.
func PolicyLossGSPO(in PolicyBatch, cfg VerlPolicyConfig) (PolicyResult, error) {
	const fn = "verl.policy_loss_gspo"
	if err := in.validate(fn, true); err != nil {
		return PolicyResult{}, err
	}
	if err := checkClip(fn, cfg.ClipRatioLow, cfg.ClipRatioHigh); err != nil {
		return PolicyResult{}, err
	}
	agg, err := newVerlAgg(fn, in.ResponseMask, SeqMeanTokenMean, cfg.Global)
	if err != nil {
		return PolicyResult{}, err
	}
	rlo, rhi := 1-cfg.ClipRatioLow, 1+cfg.ClipRatioHigh
	grad := likeZeros(in.LogProb)
	var msum, clipSum, klSum float64
	for i, lpRow := range in.LogProb {
		oldRow, advRow, mRow, gRow := in.OldLogProb[i], in.Advantages[i], in.ResponseMask[i], grad[i]
		wRow := in.isRow(i)
		var sd, sm float64
		for t, lp := range lpRow {
			sd += (lp - oldRow[t]) * mRow[t]
			sm += mRow[t]
		}
		s := sd / fmax(sm, 1)
		r := math.Exp(fmin(s, 10))
		dr := r * b2f(s <= 10)
		rc, drc := clamp(r, rlo, rhi), dClamp(r, rlo, rhi)
		coef := agg.coef(i)
		rs := 0.0
		for t, lp := range lpRow {
			m := mRow[t]
			if m == 0 {
				continue // finite inputs: no loss term, zero gradient
			}
			a := advRow[t]
			pg1, pg2 := -a*r, -a*rc
			l, dl := fmax(pg1, pg2), dMaximum(pg1, pg2, -a*dr, -a*dr*drc)
			if wRow != nil {
				l, dl = l*wRow[t], dl*wRow[t]
			}
			rs += l * m
			gRow[t] = coef * m * dl
			msum += m
			clipSum += b2f(pg2 > pg1) * m
			klSum += (oldRow[t] - lp) * m
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
