package token

import (
	"fmt"
	"math"

	"github.com/credo-rl/credo/internal/arrays"
)

// DefaultBeta is the KL coefficient β of the implicit-reward methods
// (r2q, T-REG, OREO) when the spec gives none: DPO's customary 0.1.
const DefaultBeta = 0.1

// ImplicitReward is the implicit token reward of a KL-regularised policy
// ("From r to Q*"):
//
//	r̂[i][t] = β·(logp[i][t] − refLogp[i][t])     (0 where mask = 0)
//	G[i][t] = Σ_{u ≥ t} r̂[i][u]                  (implicit return-to-go)
//
// In the token MDP the optimal KL-regularised (DPO) policy satisfies
// β·log(π*/π_ref)(a_t|s_t) = Q*(s_t, a_t) − V*(s_t), so r̂ is an advantage
// per token, and the sum over a response equals its sequence reward up to
// a prompt-dependent constant. logp are the policy's log-probs (behaviour
// or current policy, or a DPO-trained model's), refLogp the reference
// model's. mask may be nil (all ones).
//
// Paper: "From r to Q*: Your Language Model is Secretly a Q-Function",
// Rafailov, Hejna, Park, Finn (arXiv:2404.12358), spec row #22.
func ImplicitReward(logp, refLogp, mask [][]float64, beta float64) (rewards, returns [][]float64, err error) {
	const est = "r2q"
	if err := checkParam(est, "beta", beta); err != nil {
		return nil, nil, err
	}
	if err := checkFinite(est, "log_probs", logp); err != nil {
		return nil, nil, err
	}
	if err := checkRows(est, "ref_log_probs", refLogp, "log_probs", logp, false); err != nil {
		return nil, nil, err
	}
	if err := checkRows(est, "mask", mask, "log_probs", logp, true); err != nil {
		return nil, nil, err
	}
	rewards, returns = allocLike(logp), allocLike(logp)
	for i, lp := range logp {
		g := 0.0
		for t := len(lp) - 1; t >= 0; t-- {
			if maskAt(mask, i, t) == 0 {
				continue
			}
			r := beta * (lp[t] - refLogp[i][t])
			g += r
			rewards[i][t] = r
			returns[i][t] = g
		}
	}
	return rewards, returns, nil
}

// DefaultTREGTemperature is the softmax temperature of T-REG's token
// weights (credo's choice; the paper's value was NOT FOUND).
const DefaultTREGTemperature = 1.0

// TREGWeights turns contrastive log-probs into T-REG's token weights. The
// same model scores each token of a response under a "make it better"
// prompt (posLogp) and a "make it worse" prompt (negLogp); over the n
// policy tokens of row i (mask ≠ 0):
//
//	c_t = posLogp_t − negLogp_t            (−c_t if rejected[i])
//	s_t = σ(c_t)                            (squashed to (0, 1))
//	w_t = n·exp(s_t/τ) / Σ_u exp(s_u/τ)     (normalised: mean weight 1)
//
// masked tokens get weight 0. A token the "better" prompt prefers gets a
// weight above 1 in a chosen response; rejected responses (rejected may be
// nil: all chosen) flip the contrast, so the tokens that make them worse
// are weighted up. The weights re-distribute a response's implicit reward
// over its tokens (see TREG).
//
// Paper: "T-REG: Preference Optimization with Token-Level Reward
// Regularization", Zhou, Zhang, Zhao, Meng, ACL 2025 (arXiv:2412.02685),
// spec row #18. The squash-and-normalise form is credo's reconstruction
// of the spec's "difference of log-probs under the two contrastive
// prompts, squashed and normalized"; the exact form was NOT FOUND.
func TREGWeights(posLogp, negLogp, mask [][]float64, rejected []bool, temperature float64) ([][]float64, error) {
	const est = "treg"
	if !arrays.Finite(temperature) || temperature <= 0 {
		return nil, fmt.Errorf("%s: temperature = %v, want a finite number > 0", est, temperature)
	}
	if err := checkFinite(est, "contrast_pos", posLogp); err != nil {
		return nil, err
	}
	if err := checkRows(est, "contrast_neg", negLogp, "contrast_pos", posLogp, false); err != nil {
		return nil, err
	}
	if err := checkRows(est, "mask", mask, "contrast_pos", posLogp, true); err != nil {
		return nil, err
	}
	if rejected != nil && len(rejected) != len(posLogp) {
		return nil, fmt.Errorf("%s: rejected has %d entries, contrast_pos has %d rows", est, len(rejected), len(posLogp))
	}
	w := allocLike(posLogp)
	for i, pos := range posLogp {
		sign := 1.0
		if rejected != nil && rejected[i] {
			sign = -1
		}
		// The softmax subtracts the row's largest squashed value, so a
		// small τ cannot overflow exp.
		hi, n := math.Inf(-1), 0
		for t := range pos {
			if maskAt(mask, i, t) == 0 {
				continue
			}
			s := sigmoid(sign * (pos[t] - negLogp[i][t]))
			w[i][t] = s
			hi = math.Max(hi, s)
			n++
		}
		if n == 0 {
			continue
		}
		z := 0.0
		for t := range pos {
			if maskAt(mask, i, t) != 0 {
				e := math.Exp((w[i][t] - hi) / temperature)
				w[i][t] = e
				z += e
			}
		}
		for t := range pos {
			if maskAt(mask, i, t) != 0 {
				w[i][t] *= float64(n) / z
			}
		}
	}
	return w, nil
}

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// TREG is T-REG's token-level credit: the implicit token reward
// re-distributed by the contrastive token weights,
//
//	A[i][t] = w[i][t]·β·(logp[i][t] − refLogp[i][t])
//	G[i][t] = Σ_{u ≥ t} A[i][u]
//
// where w = TREGWeights(posLogp, negLogp, mask, rejected, temperature).
// Σ_t A[i][t] is the token-weighted sequence reward that T-REG's
// regulariser aligns DPO's implicit reward with; with all weights 1 this
// is ImplicitReward.
//
// Paper: arXiv:2412.02685, spec row #18 (see TREGWeights).
func TREG(logp, refLogp, posLogp, negLogp, mask [][]float64, rejected []bool, beta, temperature float64) (advantages, returns [][]float64, err error) {
	const est = "treg"
	r, _, err := ImplicitReward(logp, refLogp, mask, beta)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", est, err)
	}
	if err := checkRows(est, "contrast_pos", posLogp, "log_probs", logp, false); err != nil {
		return nil, nil, err
	}
	w, err := TREGWeights(posLogp, negLogp, mask, rejected, temperature)
	if err != nil {
		return nil, nil, err
	}
	advantages, returns = allocLike(logp), allocLike(logp)
	for i, ri := range r {
		g := 0.0
		for t := len(ri) - 1; t >= 0; t-- {
			if maskAt(mask, i, t) == 0 {
				continue
			}
			a := w[i][t] * ri[t]
			g += a
			advantages[i][t] = a
			returns[i][t] = g
		}
	}
	return advantages, returns, nil
}
