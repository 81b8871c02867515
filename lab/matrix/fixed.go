package matrix

import (
	"context"
	"fmt"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/lab/env"
	"github.com/credo-rl/credo/lab/result"
	"github.com/credo-rl/credo/lab/run"
	"github.com/credo-rl/credo/lab/sample"
	"github.com/credo-rl/credo/lab/train"
)

// Experiments at a fixed policy: a seeded random tabular softmax (as in the
// matrix), several independent batches, every variant scored on the same
// episodes.

// Variant is one scored variant of a fixed-policy experiment: a method
// with parameter overrides, optionally the linear critic instead of the
// warm-up table, and an edit of every built batch.
type Variant struct {
	Label, Method string
	Set           map[string]any
	LinearCritic  bool
	// Edit, when set, returns the batch edit for the environment (e.g.
	// BudgetSteps).
	Edit func(e env.Env) func(b *sample.Built, eps []sample.Episode) error
}

// ScoreFixed scores every variant on the same episodes of one environment
// (a seeded random tabular policy, as in the matrix) and returns m[variant][seed] for one environment.
func ScoreFixed(ctx context.Context, x *run.Ctx, en string, sz Size, vs []Variant, keep func(sample.Token) bool) ([][]CellScore, error) {
	S := len(x.Seeds)
	out := make([][]CellScore, len(vs))
	for i := range out {
		out[i] = make([]CellScore, S)
	}
	err := x.Parallel(ctx, S, func(si int) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		w, err := newWorld(x, en, x.Seeds[si], sz)
		if err != nil {
			return err
		}
		for vi, v := range vs {
			m, err := credit.Lookup(v.Method)
			if err != nil {
				out[vi][si] = CellScore{Status: "n/a", Reason: err.Error()}
				continue
			}
			prof, set := train.MethodProfile(m, w.e)
			for k, val := range v.Set {
				set[k] = val
			}
			var bv buildVariant
			if v.LinearCritic {
				lin, err := w.linear()
				if err != nil {
					return err
				}
				bv.v = lin.V
			}
			if v.Edit != nil {
				bv.edit = v.Edit(w.e)
			}
			out[vi][si] = w.score(m, prof, set, bv, keep)
			if out[vi][si].Status != "ok" {
				return fmt.Errorf("%s on %s: %s: %s", v.Label, en, out[vi][si].Status, out[vi][si].Reason)
			}
			if usesCritic(m) {
				kind := criticTable
				if v.LinearCritic {
					kind = criticLinear
				}
				out[vi][si].Metrics["critic_coverage"] = w.criticCoverage(kind, prof)
			}
		}
		x.Tick(1)
		return nil
	})
	return out, err
}

// MetricOf is metric k of every seed's score.
func MetricOf(cs []CellScore, k string) []float64 {
	v := make([]float64, len(cs))
	for i, c := range cs {
		v[i] = c.Metrics[k]
	}
	return v
}

// AddRows appends one row per variant for each metric the variants have.
func AddRows(res *result.Result, env string, vs []Variant, sc [][]CellScore, metrics ...string) {
	for _, m := range metrics {
		for i, v := range vs {
			if _, ok := sc[i][0].Metrics[m]; ok {
				res.Rows = append(res.Rows, result.RowOf(env, v.Label, m, MetricOf(sc[i], m)))
			}
		}
	}
}
