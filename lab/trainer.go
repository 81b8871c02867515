package lab

import (
	"math"

	"github.com/credo-rl/credo/lab/env"
	"github.com/credo-rl/credo/lab/policy"
	"github.com/credo-rl/credo/lab/train"
)

// entropy is the mean policy entropy over the visited states of the
// evaluation prompts, weighted by visit probability.
func entropy(pol policy.Policy, or *train.Oracle, starts []env.State, weights []float64) (float64, error) {
	h, w := 0.0, 0.0
	for i, s0 := range starts {
		sol, err := or.Sol(s0)
		if err != nil {
			return 0, err
		}
		sol.Each(func(st env.State, t int) {
			d := weights[i] * sol.Visits(st, t)
			if d > 0 {
				h += d * policy.Entropy(pol.Probs(st, t))
				w += d
			}
		})
	}
	if w == 0 {
		return math.NaN(), nil
	}
	return h / w, nil
}
