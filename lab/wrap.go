package lab

import (
	"github.com/credo-rl/credo/lab/env"
	"github.com/credo-rl/credo/lab/truth"
)

// successEnv re-rewards an environment: 1 on a transition that ends the
// episode (Done before the horizon), 0 otherwise, so that its exact value
// is the probability of finishing (Sokoban6: of solving the level).
type successEnv struct{ env.Env }

func (s successEnv) Step(st env.State, t, a int) []env.Transition {
	trs := s.Env.Step(st, t, a)
	out := make([]env.Transition, len(trs))
	for i, tr := range trs {
		r := make([]float64, s.Roles())
		if tr.Done {
			r[0] = 1
		}
		tr.Reward = r
		out[i] = tr
	}
	return out
}

// successProb is the exact probability that the policy ends the episode
// before the horizon, averaged over the weighted start states.
func successProb(e env.Env, pi truth.Policy, starts []env.State, w []float64) (float64, error) {
	v := 0.0
	for i, s := range starts {
		sol, err := truth.Solve(successEnv{e}, pi, []env.Weighted{{S: s, P: 1}})
		if err != nil {
			return 0, err
		}
		v += w[i] * sol.Value(0)
	}
	return v, nil
}
