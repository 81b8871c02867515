package exp

import (
	"context"
	"math"
	"testing"

	"github.com/credo-rl/credo/lab/run"
	"github.com/credo-rl/credo/lab/train"
)

func TestSelfPlayToy(t *testing.T) {
	x := &run.Ctx{Name: "test", Seeds: []uint64{4}, Quick: true}
	out, err := train.Run(context.Background(), x, 4, train.Spec{Env: "toy_nim", Method: "spiral.rae",
		Iters: 10, P: 3, N: 4, LR: 0.1, Update: ppo(), EvalEvery: 5, GradVar: 3, Eval: selfPlayMetrics})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"exploitability", "entropy", "grad_var"} {
		if len(out.Curves[k]) != 3 || math.IsNaN(out.Curves[k][0]) {
			t.Fatalf("curve %s = %v", k, out.Curves[k])
		}
	}
}
