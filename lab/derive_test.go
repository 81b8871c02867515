package lab

import (
	"math"
	"testing"

	"github.com/credo-rl/credo/lab/result"
)

// deriveInputs builds a matrix and a trained matrix over methods m0..m5
// on env "e" (and "only-matrix", which the trained matrix lacks), 3 seeds:
// the trained auc_return follows the accuracy's order on every seed, the
// final return reverses it; m5's accuracy is NaN on one seed (left out).
func deriveInputs() (*result.Result, *result.Result) {
	mx := &result.Result{Experiment: result.Experiment{Name: "matrix"},
		Matrix: &result.Matrix{Envs: []string{"e", "only-matrix"}, Cells: []result.Cell{{Method: "m0", Env: "e", Status: "ok"}}}}
	tm := &result.Result{Experiment: result.Experiment{Name: "trained_matrix"},
		Matrix: &result.Matrix{Metric: "return", Envs: []string{"e"}, Cells: []result.Cell{{Method: "m0", Env: "e", Status: "ok"}}}}
	for i, m := range []string{"m0", "m1", "m2", "m3", "m4", "m5"} {
		tm.Matrix.Methods = append(tm.Matrix.Methods, m)
		acc := []float64{0.1 * float64(i), 0.1*float64(i) + 0.01, 0.1*float64(i) - 0.01}
		if m == "m5" {
			acc[1] = math.NaN()
		}
		mx.Rows = append(mx.Rows, result.RowOf("e", m, "pearson", acc), result.RowOf("only-matrix", m, "pearson", acc))
		auc := []float64{float64(i), float64(i) + 0.5, float64(i) * 2}
		fin := []float64{-float64(i), -float64(i), -float64(i)}
		tm.Rows = append(tm.Rows, result.RowOf("e", m, "auc_return", auc), result.RowOf("e", m, "return", fin),
			result.RowOf("e", m+" (tuning, lr 0.1)", "auc_return", []float64{9, 9}))
	}
	return mx, tm
}

func TestDeriveAccuracyVsReturn(t *testing.T) {
	mx, tm := deriveInputs()
	stale := &result.Result{Experiment: result.Experiment{Name: AccuracyVsReturn}}
	in := []*result.Result{mx, stale, tm}
	out := Derive(in)
	if in[1] != stale || len(in) != 3 {
		t.Fatal("Derive changed its input")
	}
	if len(out) != 3 || out[0] != mx || out[1] != tm {
		t.Fatalf("results %v", out)
	}
	d := out[2]
	if d.Experiment.Name != AccuracyVsReturn || len(d.Experiment.Envs) != 1 || d.Experiment.Envs[0] != "e" || len(d.Rows) != 2 {
		t.Fatalf("derived %+v", d)
	}
	for _, row := range d.Rows {
		want := 1.0 // auc_return follows the accuracy's order
		if row.Metric == "rank_corr_return" {
			want = -1
		}
		if row.Method != "credit accuracy vs training, over 5 methods" || len(row.Seeds) != 3 {
			t.Fatalf("row %+v", row)
		}
		for _, v := range row.Seeds {
			if math.Abs(v-want) > 1e-12 {
				t.Fatalf("%s: per seed %v, want %g", row.Metric, row.Seeds, want)
			}
		}
	}
}

func TestDeriveNeedsBothMatrices(t *testing.T) {
	mx, tm := deriveInputs()
	if out := Derive([]*result.Result{mx}); len(out) != 1 {
		t.Fatalf("matrix alone: %d results", len(out))
	}
	// Quick mode's trained matrix records no cells: nothing is derived,
	// and a stale derived result is dropped.
	tm.Matrix.Cells = nil
	stale := &result.Result{Experiment: result.Experiment{Name: AccuracyVsReturn}}
	if out := Derive([]*result.Result{mx, tm, stale}); len(out) != 2 {
		t.Fatalf("quick trained matrix: %d results", len(out))
	}
	// Fewer than minRankMethods usable methods: no row, no result.
	mx, tm = deriveInputs()
	tm.Matrix.Methods = tm.Matrix.Methods[:minRankMethods-1]
	if out := Derive([]*result.Result{mx, tm}); len(out) != 2 {
		t.Fatalf("%d methods: %d results", minRankMethods-1, len(out))
	}
}
