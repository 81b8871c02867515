package lab

import (
	"github.com/credo-rl/credo/lab/env"
	"github.com/credo-rl/credo/lab/policy"
	"github.com/credo-rl/credo/lab/result"
	"github.com/credo-rl/credo/lab/train"
)

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
func addCurves(res *Result, env string, vs []train.Spec, outs [][]*train.Out, metrics ...string) {
	for _, m := range metrics {
		for i, v := range vs {
			if _, ok := outs[i][0].Curves[m]; ok {
				res.Curves = append(res.Curves, curveOf(env, v.Name(), m, outs[i]))
			}
		}
	}
}

// addRows appends one row per variant for each final metric.
func addRows(res *Result, env string, vs []train.Spec, outs [][]*train.Out, metrics ...string) {
	for _, m := range metrics {
		for i, v := range vs {
			if _, ok := outs[i][0].Final[m]; ok {
				res.Rows = append(res.Rows, result.RowOf(env, v.Name(), m, finals(outs[i], m)))
			}
		}
	}
}

func with(s train.Spec, f func(*train.Spec)) train.Spec {
	f(&s)
	return s
}
