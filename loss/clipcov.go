package loss

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/credo-rl/credo/internal/arrays"
)

// tokenPos addresses one token of a batch.
type tokenPos struct{ b, t int32 }

func cmpPos(x, y tokenPos) int {
	if c := cmp.Compare(x.b, y.b); c != 0 {
		return c
	}
	return cmp.Compare(x.t, y.t)
}

// PolicyLossClipCov is verl's Clip-Cov loss: PPO clipping, plus a random
// subset of the tokens with a large covariance between advantage and
// log-probability whose loss (and gradient) is zeroed. Per token, with
// r = exp(logp - old) (NO ±20 clamp):
//
//	L1 = -A·r,  L2 = -A·clamp(r, 1-ε_lo, 1+ε_hi),  clipped = [L2 > L1 ∧ m > 0]
//	cov = (A - Ā)·(logp - l̄)      (Ā, l̄: verl masked means over the batch)
//	candidates = {m > 0, not clipped, ClipCovLB < cov < ClipCovUB}
//	clip_num = max(⌊ClipCovRatio · Σm⌋, 1)
//	corr = 0 on the selected candidates, 1 elsewhere
//	ℓ = w · max(L1, L2) · corr,  pg_loss = agg_loss(ℓ, mask, AggMode, Global)
//
// Selection: when there are at most clip_num candidates ALL of them are
// selected (deterministic, and identical to the reference). When there are
// more, the reference draws torch.randperm; this implementation draws
// clip_num of them with a partial Fisher-Yates shuffle driven by a PCG
// generator seeded with cfg.Seed. It is reproducible for a given seed but
// CANNOT match torch's RNG stream.
//
// Metrics: pg_clipfrac = masked_mean[corr = 0] (the fraction of Clip-Cov
// tokens, not of PPO-clipped tokens), ppo_kl = masked_mean[-(logp - old)].
//
// Gradient: cov only selects indices (no gradient flows through it), so
//
//	∂pg_loss/∂logp_bt = ω_bt · w · corr · ∂max(L1, L2)/∂logp,
//
// with ∂L1/∂logp = -A·r, ∂L2/∂logp = -A·r·[1-ε_lo ≤ r ≤ 1+ε_hi] (half each on a tie).
//
// Paper: "The Entropy Mechanism of Reinforcement Learning for Reasoning
// Language Models" (arXiv:2505.22617).
// Reference: volcengine/verl@b178a3cd56f58b2d502255daba591e92833930a7
// verl/trainer/ppo/core_algos.py::compute_policy_loss_clip_cov.
func PolicyLossClipCov(in PolicyBatch, cfg VerlPolicyConfig) (PolicyResult, error) {
	const fn = "verl.policy_loss_clip_cov"
	if err := in.validate(fn, true); err != nil {
		return PolicyResult{}, err
	}
	if err := checkClip(fn, cfg.ClipRatioLow, cfg.ClipRatioHigh); err != nil {
		return PolicyResult{}, err
	}
	if !(cfg.ClipCovRatio > 0) || !arrays.Finite(cfg.ClipCovRatio) {
		return PolicyResult{}, fmt.Errorf("%s: clip_cov_ratio must be > 0, got %v", fn, cfg.ClipCovRatio)
	}
	agg, err := newVerlAgg(fn, in.ResponseMask, cfg.AggMode, cfg.Global)
	if err != nil {
		return PolicyResult{}, err
	}
	rlo, rhi := 1-cfg.ClipRatioLow, 1+cfg.ClipRatioHigh

	// Pass 1: masked means of A and logp.
	var msum, sumA, sumLP float64
	for i, lpRow := range in.LogProb {
		for t, m := range in.ResponseMask[i] {
			msum += m
			sumA += in.Advantages[i][t] * m
			sumLP += lpRow[t] * m
		}
	}
	meanA, meanLP := maskedMeanVerl(sumA, msum), maskedMeanVerl(sumLP, msum)

	// Pass 2: candidates (the ratio of a valid token is parked in grad until pass 3).
	grad := likeZeros(in.LogProb)
	var cand []tokenPos
	for i, lpRow := range in.LogProb {
		oldRow, advRow, mRow, gRow := in.OldLogProb[i], in.Advantages[i], in.ResponseMask[i], grad[i]
		for t, lp := range lpRow {
			a, m := advRow[t], mRow[t]
			if m == 0 {
				continue
			}
			r := math.Exp(lp - oldRow[t])
			gRow[t] = r
			if -a*clamp(r, rlo, rhi) > -a*r {
				continue
			}
			if cov := (a - meanA) * (lp - meanLP); cov > cfg.ClipCovLB && cov < cfg.ClipCovUB {
				cand = append(cand, tokenPos{int32(i), int32(t)})
			}
		}
	}
	clipNum := max(int(cfg.ClipCovRatio*msum), 1)
	if len(cand) > clipNum {
		rng := rand.New(rand.NewPCG(cfg.Seed, 0x636c69705f636f76)) // "clip_cov"
		for k := 0; k < clipNum; k++ {
			j := k + rng.IntN(len(cand)-k)
			cand[k], cand[j] = cand[j], cand[k]
		}
		cand = cand[:clipNum]
		slices.SortFunc(cand, cmpPos)
	}

	// Pass 3: loss and gradient.
	var zeroSum, klSum float64
	next := 0
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
			a, r := advRow[t], gRow[t]
			corr := 1.0
			if next < len(cand) && cand[next].b == int32(i) && cand[next].t == int32(t) {
				corr = 0
				next++
			}
			pg1, pg2 := -a*r, -a*clamp(r, rlo, rhi)
			l := fmax(pg1, pg2) * corr
			dl := dMaximum(pg1, pg2, -a*r, -a*r*dClamp(r, rlo, rhi)) * corr
			if wRow != nil {
				l, dl = l*wRow[t], dl*wRow[t]
			}
			rs += l * m
			gRow[t] = coef * m * dl
			zeroSum += b2f(corr == 0) * m
			klSum += (oldRow[t] - lp) * m
		}
		agg.add(i, rs)
	}
	return PolicyResult{
		Loss:        agg.value(),
		GradLogProb: grad,
		ClipFrac:    maskedMeanVerl(zeroSum, msum),
		PPOKL:       maskedMeanVerl(klSum, msum),
	}, nil
}
