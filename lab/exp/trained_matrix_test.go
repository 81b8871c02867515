package exp

import (
	"context"
	"math"
	"strconv"
	"testing"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/lab/result"
	"github.com/credo-rl/credo/lab/run"
)

func TestTrainedMatrixToy(t *testing.T) {
	x := &run.Ctx{Name: "trained_matrix", Seeds: []uint64{1, 2, 3}}
	c := trainedConfig{Envs: []string{"toy_corridor"}, LRs: []float64{0.1, 0.3}, ProbeLR: 0, Iters: 8, EvalEvery: 2,
		TuneSeeds: []uint64{101, 102}}
	ms := []*credit.Method{mustMethod(t, "verl.grpo"), mustMethod(t, "verl.grpo_vectorized.corrected"), mustMethod(t, "verl.rloo"),
		mustMethod(t, "spiral.rae")}
	res, err := trainedMatrix(context.Background(), x, &result.Result{Config: map[string]any{}}, ms, c)
	if err != nil {
		t.Fatal(err)
	}
	mx := res.Matrix
	// verl.grpo_vectorized.corrected is verl.grpo on groups of more than
	// one row: trained once, listed as grpo's equivalent.
	if eq := mx.Equivalents["verl.grpo"]; len(eq) != 1 || eq[0] != "verl.grpo_vectorized.corrected" {
		t.Fatalf("equivalents %v (methods %v)", mx.Equivalents, mx.Methods)
	}
	if len(mx.Methods) != 3 || mx.Cell("verl.grpo_vectorized.corrected", "toy_corridor") != nil {
		t.Fatalf("methods %v", mx.Methods)
	}
	if r := mx.Cell("spiral.rae", "toy_corridor"); r == nil || r.Status != "n/a" {
		t.Fatalf("rae cell %+v", r)
	}
	for _, m := range []string{"verl.grpo", "verl.rloo"} {
		g := mx.Cell(m, "toy_corridor")
		if g == nil || g.Status != "ok" || g.Metrics["return"].N != 3 || g.Metrics["auc_return"].N != 3 {
			t.Fatalf("%s cell %+v", m, g)
		}
		// The chosen rate is the best mean auc_return over the tuning
		// seeds (2 per rate), read back from the tuning rows.
		best, bestLR := math.Inf(-1), 0.0
		for _, lr := range c.LRs {
			var row *result.Row
			for i := range res.Rows {
				r := &res.Rows[i]
				if r.Env == "toy_corridor" && r.Metric == "auc_return" && r.Method == m+" (tuning, lr "+fmtG(lr)+")" {
					row = r
				}
			}
			if row == nil || len(row.Seeds) != 2 {
				t.Fatalf("%s: tuning row for lr %g: %+v", m, lr, row)
			}
			if mean := (row.Seeds[0] + row.Seeds[1]) / 2; mean > best {
				best, bestLR = mean, lr
			}
		}
		if g.Metrics["lr"].Mean != bestLR {
			t.Fatalf("%s: chosen lr %g, tuning says %g", m, g.Metrics["lr"].Mean, bestLR)
		}
		// auc_return is the mean of the evaluation points, so it lies
		// between the initial return and the best return; here the
		// corridor's return only rises with training.
		if a, f := g.Metrics["auc_return"].Mean, g.Metrics["return"].Mean; !(a < f) {
			t.Fatalf("%s: auc %g not below the final return %g", m, a, f)
		}
	}
	runs := res.Config["runs"].(map[string]int)
	// probe: 4 methods; tuning: 2 reps × (2 rates × 2 seeds − the probe);
	// evaluation: 2 reps × 3 seeds.
	if runs["probe"] != 4 || runs["tuning"] != 6 || runs["evaluation"] != 6 {
		t.Fatalf("runs %v", runs)
	}
}

func fmtG(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

func mustMethod(t *testing.T, name string) *credit.Method {
	t.Helper()
	m, err := credit.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
