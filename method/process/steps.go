package process

import (
	"fmt"
	"math"
)

// PlaceStepRewards returns the token rewards of a response of n tokens:
// stepRewards[k] on the last token (End−1) of step k, spans[k] = [Start,
// End), and 0 elsewhere (several steps ending on one token add up). Steps
// must be non-empty and inside the response; rewards must be finite.
func PlaceStepRewards(n int, spans [][2]int, stepRewards []float64) ([]float64, error) {
	if len(spans) != len(stepRewards) {
		return nil, fmt.Errorf("step rewards has %d values, steps has %d", len(stepRewards), len(spans))
	}
	out := make([]float64, n)
	for k, s := range spans {
		if s[0] < 0 || s[1] <= s[0] || s[1] > n {
			return nil, fmt.Errorf("step %d [%d, %d) is empty or outside the %d tokens", k, s[0], s[1], n)
		}
		r := stepRewards[k]
		if math.IsNaN(r) || math.IsInf(r, 0) {
			return nil, fmt.Errorf("step %d reward is %v", k, r)
		}
		out[s[1]-1] += r
	}
	return out, nil
}

// Returns is the undiscounted reverse cumulative sum G_t = Σ_{u>=t} r_u
// (γ = 1), the return PURE, Clip/Delta and VSRM use with a critic-free
// estimator.
func Returns(r []float64) []float64 {
	out := make([]float64, len(r))
	g := 0.0
	for t := len(r) - 1; t >= 0; t-- {
		g += r[t]
		out[t] = g
	}
	return out
}

func finite(name string, xs []float64) error {
	for k, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%s[%d] is %v", name, k, x)
		}
	}
	return nil
}
