package exp

import (
	"context"
	"fmt"
	"math"

	"github.com/credo-rl/credo/lab/env"
	"github.com/credo-rl/credo/lab/policy"
	"github.com/credo-rl/credo/lab/result"
	"github.com/credo-rl/credo/lab/run"
	"github.com/credo-rl/credo/lab/score"
	"github.com/credo-rl/credo/lab/train"
	"github.com/credo-rl/credo/lab/truth"
)

// What the experiments share: training several variants over the seeds
// (runVariants), their learning curves and rows, and the metrics several
// experiments evaluate (success probability, policy entropy).

// specConfig records a training run's configuration for the report.
func specConfig(s train.Spec) map[string]any {
	pol := "tabular softmax over observation keys"
	if s.MLP {
		pol = "MLP (16 tanh units) over the state features and t/H"
	}
	c := map[string]any{
		"env": s.Env, "method": s.Method, "label": s.Name(), "policy": pol, "init_logit_std": s.InitScale,
		"iterations": s.Iters, "prompts_per_batch": s.P, "group_size": s.N, "adam_lr": s.LR,
		"loss": s.Update.Loss, "epochs": s.Update.Epochs, "clip_ratio": s.Update.Config.ClipRatioLow,
		"eval_every": s.EvalEvery,
	}
	if s.Pool > 0 {
		c["prompt_pool"] = s.Pool
	}
	if len(s.Set) > 0 {
		c["params"] = s.Set
	}
	if s.Tree != nil {
		c["tree"] = map[string]int{"roots": s.Tree.Roots, "rounds": s.Tree.Rounds, "branches": s.Tree.Branches}
	}
	if s.GradVar > 1 {
		c["grad_var_batches"] = s.GradVar
	}
	return c
}

// configOf is an experiment's configuration: every run's, and extra.
func configOf(vs []train.Spec, extra map[string]any) map[string]any {
	runs := make([]any, len(vs))
	for i, v := range vs {
		runs[i] = specConfig(v)
	}
	c := map[string]any{"runs": runs}
	for k, v := range extra {
		c[k] = v
	}
	return c
}

// ppo is PPO-clip with verl's defaults (train.DefaultUpdate).
func ppo() train.Update { return train.DefaultUpdate() }

// successMetric adds the exact probability of finishing the episode.
func successMetric(e env.Env, pol policy.Policy, _ *train.Oracle, starts []env.State, w []float64) (map[string]float64, error) {
	p, err := successProb(e, pol.Probs, starts, w)
	if err != nil {
		return nil, err
	}
	return map[string]float64{"success": p}, nil
}

// addCurves appends the curves of the given metrics for every variant.
func addCurves(res *result.Result, env string, vs []train.Spec, outs [][]*train.Out, metrics ...string) {
	for _, m := range metrics {
		for i, v := range vs {
			if _, ok := outs[i][0].Curves[m]; ok {
				res.Curves = append(res.Curves, curveOf(env, v.Name(), m, outs[i]))
			}
		}
	}
}

// addRows appends one row per variant for each final metric.
func addRows(res *result.Result, env string, vs []train.Spec, outs [][]*train.Out, metrics ...string) {
	for _, m := range metrics {
		for i, v := range vs {
			if _, ok := outs[i][0].Final[m]; ok {
				res.Rows = append(res.Rows, result.RowOf(env, v.Name(), m, finals(outs[i], m)))
			}
		}
	}
}

// with is s changed by f (a variant of a base run).
func with(s train.Spec, f func(*train.Spec)) train.Spec {
	f(&s)
	return s
}

// runVariants trains every variant for every seed (in parallel) and
// returns outs[variant][seed].
func runVariants(ctx context.Context, x *run.Ctx, vs []train.Spec) ([][]*train.Out, error) {
	S := len(x.Seeds)
	outs := make([][]*train.Out, len(vs))
	for i := range outs {
		outs[i] = make([]*train.Out, S)
	}
	err := x.Parallel(ctx, len(vs)*S, func(j int) error {
		vi, si := j/S, j%S
		o, err := train.Run(ctx, x, x.Seeds[si], vs[vi])
		if err != nil {
			return fmt.Errorf("%s (seed %d): %w", vs[vi].Name(), x.Seeds[si], err)
		}
		outs[vi][si] = o
		x.Tick(1)
		return nil
	})
	return outs, err
}

// curveOf aggregates one metric's learning curve over seeds.
func curveOf(env, name, metric string, outs []*train.Out) result.Curve {
	c := result.Curve{Env: env, Method: name, Metric: metric}
	if len(outs) == 0 || outs[0] == nil {
		return c
	}
	lo, hi := result.MetricRange(metric)
	n := len(outs[0].Curves[metric])
	for i := 0; i < n; i++ {
		var v []float64
		for _, o := range outs {
			if i < len(o.Curves[metric]) {
				v = append(v, o.Curves[metric][i])
			}
		}
		iv := score.CI95In(v, lo, hi)
		c.X = append(c.X, outs[0].X[i])
		c.Mean = append(c.Mean, iv.Mean)
		c.Lo = append(c.Lo, iv.Lo)
		c.Hi = append(c.Hi, iv.Hi)
	}
	return c
}

// finals returns a final metric per seed.
func finals(outs []*train.Out, metric string) []float64 {
	v := make([]float64, len(outs))
	for i, o := range outs {
		x, ok := o.Final[metric]
		if !ok {
			x = math.NaN()
		}
		v[i] = x
	}
	return v
}

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
