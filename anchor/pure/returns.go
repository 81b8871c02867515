package pure

import (
	"math"

	"github.com/credo-rl/credo/internal/arrays"
)

// ApproxKL is the per-token KL estimate of the OpenRLHF version PURE forks:
//
//	d = (logp − logp_ref)·m
//	k1: d          k3 (useK3): exp(−d) − 1 + d
//
// with m the action mask, which multiplies as in the reference (0 outside
// the response, so the estimate is 0 there). No clamping is applied at
// this snapshot.
//
// Provenance: CJReinforce/PURE@41f9363b8cc4af044b7fc5f7f9bbbf62139e9553
// openrlhf/models/utils.py::compute_approx_kl. k3: J. Schulman,
// "Approximating KL Divergence" (http://joschu.net/blog/kl-approx.html).
func ApproxKL(logProbs, baseLogProbs, actionMask [][]float64, useK3 bool) ([][]float64, error) {
	const fn = "pure.approx_kl"
	if err := arrays.SameShape(fn, "token_log_probs", logProbs, "base_token_log_probs", baseLogProbs); err != nil {
		return nil, err
	}
	if err := arrays.SameShape(fn, "token_log_probs", logProbs, "action_mask", actionMask); err != nil {
		return nil, err
	}
	if err := arrays.FiniteMatrix(fn, "token_log_probs", logProbs); err != nil {
		return nil, err
	}
	if err := arrays.FiniteMatrix(fn, "base_token_log_probs", baseLogProbs); err != nil {
		return nil, err
	}
	out := arrays.Like(logProbs)
	approxKLInto(out, logProbs, baseLogProbs, actionMask, useK3)
	return out, nil
}

func approxKLInto(out, logProbs, baseLogProbs, actionMask [][]float64, useK3 bool) {
	for i, lp := range logProbs {
		b, m, o := baseLogProbs[i][:len(lp)], actionMask[i][:len(lp)], out[i][:len(lp)]
		for t, x := range lp {
			d := (x - b[t]) * m[t]
			if useK3 {
				d = math.Exp(-d) - 1 + d
			}
			o[t] = d
		}
	}
}

// Returns computes PURE's returns (= advantages) from token rewards:
//
//	r[t] = processReward[t] − β·kl[t]
//	G[t] = Σ_{u≥t} r[u]                       (γ = 1, over the whole row)
//	G[t] = 0 where rewardMask[t] != 0         (when maskSeparators)
//
// The zeroing at the step-separator/EOS tokens (unless
// --nomask_separator_adv) gives those tokens no policy-gradient signal; it
// does not change the sums of the other positions. rewardSums[i] = Σ_t r[t]
// (experience.info["return"]).
//
// Provenance: CJReinforce/PURE@41f9363b8cc4af044b7fc5f7f9bbbf62139e9553
// openrlhf/trainer/ppo_utils/experience_maker.py::NaiveExperienceMaker.make_experience_list.
func Returns(processReward, kl, rewardMask [][]float64, klCoef float64, maskSeparators bool) (returns [][]float64, rewardSums []float64, err error) {
	const fn = "pure.returns"
	if err := arrays.SameShape(fn, "process_reward", processReward, "kl", kl); err != nil {
		return nil, nil, err
	}
	if err := arrays.SameShape(fn, "process_reward", processReward, "reward_mask", rewardMask); err != nil {
		return nil, nil, err
	}
	if err := arrays.FiniteMatrix(fn, "process_reward", processReward); err != nil {
		return nil, nil, err
	}
	if err := arrays.FiniteMatrix(fn, "kl", kl); err != nil {
		return nil, nil, err
	}
	if err := arrays.FiniteScalar(fn, "kl_coef", klCoef); err != nil {
		return nil, nil, err
	}
	returns = arrays.Like(processReward)
	rewardSums = make([]float64, len(processReward))
	returnsInto(returns, rewardSums, processReward, kl, rewardMask, klCoef, maskSeparators)
	return returns, rewardSums, nil
}

func returnsInto(out [][]float64, sums []float64, pr, kl, rewardMask [][]float64, klCoef float64, maskSeparators bool) {
	for i, p := range pr {
		k, m, o := kl[i][:len(p)], rewardMask[i][:len(p)], out[i][:len(p)]
		g := 0.0
		for t := len(p) - 1; t >= 0; t-- {
			g += p[t] - klCoef*k[t]
			if maskSeparators && m[t] != 0 {
				o[t] = 0
			} else {
				o[t] = g
			}
		}
		sums[i] = g
	}
}

// returnsKLInto is Returns with the KL estimate computed on the fly from the
// log-probs (ApproxKL), without materialising it. It reports whether every
// log-prob was finite (checked in the same pass).
func returnsKLInto(out [][]float64, sums []float64, pr, logProbs, baseLogProbs, actionMask, rewardMask [][]float64, klCoef float64, useK3, maskSeparators bool) bool {
	var bad float64
	for i, p := range pr {
		lp := logProbs[i][:len(p)]
		bp := baseLogProbs[i][:len(p)]
		am := actionMask[i][:len(p)]
		rm := rewardMask[i][:len(p)]
		o := out[i][:len(p)]
		g := 0.0
		for t := len(p) - 1; t >= 0; t-- {
			bad += lp[t]*0 + bp[t]*0
			d := (lp[t] - bp[t]) * am[t] // the reference multiplies by the mask
			if useK3 {
				d = math.Exp(-d) - 1 + d
			}
			g += p[t] - klCoef*d
			if maskSeparators && rm[t] != 0 {
				o[t] = 0
			} else {
				o[t] = g
			}
		}
		sums[i] = g
	}
	return bad == 0
}
