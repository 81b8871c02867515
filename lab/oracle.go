package lab

import (
	"math"
	"sort"

	"github.com/credo-rl/credo/lab/env"
	"github.com/credo-rl/credo/lab/policy"
	"github.com/credo-rl/credo/lab/sample"
	"github.com/credo-rl/credo/lab/score"
	"github.com/credo-rl/credo/lab/train"
	"github.com/credo-rl/credo/lab/truth"
	"github.com/credo-rl/credo/loss"
)

// oracle computes the exact A^π of a fixed policy by backward induction
// (lab/truth), one solution per start state (the advantage does not depend
// on the start distribution; the visit probabilities do).
type oracle struct {
	e    env.Env
	pi   truthPolicy
	sols map[string]solution
	keys []string // sorted keys of sols (find)
}

func newOracle(e env.Env, pol policy.Policy) *oracle {
	return &oracle{e: e, pi: func(s env.State, t int) []float64 { return pol.Probs(s, t) }, sols: map[string]solution{}}
}

func (o *oracle) sol(start env.State) (solution, error) {
	k := start.Key()
	if s, ok := o.sols[k]; ok {
		return s, nil
	}
	s, err := solve(o.e, o.pi, []env.Weighted{{S: start, P: 1}})
	if err != nil {
		return nil, err
	}
	o.sols[k] = s
	return s, nil
}

// samples are the (credit, exact advantage, cell) triples of a batch.
type samples struct {
	est, truth []float64
	cell       []string
	// t lets experiments restrict the score to some steps.
	t []int
	// total counts the tokens considered (scored or not: coverage).
	total int
}

func (s *samples) add(o samples) {
	s.est = append(s.est, o.est...)
	s.truth = append(s.truth, o.truth...)
	s.cell = append(s.cell, o.cell...)
	s.t = append(s.t, o.t...)
	s.total += o.total
}

func (s samples) metrics() score.Credit { return score.CreditMetrics(s.est, s.truth, s.cell, 1e-9) }

// collect pairs every loss-carrying token of b (probes excluded) with its
// exact advantage.
func (o *oracle) collect(b *sample.Built, eps []sample.Episode) (samples, error) {
	return o.collectIf(b, eps, nil)
}

// collectIf is collect restricted to the tokens keep accepts (nil: all).
func (o *oracle) collectIf(b *sample.Built, eps []sample.Episode, keep func(tok sample.Token) bool) (samples, error) {
	var out samples
	for i, t := range b.Batch.Trajectories {
		if t.Probe {
			continue
		}
		start := eps[b.Ep[i]].Start
		sol, err := o.sol(start)
		if err != nil {
			return out, err
		}
		for j, tok := range b.Tokens[i] {
			if keep != nil && !keep(tok) {
				continue
			}
			out.total++
			if train.Weight(t, j) == 0 {
				continue
			}
			a := sol.A(tok.Role, tok.S, tok.T, tok.A)
			if math.IsNaN(a) {
				continue
			}
			out.est = append(out.est, t.Advantages[j])
			out.truth = append(out.truth, a)
			out.cell = append(out.cell, cellKey(tok))
			out.t = append(out.t, tok.T)
		}
	}
	return out, nil
}

func cellKey(tok sample.Token) string {
	return itoa(tok.Role) + "|" + tok.S.Key() + "@" + itoa(tok.T) + "#" + itoa(tok.A)
}

// exactGradient is ∂J/∂θ of the tabular softmax for the batch's prompts,
// each weighted by its share of the batch's non-probe trajectories
// (truth.ExactGradientBy keyed like the policy, summed over roles: the
// self-play update direction).
func (o *oracle) exactGradient(pol *policy.Tabular, b *sample.Built, eps []sample.Episode) (map[string][]float64, error) {
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
		sol, err := o.sol(starts[k])
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

// estimatedGradient is the method's policy-gradient estimate from the
// advantages in b: minus the gradient of the engine's REINFORCE loss
// (loss.PolicyLossGPG, seq-mean-token-sum: Σ_tokens Â·∇log π / #trajectories),
// keyed like exactGradient.
func estimatedGradient(pol *policy.Tabular, b *sample.Built) (map[string][]float64, error) {
	u := train.Update{Loss: train.Reinforce, Config: loss.DefaultVerlPolicyConfig()}
	u.Config.AggMode = loss.SeqMeanTokenSum
	res, err := train.LossGrad(pol, b, u)
	if err != nil {
		return nil, err
	}
	g := map[string][]float64{}
	for i, row := range res.GradLogProb {
		for j, gl := range row {
			if gl == 0 {
				continue
			}
			tok := b.Tokens[i][j]
			p := pol.Probs(tok.S, tok.T)
			key := pol.Key(tok.S, tok.T)
			r := g[key]
			if r == nil {
				r = make([]float64, len(p))
				g[key] = r
			}
			for a := range p {
				d := -p[a]
				if a == tok.A {
					d++
				}
				r[a] += -gl * d
			}
		}
	}
	return g, nil
}

// gradVariance is the total variance Σ_k Var(g_k) of gradient estimates
// across batches, divided by the squared norm of their mean (a relative,
// scale-free variance).
func gradVariance(gs []map[string][]float64) (total, relative float64) {
	if len(gs) < 2 {
		return math.NaN(), math.NaN()
	}
	mean := map[string][]float64{}
	var keys []string
	for _, g := range gs {
		for _, k := range score.SortedKeys(g) {
			v := g[k]
			m := mean[k]
			if m == nil {
				m = make([]float64, len(v))
				mean[k] = m
				keys = append(keys, k)
			}
			for i, x := range v {
				m[i] += x / float64(len(gs))
			}
		}
	}
	for _, g := range gs {
		for _, k := range keys {
			m := mean[k]
			v := g[k]
			for i := range m {
				x := 0.0
				if v != nil {
					x = v[i]
				}
				total += (x - m[i]) * (x - m[i]) / float64(len(gs)-1)
			}
		}
	}
	n := score.Norm(mean)
	return total, total / (n*n + 1e-12)
}

func itoa(i int) string {
	if i >= 0 && i < 10 {
		return string(rune('0' + i))
	}
	neg := i < 0
	if neg {
		i = -i
	}
	var b [20]byte
	n := len(b)
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	if neg {
		n--
		b[n] = '-'
	}
	return string(b[n:])
}

// find returns a solved start's solution that contains (st, t), trying the
// starts in key order (the values do not depend on which: V^π and Q^π of
// a state are functions of the state's subtree only).
func (o *oracle) find(st env.State, t int) solution {
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
func (o *oracle) V(st env.State, t, role int) float64 {
	if s := o.find(st, t); s != nil {
		return s.V(role, st, t)
	}
	return 0
}

// Q is the exact Q^π_t(s, a) for role (0 for an unreached state).
func (o *oracle) Q(st env.State, t, role, a int) float64 {
	if s := o.find(st, t); s != nil {
		return s.Q(role, st, t, a)
	}
	return 0
}
