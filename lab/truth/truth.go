package truth

import (
	"errors"
	"fmt"
	"math"

	"github.com/credo-rl/credo/lab/env"
)

// Policy gives the action probabilities of π in state s at time t, over
// env.Actions(); they must be non-negative, sum to 1 and be zero on illegal
// actions. Solve calls it once per (state, t) and copies the result.
type Policy func(s env.State, t int) []float64

// Options configures Solve.
type Options struct {
	// Gamma is the discount γ in (0, 1]; the zero value means 1 (the default).
	Gamma float64
	// MaxNodes caps the number of (state, t) nodes; 0 means DefaultMaxNodes.
	// Solve returns an error when the state space exceeds it.
	MaxNodes int
}

// DefaultMaxNodes is the default cap on (state, t) nodes (a few hundred MB
// at worst). At the registry defaults the largest solutions are KBHop over
// its 43 questions (5,490 nodes) and TicTacToe (4,520); a Sokoban6 level
// needs at most a few thousand.
const DefaultMaxNodes = 1_000_000

type nodeID struct {
	key string
	t   int
}

type edge struct {
	a     int32
	child int32 // −1 when the transition ends the episode or reaches the horizon
	p     float64
	r     int32 // offset of the reward vector in Solution.rewards
}

type node struct {
	st    env.State
	t     int
	role  int
	pi    []float64
	legal []bool // nil = all legal
	edges []edge // grouped by action, in action order
	q     []float64
	v     []float64
	d     float64
}

// Solution is the exact solution for one policy and start distribution.
type Solution struct {
	roles, nA, horizon int
	gamma              float64
	index              map[nodeID]int32
	nodes              []node
	rewards            []float64
	value              []float64
}

// Solve is SolveWith with the default Options (γ = 1).
func Solve(e env.Env, pi Policy, starts []env.Weighted) (*Solution, error) {
	return SolveWith(e, pi, starts, Options{})
}

// SolveWith solves e under π from the start distribution starts (weights
// summing to 1; duplicate states are merged). The solution covers every
// (state, t) reachable from the starts within the horizon by any sequence
// of legal actions, so that Q is defined for every legal action; Visits and
// Each single out those reachable under π.
func SolveWith(e env.Env, pi Policy, starts []env.Weighted, o Options) (*Solution, error) {
	gamma := o.Gamma
	if gamma == 0 {
		gamma = 1
	}
	if !(gamma > 0 && gamma <= 1) {
		return nil, fmt.Errorf("truth: Gamma %v outside (0, 1]", o.Gamma)
	}
	maxNodes := o.MaxNodes
	if maxNodes <= 0 {
		maxNodes = DefaultMaxNodes
	}
	if len(starts) == 0 {
		return nil, errors.New("truth: empty start distribution")
	}
	s := &Solution{roles: e.Roles(), nA: len(e.Actions()), horizon: e.Horizon(), gamma: gamma, index: map[nodeID]int32{}}
	if s.roles < 1 || s.nA < 1 || s.horizon < 1 {
		return nil, fmt.Errorf("truth: %s: %d roles, %d actions, horizon %d", e.Name(), s.roles, s.nA, s.horizon)
	}
	sum := 0.0
	for _, w := range starts {
		if !(w.P > 0) || w.S == nil {
			return nil, fmt.Errorf("truth: start state %v with probability %v", w.S, w.P)
		}
		sum += w.P
	}
	if math.Abs(sum-1) > 1e-9 {
		return nil, fmt.Errorf("truth: start probabilities sum to %v, want 1", sum)
	}
	add := func(st env.State, t int) (int32, error) {
		id := nodeID{st.Key(), t}
		if i, ok := s.index[id]; ok {
			return i, nil
		}
		if len(s.nodes) >= maxNodes {
			return 0, fmt.Errorf("truth: %s: more than %d (state, t) nodes; raise Options.MaxNodes or shrink the environment", e.Name(), maxNodes)
		}
		i := int32(len(s.nodes))
		s.index[id] = i
		s.nodes = append(s.nodes, node{st: st, t: t})
		return i, nil
	}
	for _, w := range starts {
		i, err := add(w.S, 0)
		if err != nil {
			return nil, err
		}
		s.nodes[i].d += w.P
	}
	// Forward expansion, layer by layer: node indices are sorted by t.
	for i := 0; i < len(s.nodes); i++ {
		if err := s.expand(e, pi, int32(i), add); err != nil {
			return nil, err
		}
	}
	// Visits, forward.
	for i := range s.nodes {
		n := &s.nodes[i]
		for _, ed := range n.edges {
			if ed.child >= 0 {
				s.nodes[ed.child].d += n.d * n.pi[ed.a] * ed.p
			}
		}
	}
	// Values, backward.
	for i := len(s.nodes) - 1; i >= 0; i-- {
		n := &s.nodes[i]
		n.q = make([]float64, s.roles*s.nA)
		for a := 0; a < s.nA; a++ {
			if n.legal != nil && !n.legal[a] {
				for r := 0; r < s.roles; r++ {
					n.q[r*s.nA+a] = math.NaN()
				}
			}
		}
		for _, ed := range n.edges {
			for r := 0; r < s.roles; r++ {
				x := s.rewards[int(ed.r)+r]
				if ed.child >= 0 {
					x += gamma * s.nodes[ed.child].v[r]
				}
				n.q[r*s.nA+int(ed.a)] += ed.p * x
			}
		}
		n.v = make([]float64, s.roles)
		for r := 0; r < s.roles; r++ {
			for a, p := range n.pi {
				if p > 0 {
					n.v[r] += p * n.q[r*s.nA+a]
				}
			}
		}
	}
	s.value = make([]float64, s.roles)
	for _, w := range starts {
		n := &s.nodes[s.index[nodeID{w.S.Key(), 0}]]
		for r := range s.value {
			s.value[r] += w.P * n.v[r]
		}
	}
	return s, nil
}

func (s *Solution) expand(e env.Env, pi Policy, i int32, add func(env.State, int) (int32, error)) error {
	n := &s.nodes[i]
	st, t := n.st, n.t
	legal := e.Legal(st)
	if legal != nil && len(legal) != s.nA {
		return fmt.Errorf("truth: %s: Legal(%q) has %d entries, want %d", e.Name(), st.Key(), len(legal), s.nA)
	}
	role := e.Role(st)
	if role < 0 || role >= s.roles {
		return fmt.Errorf("truth: %s: Role(%q) = %d outside [0, %d)", e.Name(), st.Key(), role, s.roles)
	}
	p := pi(st, t)
	if len(p) != s.nA {
		return fmt.Errorf("truth: policy gives %d probabilities in state %q (t=%d), want %d", len(p), st.Key(), t, s.nA)
	}
	p = append([]float64(nil), p...)
	sum, anyLegal := 0.0, false
	for a, x := range p {
		ok := legal == nil || legal[a]
		anyLegal = anyLegal || ok
		switch {
		case !(x >= 0) || math.IsInf(x, 0):
			return fmt.Errorf("truth: policy probability %v for action %d in state %q (t=%d)", x, a, st.Key(), t)
		case !ok && x > 1e-12:
			return fmt.Errorf("truth: policy puts %v on illegal action %d in state %q (t=%d)", x, a, st.Key(), t)
		case !ok:
			p[a] = 0
		}
		sum += p[a]
	}
	if !anyLegal {
		return fmt.Errorf("truth: %s: no legal action in state %q", e.Name(), st.Key())
	}
	if math.Abs(sum-1) > 1e-6 {
		return fmt.Errorf("truth: policy probabilities sum to %v in state %q (t=%d)", sum, st.Key(), t)
	}
	var edges []edge
	for a := 0; a < s.nA; a++ {
		if legal != nil && !legal[a] {
			continue
		}
		trs := e.Step(st, t, a)
		if len(trs) == 0 {
			return fmt.Errorf("truth: %s: Step(%q, t=%d, a=%d) has no outcome", e.Name(), st.Key(), t, a)
		}
		tot := 0.0
		for _, tr := range trs {
			if !(tr.P > 0) {
				return fmt.Errorf("truth: %s: Step(%q, t=%d, a=%d) has an outcome with probability %v", e.Name(), st.Key(), t, a, tr.P)
			}
			if len(tr.Reward) != s.roles {
				return fmt.Errorf("truth: %s: Step(%q, t=%d, a=%d) reward has %d roles, want %d", e.Name(), st.Key(), t, a, len(tr.Reward), s.roles)
			}
			tot += tr.P
			ed := edge{a: int32(a), child: -1, p: tr.P, r: int32(len(s.rewards))}
			s.rewards = append(s.rewards, tr.Reward...)
			if !tr.Done && t+1 < s.horizon {
				if tr.Next == nil {
					return fmt.Errorf("truth: %s: Step(%q, t=%d, a=%d) has a nil successor", e.Name(), st.Key(), t, a)
				}
				c, err := add(tr.Next, t+1)
				if err != nil {
					return err
				}
				ed.child = c
			}
			edges = append(edges, ed)
		}
		if math.Abs(tot-1) > 1e-9 {
			return fmt.Errorf("truth: %s: Step(%q, t=%d, a=%d) probabilities sum to %v", e.Name(), st.Key(), t, a, tot)
		}
	}
	n = &s.nodes[i] // add may have grown the slice
	n.role, n.pi, n.legal, n.edges = role, p, legal, edges
	return nil
}

func (s *Solution) find(st env.State, t int) *node {
	i, ok := s.index[nodeID{st.Key(), t}]
	if !ok {
		return nil
	}
	return &s.nodes[i]
}

// Has reports whether (st, t) is part of the solution.
func (s *Solution) Has(st env.State, t int) bool { return s.find(st, t) != nil }

// V is V^π_t(st) for role: 0 at t ≥ Horizon, NaN for a state outside the solution.
func (s *Solution) V(role int, st env.State, t int) float64 {
	if t >= s.horizon {
		return 0
	}
	n := s.find(st, t)
	if n == nil || role < 0 || role >= s.roles {
		return math.NaN()
	}
	return n.v[role]
}

// Q is Q^π_t(st, a) for role (the expected return of role after a in st at
// t, whoever acts in st); NaN for an illegal action or a state outside the
// solution.
func (s *Solution) Q(role int, st env.State, t int, a int) float64 {
	n := s.find(st, t)
	if n == nil || role < 0 || role >= s.roles || a < 0 || a >= s.nA {
		return math.NaN()
	}
	return n.q[role*s.nA+a]
}

// A is the advantage A^π_t(st, a) = Q^π_t(st, a) − V^π_t(st) for role;
// with role = the role acting in st it is the actor's advantage, the
// quantity credit-assignment methods estimate. NaN where Q is.
func (s *Solution) A(role int, st env.State, t int, a int) float64 {
	q := s.Q(role, st, t, a)
	if math.IsNaN(q) {
		return q
	}
	return q - s.nodes[s.index[nodeID{st.Key(), t}]].v[role]
}

// Visits is d^π_t(st): the probability that the episode is in st at time t
// (its expected number of visits at t), from the start distribution. 0 for
// a state outside the solution.
func (s *Solution) Visits(st env.State, t int) float64 {
	n := s.find(st, t)
	if n == nil {
		return 0
	}
	return n.d
}

// Pi returns the policy probabilities Solve recorded at (st, t) (nil outside the solution).
func (s *Solution) Pi(st env.State, t int) []float64 {
	n := s.find(st, t)
	if n == nil {
		return nil
	}
	return append([]float64(nil), n.pi...)
}

// Each calls fn for every (state, t) reachable under π (Visits > 0), in
// increasing t.
func (s *Solution) Each(fn func(st env.State, t int)) {
	for i := range s.nodes {
		if s.nodes[i].d > 0 {
			fn(s.nodes[i].st, s.nodes[i].t)
		}
	}
}

// Value is the expected (γ-discounted) return of role from the start
// distribution, Σ_s P(s) V^π_0(s).
func (s *Solution) Value(role int) float64 { return s.value[role] }

// Gamma is the discount the solution used.
func (s *Solution) Gamma() float64 { return s.gamma }

// Size is the number of (state, t) nodes, including those only reachable
// through actions π never takes.
func (s *Solution) Size() int { return len(s.nodes) }

// startWeight is the start probability of a t = 0 node (its visit mass).
func (s *Solution) startWeight(i int) float64 { return s.nodes[i].d }
