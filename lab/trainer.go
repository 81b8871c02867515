package lab

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/lab/critic"
	"github.com/credo-rl/credo/lab/env"
	"github.com/credo-rl/credo/lab/policy"
	"github.com/credo-rl/credo/lab/run"
	"github.com/credo-rl/credo/lab/sample"
	"github.com/credo-rl/credo/lab/train"
)

// trainSpec is one training run: a method on an environment from a seed.
type trainSpec struct {
	env    string
	method string
	set    map[string]any // parameter overrides (on top of the method profile's)
	label  string         // display name (default: method)

	mlp       bool    // MLP policy instead of tabular
	initScale float64 // tabular initial logits' std
	iters     int
	P, N      int // prompts per batch, group size
	pool      int // fixed prompt pool size (0: fresh start states every batch)
	// cycle trains on the environment's whole start distribution in turn
	// (every prompt of a small pool in every batch) instead of sampling it.
	cycle     bool
	lr        float64
	update    train.Update
	evalEvery int
	// criticKind is "table" or "linear" for methods that read values
	// (default table when the method reads values).
	criticKind string
	tree       *sample.TreeOptions
	// transform edits the built batch before credit assignment (e.g. a
	// PRM reward refinement); nil = none.
	transform func(b *sample.Built)
	// prep builds a transform from the environment and the evaluation
	// pool (e.g. which problems carry a verifiable label); nil = none.
	prep func(e env.Env, pool []env.State) func(b *sample.Built)
	// wrap replaces the environment (e.g. a PRM with a different flaw);
	// nil = the registry's.
	wrap func(e env.Env) env.Env
	// sizes chooses the group size per prompt of iteration it (nil: N each).
	sizes func(it int, m *train.Method, starts []env.State) ([]int, error)
	// eval adds metrics at evaluation points (nil: return only).
	eval func(e env.Env, pol policy.Policy, or *oracle, starts []env.State, weights []float64) (map[string]float64, error)
	// perBatch adds metrics of each training batch (after assignment).
	perBatch func(e env.Env, b *sample.Built, eps []sample.Episode, or *oracle) map[string]float64
	// scoreCredit scores every batch's credit against A^π (costs one
	// solve per prompt per iteration).
	scoreCredit bool
	// gradVar > 1 draws that many extra batches at each evaluation point
	// and records the relative variance of the method's policy-gradient
	// estimate across them ("grad_rel_var"; tabular policies only).
	gradVar int
}

// trainOut is the outcome of one run.
type trainOut struct {
	x      []float64
	curves map[string][]float64 // metric → value per evaluation point
	batch  map[string][]float64 // metric → value per iteration
	final  map[string]float64
	pol    policy.Policy // the trained policy
}

// runTraining trains one policy and records its learning curve. The exact
// expected return on the evaluation prompts is the main curve.
func runTraining(ctx context.Context, x *run.Ctx, seed uint64, s trainSpec) (*trainOut, error) {
	e, err := run.NewEnv(s.env, seed)
	if err != nil {
		return nil, err
	}
	if s.wrap != nil {
		e = s.wrap(e)
	}
	m, err := credit.Lookup(s.method)
	if err != nil {
		return nil, err
	}
	prof, set := methodProfile(m, e)
	for k, v := range s.set {
		set[k] = v
	}
	tm, err := train.NewMethod(s.method, set)
	if err != nil {
		return nil, err
	}
	// The same policy initialisation and prompt pool for every method of a
	// seed (paired comparisons); the sampling stream depends on the method.
	rngInit := x.Rng(seed, s.env, "init")
	rng := x.Rng(seed, s.env, "train", s.label, s.method)
	var pol policy.Policy
	if s.mlp {
		pol = policy.NewMLP(e, 16, true, e.Start(rand.New(rand.NewPCG(seed, 1))), seed)
	} else {
		pol = policy.NewTabular(e, s.initScale, seed)
	}
	// Evaluation prompts (pool, weights) and how training prompts are drawn.
	var pool []env.State
	var poolW []float64
	fixed := false
	if s.pool > 0 {
		pool, fixed = sample.Starts(e, rngInit, s.pool), true
	} else if sd := e.StartDist(); sd != nil && len(sd) <= 64 {
		for _, w := range sd {
			pool = append(pool, w.S)
			poolW = append(poolW, w.P)
		}
		fixed = s.cycle
	} else {
		pool = sample.Starts(e, rngInit, 16)
	}
	if poolW == nil {
		for range pool {
			poolW = append(poolW, 1/float64(len(pool)))
		}
	}
	transform := s.transform
	if s.prep != nil {
		transform = s.prep(e, pool)
	}
	var crit critic.Critic
	if m.NeedsCritic() || s.criticKind != "" {
		switch s.criticKind {
		case "linear":
			crit = critic.NewLinear(e, pool[0], true, 0.05)
		default:
			crit = critic.NewTable(true, 0.1)
		}
	}
	opt := policy.NewAdam(s.lr)
	out := &trainOut{curves: map[string][]float64{}, batch: map[string][]float64{}, final: map[string]float64{}}
	sampleBatch := func(rng *rand.Rand, it int) (*sample.Built, []sample.Episode, error) {
		var starts []env.State
		if fixed {
			// the fixed pool, cycling when P exceeds it
			for i := 0; i < s.P; i++ {
				starts = append(starts, pool[(it*s.P+i)%len(pool)])
			}
		} else {
			starts = sample.Starts(e, rng, s.P)
		}
		sizes := sample.Uniform(len(starts), s.N)
		if s.sizes != nil {
			if sizes, err = s.sizes(it, tm, starts); err != nil {
				return nil, nil, err
			}
		}
		sm := &sample.Sampler{Env: e, Pi: pol.Probs, Rng: rng}
		var eps []sample.Episode
		if s.tree != nil || prof.tree {
			to := sample.TreeOptions{Roots: max(s.N/2, 1), Rounds: 1, Branches: 1}
			if s.tree != nil {
				to = *s.tree
			}
			eps = sm.Tree(starts, to)
		} else {
			eps = sm.Groups(starts, sizes)
		}
		bo := sample.BuildOptions{TokenRewards: !prof.noTokenRewards, Game: e.Name(), Ref: uniformPolicy(e), Pi: pol.Probs, PRMJudge: true,
			Greedy: sm.Greedy(starts), PromptKeys: promptKeys(starts)}
		if crit != nil {
			bo.V = crit.V
		}
		b, err := sample.Build(e, eps, bo)
		if err != nil {
			return nil, nil, err
		}
		if prof.probes {
			if b, eps, err = withChainProbes(e, pol.Probs, rng, b, eps, bo, probeInterval(e)); err != nil {
				return nil, nil, err
			}
		}
		if transform != nil {
			transform(b)
		}
		return b, eps, nil
	}
	evaluate := func(it int) error {
		or := newOracle(e, pol)
		v := 0.0
		for i, st := range pool {
			sol, err := or.sol(st)
			if err != nil {
				return err
			}
			v += poolW[i] * sol.Value(0)
		}
		out.x = append(out.x, float64(it))
		if e.Roles() == 1 {
			out.curves["return"] = append(out.curves["return"], v)
		}
		if tab, ok := pol.(*policy.Tabular); ok && s.gradVar > 1 {
			var gs []map[string][]float64
			vr := x.Rng(seed, s.env, "gradvar", s.label, s.method, itoa(it))
			for k := 0; k < s.gradVar; k++ {
				b, _, err := sampleBatch(vr, k)
				if err != nil {
					return err
				}
				c, err := tm.Clone()
				if err != nil {
					return err
				}
				if err := c.Assign(b); err != nil {
					return err
				}
				g, err := estimatedGradient(tab, b)
				if err != nil {
					return err
				}
				gs = append(gs, g)
			}
			tot, rel := gradVariance(gs)
			out.curves["grad_var"] = append(out.curves["grad_var"], tot)
			out.curves["grad_rel_var"] = append(out.curves["grad_rel_var"], rel)
		}
		if s.eval != nil {
			extra, err := s.eval(e, pol, or, pool, poolW)
			if err != nil {
				return err
			}
			for k, x := range extra {
				out.curves[k] = append(out.curves[k], x)
			}
		}
		return nil
	}
	evalEvery := max(s.evalEvery, 1)
	for it := 0; it < s.iters; it++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if it%evalEvery == 0 {
			if err := evaluate(it); err != nil {
				return nil, err
			}
		}
		b, eps, err := sampleBatch(rng, it)
		if err != nil {
			return nil, err
		}
		if err := tm.Assign(b); err != nil {
			return nil, fmt.Errorf("%s on %s, iteration %d: %w", s.method, s.env, it, err)
		}
		var or *oracle
		if s.scoreCredit || s.perBatch != nil {
			or = newOracle(e, pol)
		}
		if s.scoreCredit {
			smp, err := or.collect(b, eps)
			if err != nil {
				return nil, err
			}
			c := smp.metrics()
			out.batch["credit_pearson"] = append(out.batch["credit_pearson"], c.Pearson)
			out.batch["credit_rel_mse"] = append(out.batch["credit_rel_mse"], c.RelMSE)
		}
		if s.perBatch != nil {
			for k, v := range s.perBatch(e, b, eps, or) {
				out.batch[k] = append(out.batch[k], v)
			}
		}
		st, err := train.Step(pol, opt, b, s.update)
		if err != nil {
			return nil, err
		}
		out.batch["grad_norm"] = append(out.batch["grad_norm"], st.GradNorm)
		if crit != nil {
			if err := train.UpdateCritic(crit, b, 4, m.NeedsCritic()); err != nil {
				return nil, err
			}
		}
	}
	if err := evaluate(s.iters); err != nil {
		return nil, err
	}
	out.pol = pol
	for k, c := range out.curves {
		out.final[k] = c[len(c)-1]
		out.final["auc_"+k] = nanMean(c) // mean over the evaluation points: learning speed
	}
	for k, c := range out.batch {
		out.final["mean_"+k] = nanMean(c)
	}
	return out, nil
}

func promptKeys(starts []env.State) []string {
	out := make([]string, len(starts))
	for i, s := range starts {
		out[i] = s.Key()
	}
	return out
}

// entropy is the mean policy entropy over the visited states of the
// evaluation prompts, weighted by visit probability.
func entropy(pol policy.Policy, or *oracle, starts []env.State, weights []float64) (float64, error) {
	h, w := 0.0, 0.0
	for i, s0 := range starts {
		sol, err := or.sol(s0)
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
