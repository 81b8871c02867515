package lab

import (
	"github.com/credo-rl/credo/lab/env"
	"github.com/credo-rl/credo/lab/policy"
	"github.com/credo-rl/credo/lab/result"
	"github.com/credo-rl/credo/lab/train"
)

// specConfig records a training run's configuration for the report.
func specConfig(s trainSpec) map[string]any {
	pol := "tabular softmax over observation keys"
	if s.mlp {
		pol = "MLP (16 tanh units) over the state features and t/H"
	}
	c := map[string]any{
		"env": s.env, "method": s.method, "label": s.name(), "policy": pol, "init_logit_std": s.initScale,
		"iterations": s.iters, "prompts_per_batch": s.P, "group_size": s.N, "adam_lr": s.lr,
		"loss": s.update.Loss, "epochs": s.update.Epochs, "clip_ratio": s.update.Config.ClipRatioLow,
		"eval_every": s.evalEvery,
	}
	if s.pool > 0 {
		c["prompt_pool"] = s.pool
	}
	if len(s.set) > 0 {
		c["params"] = s.set
	}
	if s.tree != nil {
		c["tree"] = map[string]int{"roots": s.tree.Roots, "rounds": s.tree.Rounds, "branches": s.tree.Branches}
	}
	if s.gradVar > 1 {
		c["grad_var_batches"] = s.gradVar
	}
	return c
}

func configOf(vs []trainSpec, extra map[string]any) map[string]any {
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

func ppo() train.Update { return train.DefaultUpdate() }

// successMetric adds the exact probability of finishing the episode.
func successMetric(e env.Env, pol policy.Policy, _ *oracle, starts []env.State, w []float64) (map[string]float64, error) {
	p, err := successProb(e, pol.Probs, starts, w)
	if err != nil {
		return nil, err
	}
	return map[string]float64{"success": p}, nil
}

// addCurves appends the curves of the given metrics for every variant.
func addCurves(res *Result, env string, vs []trainSpec, outs [][]*trainOut, metrics ...string) {
	for _, m := range metrics {
		for i, v := range vs {
			if _, ok := outs[i][0].curves[m]; ok {
				res.Curves = append(res.Curves, curveOf(env, v.name(), m, outs[i]))
			}
		}
	}
}

// addRows appends one row per variant for each final metric.
func addRows(res *Result, env string, vs []trainSpec, outs [][]*trainOut, metrics ...string) {
	for _, m := range metrics {
		for i, v := range vs {
			if _, ok := outs[i][0].final[m]; ok {
				res.Rows = append(res.Rows, result.RowOf(env, v.name(), m, finals(outs[i], m)))
			}
		}
	}
}

func with(s trainSpec, f func(*trainSpec)) trainSpec {
	f(&s)
	return s
}
