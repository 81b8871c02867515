package process

import (
	"fmt"
	"math"
)

// Form selects how step rewards are accumulated into returns.
type Form string

// Forms.
const (
	// FormMin is PURE's min-form as implemented: r*_k = w_k·r_k with softmin
	// weights w = softmax(−r/T) over ALL steps, so that the total Σ_k r*_k →
	// min_k r_k as T → 0 (and the return from a step after the minimum →
	// 0).
	FormMin Form = "min"
	// FormFutureMin is the min-form as the paper defines the value: the
	// return from step k is the soft minimum of the rewards of steps k..K,
	// G_k = Σ_{j>=k} softmax_{j>=k}(−r/T)_j·r_j → min_{j>=k} r_j as T → 0;
	// r*_k = G_k − G_{k+1}.
	FormFutureMin Form = "future_min"
	// FormSum is the usual sum-form, r* = r (G_k = Σ_{j>=k} r_j).
	FormSum Form = "sum"
	// FormMean is PURE's --disable_weighted_reward ablation: uniform
	// weights 1/K, r*_k = r_k/K.
	FormMean Form = "mean"
)

// MinFormWeights returns the softmin weights w_k = exp(−r_k/T) / Σ_j
// exp(−r_j/T). T = 0 is the limit: uniform weights over the steps that
// attain the minimum (exact ties). T must be finite and >= 0; rewards
// finite. Computed with the minimum subtracted, so that no weight
// overflows and the minimum's weight never underflows.
//
// Paper: Cheng et al., "Stop Summation: Min-Form Credit Assignment Is All
// Process Reward Model Needs for Reasoning", arXiv:2504.15275 (#16).
// Reference: CJReinforce/PURE@41f9363b8cc4af044b7fc5f7f9bbbf62139e9553
// openrlhf/utils/utils.py::turn_process_reward_logits_to_reward (the
// weighting, there with T = 0.1 over PRM logits).
func MinFormWeights(r []float64, T float64) ([]float64, error) {
	if err := checkTemperature(T); err != nil {
		return nil, err
	}
	if err := finite("step rewards", r); err != nil {
		return nil, err
	}
	w := make([]float64, len(r))
	if len(r) == 0 {
		return w, nil
	}
	m := r[0]
	for _, x := range r {
		m = math.Min(m, x)
	}
	z := 0.0
	for k, x := range r {
		w[k] = softminTerm(x, m, T)
		z += w[k]
	}
	for k := range w {
		w[k] /= z
	}
	return w, nil
}

// softminTerm is exp(−(x − m)/T) for x >= m, with T = 0 as the limit
// (1 at the minimum, 0 above it).
func softminTerm(x, m, T float64) float64 {
	if T == 0 {
		if x == m {
			return 1
		}
		return 0
	}
	return math.Exp(-(x - m) / T)
}

func checkTemperature(T float64) error {
	if !(T >= 0) || math.IsInf(T, 0) {
		return fmt.Errorf("temperature must be finite and >= 0, got %v", T)
	}
	return nil
}

// MinForm transforms the step rewards r of one response into r* such that
// the undiscounted return from step k is G_k = Σ_{j>=k} r*_j (see Form):
//
//	min:        r*_k = w_k·r_k,  w = MinFormWeights(r, T)   (PURE's code)
//	future_min: G_k = Σ_{j>=k} e_j r_j / Σ_{j>=k} e_j,  e_j = exp(−r_j/T);
//	            r*_k = G_k − G_{k+1}                       (paper's value)
//	sum:        r*_k = r_k
//	mean:       r*_k = r_k / K
//
// Properties: as T → 0 the min form's total Σ r* tends to min_k r_k and the
// future_min return G_k to min_{j>=k} r_j (T = 0 gives them exactly); as T
// → ∞ the min form tends to the mean form. The future_min sums are taken
// from the last step backwards with a running minimum as shift, O(K).
//
// Paper: arXiv:2504.15275 (#16). Reference (min, mean):
// CJReinforce/PURE@41f9363b8cc4af044b7fc5f7f9bbbf62139e9553
// openrlhf/utils/utils.py::turn_process_reward_logits_to_reward.
func MinForm(r []float64, T float64, form Form) ([]float64, error) {
	switch form {
	case FormMin:
		w, err := MinFormWeights(r, T)
		if err != nil {
			return nil, err
		}
		for k := range w {
			w[k] *= r[k]
		}
		return w, nil
	case FormFutureMin:
		if err := checkTemperature(T); err != nil {
			return nil, err
		}
		if err := finite("step rewards", r); err != nil {
			return nil, err
		}
		out := make([]float64, len(r))
		var m, s, n, next float64
		for k := len(r) - 1; k >= 0; k-- {
			x := r[k]
			switch {
			case k == len(r)-1:
				m, s, n = x, 1, x
			case x < m:
				// Rescale the suffix sums to the new minimum.
				sc := softminTerm(m, x, T)
				m, s, n = x, s*sc+1, n*sc+x
			default:
				e := softminTerm(x, m, T)
				s += e
				n += e * x
			}
			g := n / s
			out[k] = g - next
			next = g
		}
		return out, nil
	case FormSum, FormMean:
		if err := finite("step rewards", r); err != nil {
			return nil, err
		}
		out := make([]float64, len(r))
		for k, x := range r {
			out[k] = x
			if form == FormMean {
				out[k] = x / float64(len(r))
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown form %q (want min, future_min, sum or mean)", form)
}
