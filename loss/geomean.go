package loss

import (
	"fmt"
	"math"
)

// PolicyLossGeoMean is verl's Geometric-Mean Policy Optimization (GMPO) loss.
// Per token, with d = logp - old (NO ±20 clamp) and s = sign(A):
//
//	d̃ = s · min(s·d, s·clamp(d, -ε_lo, ε_hi))      (clip only the side that helps A)
//
// i.e. d̃ = min(d, ε_hi) for A > 0, max(d, -ε_lo) for A < 0 and 0 for A = 0.
// Per row b with L_b = Σ_t m_bt:
//
//	ratio_b = exp(Σ_t m·d̃ / (L_b + 1e-8)),   Â_b = Σ_t m·A / (L_b + 1e-8)
//	ISW_b   = exp(Σ_t m·log(w + 1e-10) / (L_b + 1e-8))   (geometric mean; 1 without weights)
//	pg_loss = (1/B) Σ_b -Â_b · ratio_b · ISW_b
//
// Quirks: the mean runs over ALL B rows (empty rows count, with loss 0) and
// loss_agg_mode / global_batch_info are IGNORED. Metrics: with clipped =
// [d ≠ clamp(d, -ε_lo, ε_hi)], pg_clipfrac = masked_mean[clipped ∧ A > 0],
// pg_clipfrac_lower = masked_mean[clipped ∧ A < 0], ppo_kl = masked_mean[-d].
//
// Gradient: ∂d̃/∂logp = s²·∂min = 1 when the token is not clipped on its
// side (half+half on the tie of an unclipped token), 0 when it is, and 0 for
// A = 0; hence
//
//	∂pg_loss/∂logp_bt = -(1/B) · Â_b · ISW_b · ratio_b · m_bt/(L_b+1e-8) · ∂d̃_bt/∂logp_bt.
//
// Paper: "Geometric-Mean Policy Optimization" (arXiv:2507.20673).
// Reference: volcengine/verl@b178a3cd56f58b2d502255daba591e92833930a7
// verl/trainer/ppo/core_algos.py::compute_policy_loss_geo_mean.
func PolicyLossGeoMean(in PolicyBatch, cfg VerlPolicyConfig) (PolicyResult, error) {
	const fn = "verl.policy_loss_geo_mean"
	if err := in.validate(fn, true); err != nil {
		return PolicyResult{}, err
	}
	lo, hi := cfg.ClipRatioLow, cfg.ClipRatioHigh
	if err := checkClip(fn, lo, hi); err != nil {
		return PolicyResult{}, err
	}
	for i, row := range in.RolloutISWeights {
		for t, w := range row {
			if w < 0 {
				return PolicyResult{}, fmt.Errorf("%s: rollout_is_weights row %d column %d is %v (must be >= 0 for the geometric mean)", fn, i, t, w)
			}
		}
	}
	grad := likeZeros(in.LogProb)
	nRows := float64(len(in.LogProb))
	var total, msum, klSum, hiSum, loSum float64
	for i, lpRow := range in.LogProb {
		oldRow, advRow, mRow, gRow := in.OldLogProb[i], in.Advantages[i], in.ResponseMask[i], grad[i]
		wRow := in.isRow(i)
		var sk, sa, sl, sm float64
		for t, lp := range lpRow {
			m := mRow[t]
			if m == 0 {
				continue // finite inputs: no loss term, zero gradient
			}
			a := advRow[t]
			d := lp - oldRow[t]
			s := sign(a)
			dcl := clamp(d, -lo, hi)
			x1, x2 := s*d, s*dcl
			nk := s * fmin(x1, x2)
			dnk := s * dMinimum(x1, x2, s, s*dClamp(d, -lo, hi))
			sk += nk * m
			sa += a * m
			sm += m
			if wRow != nil {
				sl += math.Log(wRow[t]+1e-10) * m
			}
			gRow[t] = m * dnk
			msum += m
			klSum += -d * m
			clipped := d != dcl
			hiSum += b2f(clipped && a > 0) * m
			loSum += b2f(clipped && a < 0) * m
		}
		den := sm + 1e-8
		ratio := math.Exp(sk / den)
		adv := sa / den
		isw := 1.0
		if wRow != nil {
			isw = math.Exp(sl / den)
		}
		total += -adv * ratio * isw
		k := -adv * isw * ratio / den / nRows
		for t := range gRow {
			gRow[t] *= k
		}
	}
	return PolicyResult{
		Loss:          total / nRows,
		GradLogProb:   grad,
		ClipFrac:      maskedMeanVerl(hiSum, msum),
		PPOKL:         maskedMeanVerl(klSum, msum),
		ClipFracLower: maskedMeanVerl(loSum, msum),
	}, nil
}
