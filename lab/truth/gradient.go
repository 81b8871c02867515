package truth

import (
	"math"

	"github.com/credo-rl/credo/lab/env"
)

// ExactGradient is the exact policy gradient of a tabular softmax policy
// with logits θ indexed by st.Key():
//
//	∂J_role/∂θ_{s,a} = Σ_t γ^t · d^π_t(s) · π(a|s,t) · A^π_t(s,a)
//
// (environments.md §4; the policy-gradient theorem with
// ∂π(b|s)/∂θ_{s,a} = π(b|s)(1[b=a] − π(a|s))), where J_role = Value(role).
// The map has one entry per key, a vector over env.Actions() (0 on illegal
// actions).
//
// Conventions.
//   - Time: θ_{s,·} is shared over t. For a time-aware policy
//     π_t(·|s) = softmax(θ_s + b_t(s)) with any fixed b, the sum over t above
//     is the derivative with respect to the shared θ_s. For per-time
//     parameters use ExactGradientBy with a key that includes t.
//   - Roles: only states where role acts contribute. In a two-player game
//     this is the partial derivative of J_role with respect to the
//     parameters at role's own decision states, the opponent's policy held
//     fixed; the self-play update direction is the sum over roles of these
//     terms (the full derivative of J_role with respect to a θ shared by both
//     roles would also include opponent states, with role's advantage). For
//     single-agent environments it is the full gradient.
//   - Discount: γ^t weighting as in the solution (1 by default).
//
// e is the environment the solution was computed on.
func ExactGradient(e env.Env, s *Solution, role int) map[string][]float64 {
	return ExactGradientBy(s, role, func(st env.State, t int) string { return st.Key() })
}

// ExactGradientBy is ExactGradient for a tabular softmax policy whose logits
// are indexed by key(st, t), e.g. env.ObsKey for information-set policies
// (KuhnPoker) or a key including t for time-indexed tables. States sharing
// a key add up (chain rule: the same θ drives all of them).
func ExactGradientBy(s *Solution, role int, key func(st env.State, t int) string) map[string][]float64 {
	g := map[string][]float64{}
	for i := range s.nodes {
		n := &s.nodes[i]
		if n.d == 0 || n.role != role {
			continue
		}
		k := key(n.st, n.t)
		row := g[k]
		if row == nil {
			row = make([]float64, s.nA)
			g[k] = row
		}
		w := n.d * math.Pow(s.gamma, float64(n.t))
		for a, p := range n.pi {
			if p > 0 {
				row[a] += w * p * (n.q[role*s.nA+a] - n.v[role])
			}
		}
	}
	return g
}
