package lab

import (
	"context"
	"fmt"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/lab/result"
	"github.com/credo-rl/credo/lab/run"
	"github.com/credo-rl/credo/lab/sample"
	"github.com/credo-rl/credo/lab/train"
)

// Experiments at a fixed policy: a seeded random tabular softmax (as in the
// matrix), several independent batches, every variant scored on the same
// episodes.

type fixedVariant struct {
	label, method string
	set           map[string]any
	linearCritic  bool
	edit          func(w *world) func(b *sample.Built, eps []sample.Episode) error
}

// scoreFixed returns m[variant][seed] for one environment.
func scoreFixed(ctx context.Context, x *run.Ctx, en string, sz worldSize, vs []fixedVariant, keep func(sample.Token) bool) ([][]cellScore, error) {
	S := len(x.Seeds)
	out := make([][]cellScore, len(vs))
	for i := range out {
		out[i] = make([]cellScore, S)
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
			m, err := credit.Lookup(v.method)
			if err != nil {
				out[vi][si] = cellScore{status: "n/a", reason: err.Error()}
				continue
			}
			prof, set := train.MethodProfile(m, w.e)
			for k, val := range v.set {
				set[k] = val
			}
			var bv buildVariant
			if v.linearCritic {
				lin, err := w.linear()
				if err != nil {
					return err
				}
				bv.v = lin.V
			}
			if v.edit != nil {
				bv.edit = v.edit(w)
			}
			out[vi][si] = w.score(m, prof, set, bv, keep)
			if out[vi][si].status != "ok" {
				return fmt.Errorf("%s on %s: %s: %s", v.label, en, out[vi][si].status, out[vi][si].reason)
			}
			if usesCritic(m) {
				kind := criticTable
				if v.linearCritic {
					kind = criticLinear
				}
				out[vi][si].m["critic_coverage"] = w.criticCoverage(kind, prof)
			}
		}
		x.Tick(1)
		return nil
	})
	return out, err
}

func metricOf(cs []cellScore, k string) []float64 {
	v := make([]float64, len(cs))
	for i, c := range cs {
		v[i] = c.m[k]
	}
	return v
}

func fixedRows(res *Result, env string, vs []fixedVariant, sc [][]cellScore, metrics ...string) {
	for _, m := range metrics {
		for i, v := range vs {
			if _, ok := sc[i][0].m[m]; ok {
				res.Rows = append(res.Rows, result.RowOf(env, v.label, m, metricOf(sc[i], m)))
			}
		}
	}
}
