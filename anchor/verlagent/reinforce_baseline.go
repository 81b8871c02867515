package verlagent

import (
	"fmt"
	"math"

	"github.com/credo-rl/credo/internal/arrays"
	"github.com/credo-rl/credo/internal/groups"
)

// ReinforcePlusPlusBaselineOptions are the hyper-parameters of
// REINFORCE++-baseline. The reference also takes an epsilon, which it never
// reads.
type ReinforcePlusPlusBaselineOptions struct {
	// CrossSteps: see GRPOOptions.CrossSteps (default true).
	CrossSteps bool
}

// DefaultReinforcePlusPlusBaselineOptions returns the reference defaults:
// CrossSteps true.
func DefaultReinforcePlusPlusBaselineOptions() ReinforcePlusPlusBaselineOptions {
	return ReinforcePlusPlusBaselineOptions{CrossSteps: true}
}

// ReinforcePlusPlusBaseline computes verl-agent's multi-turn
// REINFORCE++-baseline advantage.
//
// With s_i the row score (sum over all positions) and μ_g the mean of the
// entries collected for the prompt group (μ_g = 0 when only one entry was
// collected), x_it = (s_i - μ_g)*m_it is whitened over all masked tokens of
// the whole batch (verl's masked_whiten), then re-masked:
//
//	W  = Σ m,  μ = Σ x m/(W + 1e-8),  v = Σ (x-μ)² m/(W + 1e-8) * W/(W-1)
//	advantages_it = (x_it - μ) / sqrt(v + 1e-8) * m_it
//
// The whitening is token-weighted: longer responses weigh more in μ and v.
// Fails, like the reference's masked_var, when W is 0 or 1. Mask values are
// used as weights exactly as the reference's products do (0/1 in practice).
// The returns of the reference equal the advantages.
//
// Paper: REINFORCE++ (Hu, arXiv:2501.03262).
// Reference: xlan156/verl-agent@8ca3a467ba4fc21eb4969a2e2b1097323ca09a53
// verl/trainer/ppo/core_algos.py::compute_reinforce_plus_plus_baseline_outcome_advantage.
func ReinforcePlusPlusBaseline(tokenLevelRewards, responseMask [][]float64, index, trajIndex []string, opts ReinforcePlusPlusBaselineOptions) ([][]float64, error) {
	const est = "verl_agent.reinforce_plus_plus_baseline"
	if err := checkRows(est, tokenLevelRewards, responseMask, namedIDs{"index", index}, namedIDs{"traj_index", trajIndex}); err != nil {
		return nil, err
	}
	s, err := rowScores(est, tokenLevelRewards)
	if err != nil {
		return nil, err
	}
	g, ng := groups.Index(index)
	st := meanStd(s, g, ng, contributing(g, trajIndex, opts.CrossSteps))
	for i, k := range g {
		if st.n[k] > 1 {
			s[i] -= st.mean[k]
		}
	}

	// Per-row mask moments M1=Σm, M2=Σm², M3=Σm³: x_t = a*m_t, so
	// Σ x m = a*M2 and Σ (x-μ)² m = (a-μ)²M1 + a²(M3-M1) - 2aμ(M2-M1),
	// which is exact for 0/1 masks (M1=M2=M3) and avoids a second token pass.
	mom := make([]float64, 3*len(s))
	var w, sx float64
	for i, m := range responseMask {
		m1, m2, m3 := maskMoments(m)
		if !arrays.Finite(m3) {
			return nil, fmt.Errorf("%s: response_mask row %d has a non-finite value", est, i)
		}
		mom[3*i], mom[3*i+1], mom[3*i+2] = m1, m2, m3
		w += m1
		sx += s[i] * m2
	}
	if w == 0 {
		return nil, fmt.Errorf("%s: response_mask is empty: masked whitening needs at least two masked tokens", est)
	}
	if w == 1 {
		return nil, fmt.Errorf("%s: response_mask has a single masked token: masked whitening needs at least two", est)
	}
	mu := sx / (w + 1e-8)
	var ss float64
	for i, a := range s {
		m1, m2, m3 := mom[3*i], mom[3*i+1], mom[3*i+2]
		d := a - mu
		ss += d*d*m1 + a*a*(m3-m1) - 2*a*mu*(m2-m1)
	}
	v := ss / (w + 1e-8) * (w / (w - 1))
	r := 1 / math.Sqrt(v+1e-8)

	out := newLike(responseMask)
	for i, m := range responseMask {
		// the trailing zero-mask run stays 0 (out is freshly zeroed)
		end := len(m)
		for end > 0 && m[end-1] == 0 {
			end--
		}
		m = m[:end]
		o := out[i][:end]
		a := s[i]
		for t, mt := range m {
			o[t] = (a*mt - mu) * r * mt
		}
	}
	return out, nil
}

// maskMoments returns Σm, Σm² and Σm³ of a mask row (two accumulator sets).
func maskMoments(m []float64) (m1, m2, m3 float64) {
	var a1, a2, a3, b1, b2, b3 float64
	n := len(m) &^ 1
	for t := 0; t < n; t += 2 {
		v := m[t : t+2 : t+2]
		x, y := v[0], v[1]
		x2, y2 := x*x, y*y
		a1 += x
		b1 += y
		a2 += x2
		b2 += y2
		a3 += x2 * x
		b3 += y2 * y
	}
	if n < len(m) {
		x := m[n]
		a1 += x
		a2 += x * x
		a3 += x * x * x
	}
	return a1 + b1, a2 + b2, a3 + b3
}
