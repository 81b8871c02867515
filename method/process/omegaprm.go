package process

import (
	"fmt"
	"math"
)

// MCOracle returns the Monte Carlo estimate MC(k) of a solution's prefix of
// its first k steps: the fraction of continuations from that prefix that
// reach the correct answer (OmegaPRM samples k = 8 rollouts per state).
type MCOracle func(k int) (float64, error)

// MCPoint is one evaluated prefix.
type MCPoint struct {
	Steps int     // prefix length in steps
	MC    float64 // its Monte Carlo estimate
}

// FirstErrorResult is the outcome of FirstError.
type FirstErrorResult struct {
	// First is the 0-based index of the first wrong step.
	First int
	// Evaluated lists the prefixes the search estimated, in query order.
	Evaluated []MCPoint
}

// FirstError locates the first wrong step of a solution of n >= 1 steps
// whose final answer is wrong, by OmegaPRM's binary search over prefixes
// (O(log n) oracle calls):
//
//	lo, hi = 1, n                    (the full solution is known wrong)
//	while lo < hi:
//	    mid = ⌊(lo + hi)/2⌋
//	    if MC(mid) > threshold: lo = mid + 1   (the first mid steps are fine)
//	    else:                   hi = mid       (the error is in the first mid)
//	first error = step lo, index lo − 1
//
// It assumes, as OmegaPRM does, that correctness is monotone along the
// solution (once a prefix cannot be completed, no longer prefix can) and
// that the question itself is solvable (MC(0) > threshold). threshold is 0
// in OmegaPRM (a step is correct when any rollout from it succeeds).
//
// Paper: Luo et al., "Improve Mathematical Reasoning in Language Models by
// Automated Process Supervision", arXiv:2406.06592 (OmegaPRM, #75). No
// reference code.
func FirstError(n int, oracle MCOracle, threshold float64) (FirstErrorResult, error) {
	if n < 1 {
		return FirstErrorResult{}, fmt.Errorf("omegaprm: a solution needs at least one step, got %d", n)
	}
	var res FirstErrorResult
	lo, hi := 1, n
	for lo < hi {
		mid := (lo + hi) / 2
		mc, err := oracle(mid)
		if err != nil {
			return FirstErrorResult{}, fmt.Errorf("omegaprm: MC of the first %d steps: %w", mid, err)
		}
		if math.IsNaN(mc) {
			return FirstErrorResult{}, fmt.Errorf("omegaprm: MC of the first %d steps is NaN", mid)
		}
		res.Evaluated = append(res.Evaluated, MCPoint{mid, mc})
		if mc > threshold {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	res.First = lo - 1
	return res, nil
}

// FirstErrorFromValues runs FirstError's binary search over given MC
// values, mc[k] = MC after step k (k = 0..n−1). A solution whose last value
// is above threshold has no error: it returns n. The search reads only
// O(log n) of the values, so with non-monotone values it may differ from
// LinearFirstError, exactly as OmegaPRM would have.
func FirstErrorFromValues(mc []float64, threshold float64) (int, error) {
	if err := finite("mc", mc); err != nil {
		return 0, fmt.Errorf("omegaprm: %w", err)
	}
	n := len(mc)
	if n == 0 || mc[n-1] > threshold {
		return n, nil
	}
	r, err := FirstError(n, func(k int) (float64, error) { return mc[k-1], nil }, threshold)
	return r.First, err
}

// LinearFirstError is the first k with mc[k] <= threshold, or len(mc).
func LinearFirstError(mc []float64, threshold float64) int {
	for k, x := range mc {
		if !(x > threshold) {
			return k
		}
	}
	return len(mc)
}

// StepLabels turns a first-error index into OmegaPRM's step labels: steps
// before it are correct (1, or their MC value when soft), the first error
// is wrong (0, or its MC value when soft), and later steps are unlabelled
// (labelled[k] = false). mc may be nil when !soft.
func StepLabels(n, first int, mc []float64, soft bool) (labels []float64, labelled []bool, err error) {
	if soft && len(mc) != n {
		return nil, nil, fmt.Errorf("omegaprm: soft labels need %d MC values, got %d", n, len(mc))
	}
	if first < 0 || first > n {
		return nil, nil, fmt.Errorf("omegaprm: first error %d outside [0, %d]", first, n)
	}
	labels = make([]float64, n)
	labelled = make([]bool, n)
	for k := 0; k < n && k <= first; k++ {
		labelled[k] = true
		switch {
		case soft:
			labels[k] = mc[k]
		case k < first:
			labels[k] = 1
		}
	}
	return labels, labelled, nil
}

// OmegaOptions are OmegaPRM's search constants (the spec's recalled
// defaults).
type OmegaOptions struct {
	Alpha, Beta float64 // rollout value α^(1−MC)·β^(len/L): 0.5, 0.9
	L           float64 // length normaliser: 500
	CPuct       float64 // exploration constant: 0.125
}

// DefaultOmegaOptions returns α = 0.5, β = 0.9, L = 500, c_puct = 0.125.
func DefaultOmegaOptions() OmegaOptions {
	return OmegaOptions{Alpha: 0.5, Beta: 0.9, L: 500, CPuct: 0.125}
}

// RolloutQ is OmegaPRM's value of a rollout r from state s,
// Q(s, r) = α^(1 − MC(s)) · β^(len(r)/L): it prefers rollouts from states
// that are likely correct (high MC) yet still hold an error to find, and
// shorter rollouts.
func RolloutQ(mc float64, length int, o OmegaOptions) float64 {
	return math.Pow(o.Alpha, 1-mc) * math.Pow(o.Beta, float64(length)/o.L)
}

// SelectionScore is OmegaPRM's PUCT selection score Q(s, r) + U(s) with
// U(s) = c_puct · sqrt(Σ_i N(s_i)) / (1 + N(s)): visits is N(s), total the
// visits of all candidate states.
func SelectionScore(q float64, visits, total int, o OmegaOptions) float64 {
	return q + o.CPuct*math.Sqrt(float64(total))/(1+float64(visits))
}
