package loss

import (
	"fmt"
	"math"
	"slices"

	"github.com/credo-rl/credo/internal/arrays"
)

// PolicyLossKLCov is verl's KL-Cov loss: an unclipped policy gradient, plus an
// |log-ratio| penalty on the tokens with the largest covariance between
// advantage and log-probability. Per token, with d = logp - old and
// r = exp(d) (NO clip, NO ±20 clamp):
//
//	over the n valid tokens (m > 0, row-major order):
//	    cov = (A - mean A)·(logp - mean logp)          (plain means over the valid tokens)
//	    k = max(1, ⌊n · KLCovRatio⌋) tokens with the largest cov are selected
//	ℓ = w · (-A·r + [selected]·PPOKLCoef·|d|)
//	pg_loss = agg_loss(ℓ, mask, AggMode, Global)
//
// Metrics: ppo_kl = masked_mean[|d|] (the only metric). Ties in cov (e.g.
// all-zero or row-constant advantages) are broken exactly as torch 1.13's
// CPU topk breaks them, which is NOT by lowest index (see torchTopK).
// KLCovRatio > 1 makes k exceed n, on which torch.topk raises: an error is
// returned. With no valid token nothing is selected (the reference's
// k = min(ratio, 0) = 0 skips the selection).
//
// Gradient (the selection is index-only):
//
//	∂pg_loss/∂logp_bt = ω_bt · w · (-A·r + [selected]·PPOKLCoef·sign(d)).
//
// Paper: "The Entropy Mechanism of Reinforcement Learning for Reasoning
// Language Models" (arXiv:2505.22617).
// Reference: volcengine/verl@b178a3cd56f58b2d502255daba591e92833930a7
// verl/trainer/ppo/core_algos.py::compute_policy_loss_kl_cov.
func PolicyLossKLCov(in PolicyBatch, cfg VerlPolicyConfig) (PolicyResult, error) {
	const fn = "verl.policy_loss_kl_cov"
	if err := in.validate(fn, true); err != nil {
		return PolicyResult{}, err
	}
	if !(cfg.KLCovRatio > 0) || !arrays.Finite(cfg.KLCovRatio) {
		return PolicyResult{}, fmt.Errorf("%s: kl_cov_ratio must be > 0, got %v", fn, cfg.KLCovRatio)
	}
	if !arrays.Finite(cfg.PPOKLCoef) {
		return PolicyResult{}, fmt.Errorf("%s: ppo_kl_coef must be finite, got %v", fn, cfg.PPOKLCoef)
	}
	agg, err := newVerlAgg(fn, in.ResponseMask, cfg.AggMode, cfg.Global)
	if err != nil {
		return PolicyResult{}, err
	}

	// Pass 1: plain means over the valid tokens.
	var n int
	var sumA, sumLP float64
	for i, lpRow := range in.LogProb {
		for t, m := range in.ResponseMask[i] {
			if m > 0 {
				n++
				sumA += in.Advantages[i][t]
				sumLP += lpRow[t]
			}
		}
	}
	var sel []tokenPos
	if n > 0 {
		k := max(1, int(float64(n)*cfg.KLCovRatio))
		if k > n {
			return PolicyResult{}, fmt.Errorf("%s: kl_cov_ratio=%v selects %d of %d valid tokens (torch.topk: k out of range)", fn, cfg.KLCovRatio, k, n)
		}
		meanA, meanLP := sumA/float64(n), sumLP/float64(n)
		items := make([]covItem, 0, n)
		for i, lpRow := range in.LogProb {
			for t, m := range in.ResponseMask[i] {
				if m > 0 {
					cov := (in.Advantages[i][t] - meanA) * (lpRow[t] - meanLP)
					items = append(items, covItem{cov, tokenPos{int32(i), int32(t)}})
				}
			}
		}
		torchTopK(items, k)
		sel = make([]tokenPos, k)
		for j := range sel {
			sel[j] = items[j].pos
		}
		slices.SortFunc(sel, cmpPos)
	}

	grad := likeZeros(in.LogProb)
	var msum, klSum float64
	next := 0
	coefKL := cfg.PPOKLCoef
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
			r := math.Exp(d)
			l, dl := -a*r, -a*r
			if next < len(sel) && sel[next].b == int32(i) && sel[next].t == int32(t) {
				l += coefKL * math.Abs(d)
				dl += coefKL * sign(d)
				next++
			}
			if wRow != nil {
				l, dl = l*wRow[t], dl*wRow[t]
			}
			rs += l * m
			gRow[t] = coef * m * dl
			msum += m
			klSum += math.Abs(d) * m
		}
		agg.add(i, rs)
	}
	return PolicyResult{
		Loss:        agg.value(),
		GradLogProb: grad,
		PPOKL:       maskedMeanVerl(klSum, msum),
	}, nil
}

// covItem is one valid token and its covariance.
type covItem struct {
	cov float64
	pos tokenPos
}
