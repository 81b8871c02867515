package exp

import (
	"context"
	"testing"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/lab/result"
	"github.com/credo-rl/credo/lab/run"
)

func TestTrainedMatrixToy(t *testing.T) {
	x := &run.Ctx{Name: "trained_matrix", Seeds: []uint64{1, 2}}
	res, err := trainedMatrix(context.Background(), x, &result.Result{}, []*credit.Method{mustMethod(t, "verl.grpo"), mustMethod(t, "spiral.rae")},
		[]string{"toy_corridor"}, []float64{0.1, 0.3}, 10)
	if err != nil {
		t.Fatal(err)
	}
	g, r := res.Matrix.Cell("verl.grpo", "toy_corridor"), res.Matrix.Cell("spiral.rae", "toy_corridor")
	if g == nil || g.Status != "ok" || g.Metrics["return"].N != 2 || (g.Metrics["best_lr"].Mean != 0.1 && g.Metrics["best_lr"].Mean != 0.3) {
		t.Fatalf("grpo cell %+v", g)
	}
	if r == nil || r.Status != "n/a" {
		t.Fatalf("rae cell %+v", r)
	}
	if len(res.Rows) != 2 {
		t.Fatalf("%d rows (one per rate)", len(res.Rows))
	}
}

func mustMethod(t *testing.T, name string) *credit.Method {
	t.Helper()
	m, err := credit.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
