package lab

import (
	"context"
	"fmt"
	"math"

	"github.com/credo-rl/credo/lab/score"
)

// Helpers for experiments that train several variants over the seeds and
// compare them pairwise.

// runVariants trains every variant for every seed (in parallel) and
// returns outs[variant][seed].
func runVariants(ctx context.Context, x *runCtx, vs []trainSpec) ([][]*trainOut, error) {
	S := len(x.seeds)
	outs := make([][]*trainOut, len(vs))
	for i := range outs {
		outs[i] = make([]*trainOut, S)
	}
	err := x.parallel(len(vs)*S, func(j int) error {
		vi, si := j/S, j%S
		o, err := runTraining(ctx, x, x.seeds[si], vs[vi])
		if err != nil {
			return fmt.Errorf("%s (seed %d): %w", vs[vi].name(), x.seeds[si], err)
		}
		outs[vi][si] = o
		x.tick(1)
		return nil
	})
	return outs, err
}

func (s trainSpec) name() string {
	if s.label != "" {
		return s.label
	}
	return s.method
}

// curveOf aggregates one metric's learning curve over seeds.
func curveOf(env, name, metric string, outs []*trainOut) Curve {
	c := Curve{Env: env, Method: name, Metric: metric}
	if len(outs) == 0 || outs[0] == nil {
		return c
	}
	n := len(outs[0].curves[metric])
	for i := 0; i < n; i++ {
		var v []float64
		for _, o := range outs {
			if i < len(o.curves[metric]) {
				v = append(v, o.curves[metric][i])
			}
		}
		iv := score.CI95(v)
		c.X = append(c.X, outs[0].x[i])
		c.Mean = append(c.Mean, iv.Mean)
		c.Lo = append(c.Lo, iv.Lo)
		c.Hi = append(c.Hi, iv.Hi)
	}
	return c
}

// finals returns a final metric per seed.
func finals(outs []*trainOut, metric string) []float64 {
	v := make([]float64, len(outs))
	for i, o := range outs {
		x, ok := o.final[metric]
		if !ok {
			x = math.NaN()
		}
		v[i] = x
	}
	return v
}

func rowOf(env, method, metric string, v []float64) Row {
	return Row{Env: env, Method: method, Metric: metric, Value: score.CI95(v), Seeds: v}
}

// paired compares B with A over seeds: the claim is that B's metric is
// higher (higherBetter) or lower than A's. The verdict comes from the 95%
// interval of the per-seed difference B − A.
func paired(claim, metric, env, a, b string, va, vb []float64, higherBetter bool) Finding {
	d := make([]float64, len(va))
	for i := range va {
		d[i] = vb[i] - va[i]
	}
	ia, ib, id := score.CI95(va), score.CI95(vb), score.CI95(d)
	dir := "higher"
	if !higherBetter {
		dir = "lower"
	}
	f := Finding{Claim: claim, Metric: fmt.Sprintf("%s (claim: B %s than A)", metric, dir), Env: env, A: a, B: b,
		ValueA: &ia, ValueB: &ib, Diff: &id, Verdict: Inconclusive}
	if id.N < 2 || math.IsNaN(id.Mean) {
		f.Detail = "fewer than 2 seeds with a value: no interval"
		return f
	}
	better, worse := id.Lo > 0, id.Hi < 0
	if !higherBetter {
		better, worse = worse, better
	}
	switch {
	case better:
		f.Verdict = Agree
	case worse:
		f.Verdict = Disagree
	default:
		f.Detail = "the 95% interval of B − A contains 0"
	}
	return f
}

// nonInferior checks the claim "B is not worse than A by more than margin"
// (higher is better): agree when the 95% interval of B − A lies above
// −margin, disagree when it lies below, inconclusive otherwise.
func nonInferior(claim, metric, env, a, b string, va, vb []float64, margin float64) Finding {
	f := paired(claim, metric, env, a, b, va, vb, true)
	f.Metric = fmt.Sprintf("%s (claim: B ≥ A − %g)", metric, margin)
	f.Detail = ""
	d := f.Diff
	switch {
	case d.N < 2 || math.IsNaN(d.Mean):
		f.Verdict, f.Detail = Inconclusive, "fewer than 2 seeds with a value: no interval"
	case d.Lo > -margin:
		f.Verdict = Agree
	case d.Hi < -margin:
		f.Verdict = Disagree
	default:
		f.Verdict, f.Detail = Inconclusive, fmt.Sprintf("the 95%% interval of B − A straddles −%g", margin)
	}
	return f
}
