package matrix

import (
	"math/rand/v2"
	"strconv"

	"github.com/credo-rl/credo/lab/critic"
	"github.com/credo-rl/credo/lab/env"
	"github.com/credo-rl/credo/lab/policy"
	"github.com/credo-rl/credo/lab/run"
	"github.com/credo-rl/credo/lab/sample"
	"github.com/credo-rl/credo/lab/train"
)

// world is a fixed random tabular policy on one environment with R scoring
// batches, a warm-up critic and the exact solutions.
type world struct {
	e       env.Env
	pol     *policy.Tabular
	or      *train.Oracle
	vtab    *critic.Table
	qtab    *critic.Table
	batches [][]sample.Episode // R batches of grouped episodes
	trees   [][]sample.Episode // R batches of rollout trees (same episode budget)
	greedy  [][]sample.Episode
	seed    uint64
	name    string
	// warm-up data (critic inputs and Monte Carlo returns)
	warmIn []critic.Input
	warmTg []float64
	warm   []sample.Episode // the warm-up episodes (LaRe's decoder is fitted on them)
	lin    *critic.Linear
	lare   *lareDec
}

// linear returns a linear critic over the state features (and t/H) fitted
// to the warm-up returns with the engine's value loss (300 Adam steps):
// the deliberately under-fitted critic of environments.md §3.2.
func (w *world) linear() (*critic.Linear, error) {
	if w.lin != nil {
		return w.lin, nil
	}
	c := critic.NewLinear(w.e, w.batches[0][0].Start, true, 0.05)
	if err := c.Fit(w.warmIn, w.warmTg, 300); err != nil {
		return nil, err
	}
	w.lin = c
	return c, nil
}

// Size is the scoring budget at one policy: P prompts × N episodes per
// batch, R scoring batches, Warm warm-up batches for the critic.
type Size struct{ P, N, R, Warm int }

func newWorld(x *run.Ctx, envName string, seed uint64, sz Size) (*world, error) {
	return newWorldPol(x, envName, seed, sz, nil)
}

// newWorldPol is newWorld at a given tabular policy (nil: the random
// initial policy, logits ~ N(0, 1)).
func newWorldPol(x *run.Ctx, envName string, seed uint64, sz Size, pol *policy.Tabular) (*world, error) {
	e, err := run.NewEnv(envName, seed)
	if err != nil {
		return nil, err
	}
	if pol == nil {
		pol = policy.NewTabular(e, 1.0, seed)
	}
	w := &world{e: e, pol: pol, seed: seed, name: envName}
	w.or = train.NewOracle(e, w.pol)
	rng := x.Rng(seed, envName, "world")
	sm := &sample.Sampler{Env: e, Pi: w.pol.Probs, Rng: rng}
	// Warm-up critic: V and Q tables (time-indexed) fitted to Monte Carlo
	// returns of Warm independent batches.
	w.vtab = critic.NewTable(true, 0.1)
	w.qtab = critic.NewTable(true, 0.1)
	w.qtab.Action = true
	var ins []critic.Input
	var tg []float64
	for k := 0; k < sz.Warm; k++ {
		eps := sm.Groups(sample.Starts(e, rng, sz.P), sample.Uniform(sz.P, sz.N))
		w.warm = append(w.warm, eps...)
		for _, ep := range eps {
			for r := 0; r < e.Roles(); r++ {
				rtg := sample.ReturnToGo(ep, r)
				for j, st := range ep.Steps {
					if st.Role != r {
						continue
					}
					ins = append(ins, critic.Input{S: st.S, T: st.T, Role: r, A: st.A})
					tg = append(tg, rtg[j])
				}
			}
		}
	}
	w.warmIn, w.warmTg = ins, tg
	w.vtab.Fit(ins, tg)
	w.qtab.Fit(ins, tg)
	for k := 0; k < sz.R; k++ {
		starts := sample.Starts(e, rng, sz.P)
		w.batches = append(w.batches, sm.Groups(starts, sample.Uniform(sz.P, sz.N)))
		w.greedy = append(w.greedy, sm.Greedy(starts))
		roots := max(sz.N/2, 1)
		w.trees = append(w.trees, sm.Tree(starts, sample.TreeOptions{Roots: roots, Rounds: 1, Branches: 1}))
	}
	return w, nil
}

// buildVariant says how a scoring batch is built beyond the method profile.
type buildVariant struct {
	// v replaces the warm-up table critic (nil: the table); q the Q table.
	v func(s env.State, t, role int) float64
	q func(s env.State, t, role, a int) float64
	// edit rewrites the built batch (e.g. BRPO's budget steps); nil: none.
	edit func(b *sample.Built, eps []sample.Episode) error
	// opts adds derived inputs to the build options of batch k (see
	// inputs.go); nil: none.
	opts func(k int, eps []sample.Episode, o *sample.BuildOptions) error
}

// build turns batch k into the data model for a method profile.
func (w *world) build(k int, p train.Profile, tree bool, bv buildVariant) (*sample.Built, []sample.Episode, error) {
	eps := w.batches[k]
	if tree {
		eps = w.trees[k]
	}
	o := sample.BuildOptions{
		TokenRewards: !p.NoTokenRewards,
		V:            w.vtab.V,
		Q:            w.qtab.Q,
		Ref:          train.UniformPolicy(w.e),
		Pi:           w.pol.Probs,
		Greedy:       w.greedy[k],
		Game:         w.e.Name(),
		PRMJudge:     true,
	}
	if bv.v != nil {
		o.V = bv.v
	}
	if bv.q != nil {
		o.Q = bv.q
	}
	if bv.opts != nil {
		if err := bv.opts(k, eps, &o); err != nil {
			return nil, nil, err
		}
	}
	b, err := sample.Build(w.e, eps, o)
	if err == nil && p.Probes {
		rng := rand.New(rand.NewPCG(w.seed, run.StreamID("probes", w.name, strconv.Itoa(k))))
		b, eps, err = train.WithChainProbes(w.e, w.pol.Probs, rng, b, eps, o, train.ProbeInterval(w.e))
	}
	if err == nil && bv.edit != nil {
		err = bv.edit(b, eps)
	}
	return b, eps, err
}
