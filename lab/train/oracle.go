package train

import (
	"math"
	"sort"
	"strconv"

	"github.com/credo-rl/credo/lab/env"
	"github.com/credo-rl/credo/lab/policy"
	"github.com/credo-rl/credo/lab/sample"
	"github.com/credo-rl/credo/lab/score"
	"github.com/credo-rl/credo/lab/truth"
)

// Oracle computes the exact A^π of a fixed policy by backward induction
// (lab/truth), one solution per start state (the advantage does not depend
// on the start distribution; the visit probabilities do). Solutions are
// cached: an Oracle belongs to one policy at one point of training.
type Oracle struct {
	e    env.Env
	pi   truth.Policy
	sols map[string]*truth.Solution
	keys []string // sorted keys of sols (find)
}

// NewOracle is the oracle of pol on e (nothing solved yet).
func NewOracle(e env.Env, pol policy.Policy) *Oracle {
	return &Oracle{e: e, pi: func(s env.State, t int) []float64 { return pol.Probs(s, t) }, sols: map[string]*truth.Solution{}}
}

// Sol is the exact solution from start (solved on first use).
func (o *Oracle) Sol(start env.State) (*truth.Solution, error) {
	k := start.Key()
	if s, ok := o.sols[k]; ok {
		return s, nil
	}
	s, err := truth.Solve(o.e, o.pi, []env.Weighted{{S: start, P: 1}})
	if err != nil {
		return nil, err
	}
	o.sols[k] = s
	return s, nil
}

// Samples are the (credit, exact advantage, cell) triples of a batch.
type Samples struct {
	est, truth []float64
	cell       []string
	// t lets experiments restrict the score to some steps.
	t []int
	// Total counts the tokens considered (scored or not: coverage).
	Total int
}

// Add appends o to s.
func (s *Samples) Add(o Samples) {
	s.est = append(s.est, o.est...)
	s.truth = append(s.truth, o.truth...)
	s.cell = append(s.cell, o.cell...)
	s.t = append(s.t, o.t...)
	s.Total += o.Total
}

// Metrics scores the credit against the exact advantage (lab/score).
func (s Samples) Metrics() score.Credit { return score.CreditMetrics(s.est, s.truth, s.cell, 1e-9) }

// Collect pairs every loss-carrying token of b (probes excluded) with its
// exact advantage.
func (o *Oracle) Collect(b *sample.Built, eps []sample.Episode) (Samples, error) {
	return o.CollectIf(b, eps, nil)
}

// CollectIf is Collect restricted to the tokens keep accepts (nil: all).
func (o *Oracle) CollectIf(b *sample.Built, eps []sample.Episode, keep func(tok sample.Token) bool) (Samples, error) {
	var out Samples
	for i, t := range b.Batch.Trajectories {
		if t.Probe {
			continue
		}
		start := eps[b.Ep[i]].Start
		sol, err := o.Sol(start)
		if err != nil {
			return out, err
		}
		for j, tok := range b.Tokens[i] {
			if keep != nil && !keep(tok) {
				continue
			}
			out.Total++
			if Weight(t, j) == 0 {
				continue
			}
			a := sol.A(tok.Role, tok.S, tok.T, tok.A)
			if math.IsNaN(a) {
				continue
			}
			out.est = append(out.est, t.Advantages[j])
			out.truth = append(out.truth, a)
			out.cell = append(out.cell, CellKey(tok))
			out.t = append(out.t, tok.T)
		}
	}
	return out, nil
}

// CellKey names a token's (role, state, t, action) cell.
func CellKey(tok sample.Token) string {
	return strconv.Itoa(tok.Role) + "|" + tok.S.Key() + "@" + strconv.Itoa(tok.T) + "#" + strconv.Itoa(tok.A)
}

// ExactGradient is ∂J/∂θ of the tabular softmax for the batch's prompts,
// each weighted by its share of the batch's non-probe trajectories
// (truth.ExactGradientBy keyed like the policy, summed over roles: the
// self-play update direction).
func (o *Oracle) ExactGradient(pol *policy.Tabular, b *sample.Built, eps []sample.Episode) (map[string][]float64, error) {
	weight := map[string]float64{}
	starts := map[string]env.State{}
	var order []string
	n := 0.0
	for i, t := range b.Batch.Trajectories {
		if t.Probe {
			continue
		}
		s := eps[b.Ep[i]].Start
		k := s.Key()
		if _, ok := starts[k]; !ok {
			starts[k] = s
			order = append(order, k)
		}
		weight[k]++
		n++
	}
	g := map[string][]float64{}
	for _, k := range order {
		sol, err := o.Sol(starts[k])
		if err != nil {
			return nil, err
		}
		w := weight[k] / n
		for r := 0; r < o.e.Roles(); r++ {
			for key, v := range truth.ExactGradientBy(sol, r, pol.Key) {
				row := g[key]
				if row == nil {
					row = make([]float64, len(v))
					g[key] = row
				}
				for a, x := range v {
					row[a] += w * x
				}
			}
		}
	}
	return g, nil
}

// find returns a solved start's *truth.Solution that contains (st, t), trying the
// starts in key order (the values do not depend on which: V^π and Q^π of
// a state are functions of the state's subtree only).
func (o *Oracle) find(st env.State, t int) *truth.Solution {
	if len(o.keys) != len(o.sols) {
		o.keys = o.keys[:0]
		for k := range o.sols {
			o.keys = append(o.keys, k)
		}
		sort.Strings(o.keys)
	}
	for _, k := range o.keys {
		if s := o.sols[k]; s.Has(st, t) {
			return s
		}
	}
	return nil
}

// V is the exact V^π_t(s) for role: the oracle critic (0 for a state no
// solved start reaches; solve the starts first).
func (o *Oracle) V(st env.State, t, role int) float64 {
	if s := o.find(st, t); s != nil {
		return s.V(role, st, t)
	}
	return 0
}

// Q is the exact Q^π_t(s, a) for role (0 for an unreached state).
func (o *Oracle) Q(st env.State, t, role, a int) float64 {
	if s := o.find(st, t); s != nil {
		return s.Q(role, st, t, a)
	}
	return 0
}
