package loss

import (
	"fmt"
	"math"

	"github.com/credo-rl/credo/internal/arrays"
)

// AFTOptions configure AFT's constraint alignment loss.
type AFTOptions struct {
	// Margin γ places the boundary B = sg(min of the top-ranked scores) − γ.
	Margin float64
	// BoundaryWeight λ weighs the boundary term (0 = the ranking term alone).
	BoundaryWeight float64
}

// AFTResult is the loss over one set of ranked chains and its gradient.
type AFTResult struct {
	// Loss = Align + λ·Boundary.
	Loss, Align, Boundary float64
	// Grad is ∂Loss/∂s_i per chain.
	Grad []float64
}

// AFTLoss is AFT's constraint alignment loss over k chains of thought of
// one question, each with a score s_i (the policy's length-normalised
// log-likelihood of the chain; AFTTokenLoss computes it) and a rank
// (higher = better; the top rank holds the positive chains):
//
//	Align    = log(1 + Σ_{rank_i > rank_j} exp(s_j − s_i))
//	B        = sg(min_{i: rank_i = top} s_i) − γ
//	Boundary = Σ_{j: rank_j < top} max(0, B − s_j)
//	Loss     = Align + λ · Boundary
//
// Align pushes every better-ranked chain above every worse one; Boundary
// keeps the worse chains from being pushed down without limit (the
// "negatives bounded" constraint), which would degrade the model. B is
// detached (sg): the boundary moves the negatives, not the positives.
// Gradient, with Z = 1 + Σ e_ij and e_ij = exp(s_j − s_i):
//
//	∂Align/∂s_i    = (Σ_{k: rank_k > rank_i} e_ki − Σ_{j: rank_j < rank_i} e_ij) / Z
//	∂Boundary/∂s_j = −1[B > s_j]   (0 at the kink B = s_j)
//
// Paper: "Making Large Language Models Better Reasoners with Alignment"
// (arXiv:2309.02144), methods.md #91. The boundary's exact form (B from the
// lowest positive score minus a margin, detached) is credo's reading; see
// docs/methods/reward.md.
func AFTLoss(scores []float64, ranks []int, opt AFTOptions) (AFTResult, error) {
	const fn = "loss.AFTLoss"
	if len(ranks) != len(scores) {
		return AFTResult{}, fmt.Errorf("%s: %d ranks for %d scores", fn, len(ranks), len(scores))
	}
	if len(scores) == 0 {
		return AFTResult{}, fmt.Errorf("%s: no chains", fn)
	}
	if !arrays.Finite(opt.Margin) || !arrays.Finite(opt.BoundaryWeight) || opt.BoundaryWeight < 0 {
		return AFTResult{}, fmt.Errorf("%s: margin %v and boundary weight %v, want finite numbers, the weight >= 0", fn, opt.Margin, opt.BoundaryWeight)
	}
	top := ranks[0]
	for i, s := range scores {
		if !arrays.Finite(s) {
			return AFTResult{}, fmt.Errorf("%s: score %d is %v (inputs must be finite)", fn, i, s)
		}
		top = max(top, ranks[i])
	}
	// Align, stabilised: log(1 + Σ e^{d}) = m + log(e^{-m} + Σ e^{d − m}), m = max(0, max d).
	mx := 0.0
	for i := range scores {
		for j := range scores {
			if ranks[i] > ranks[j] {
				mx = math.Max(mx, scores[j]-scores[i])
			}
		}
	}
	z := math.Exp(-mx)
	grad := make([]float64, len(scores))
	for i := range scores {
		for j := range scores {
			if ranks[i] > ranks[j] {
				e := math.Exp(scores[j] - scores[i] - mx)
				z += e
				grad[i] -= e
				grad[j] += e
			}
		}
	}
	res := AFTResult{Align: mx + math.Log(z)}
	for i := range grad {
		grad[i] /= z
	}
	b := math.Inf(1)
	for i, s := range scores {
		if ranks[i] == top {
			b = math.Min(b, s)
		}
	}
	b -= opt.Margin
	for j, s := range scores {
		if ranks[j] < top && b > s {
			res.Boundary += b - s
			grad[j] -= opt.BoundaryWeight
		}
	}
	res.Loss = res.Align + opt.BoundaryWeight*res.Boundary
	res.Grad = grad
	return res, nil
}

// AFTTokenLoss is AFTLoss on chains given by their per-token log-probs:
// s_i = Σ_t m_it·logp_it / Σ_t m_it (the length-normalised log-likelihood),
// and the gradient with respect to the log-probs,
//
//	∂Loss/∂logp_it = ∂Loss/∂s_i · m_it / Σ_t m_it.
//
// Every chain needs a positive mask sum.
func AFTTokenLoss(logp, mask [][]float64, ranks []int, opt AFTOptions) (AFTResult, [][]float64, error) {
	const fn = "loss.AFTTokenLoss"
	if err := checkLike(fn, "mask", mask, "logp", logp); err != nil {
		return AFTResult{}, nil, err
	}
	if err := checkFinite(fn, "logp", logp); err != nil {
		return AFTResult{}, nil, err
	}
	if err := checkMask(fn, "mask", mask); err != nil {
		return AFTResult{}, nil, err
	}
	scores := make([]float64, len(logp))
	sums := make([]float64, len(logp))
	for i, row := range logp {
		for t, lp := range row {
			scores[i] += mask[i][t] * lp
			sums[i] += mask[i][t]
		}
		if sums[i] <= 0 {
			return AFTResult{}, nil, fmt.Errorf("%s: chain %d has no token with a positive mask", fn, i)
		}
		scores[i] /= sums[i]
	}
	res, err := AFTLoss(scores, ranks, opt)
	if err != nil {
		return AFTResult{}, nil, err
	}
	g := likeZeros(logp)
	for i, row := range g {
		for t := range row {
			row[t] = res.Grad[i] * mask[i][t] / sums[i]
		}
	}
	return res, g, nil
}
