package lab

import (
	"context"
	"fmt"
	"math"

	"github.com/credo-rl/credo/lab/result"
	"github.com/credo-rl/credo/lab/run"
	"github.com/credo-rl/credo/lab/score"
	"github.com/credo-rl/credo/lab/train"
)

// Helpers for experiments that train several variants over the seeds and
// compare them pairwise.

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
func curveOf(env, name, metric string, outs []*train.Out) Curve {
	c := Curve{Env: env, Method: name, Metric: metric}
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
