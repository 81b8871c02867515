package train

import (
	"context"
	"math"
	"testing"

	"github.com/credo-rl/credo/lab/run"
)

// The loop on the toy corridor (lab/internal/toyenv): at a uniform
// tabular start the exact expected return is low; 30 iterations of GRPO
// (PPO-clip and plain REINFORCE) or of GAE with its learned table critic
// must raise it by at least 0.2.

func TestTrainerImprovesToyValue(t *testing.T) {
	x := &run.Ctx{Name: "test", Seeds: []uint64{1}, Quick: true}
	for _, loss := range []string{PPO, Reinforce} {
		u := DefaultUpdate()
		u.Loss = loss
		out, err := Run(context.Background(), x, 1, Spec{Env: "toy_corridor", Method: "verl.grpo",
			Iters: 30, P: 3, N: 8, LR: 0.1, Update: u, EvalEvery: 30})
		if err != nil {
			t.Fatal(err)
		}
		r := out.Curves["return"]
		if len(r) != 2 || r[1] < r[0]+0.2 {
			t.Fatalf("%s: exact return %v → %v, want an improvement of at least 0.2", loss, r[0], r[len(r)-1])
		}
	}
}

func TestCriticTrainsForGAE(t *testing.T) {
	x := &run.Ctx{Name: "test", Seeds: []uint64{2}, Quick: true}
	out, err := Run(context.Background(), x, 2, Spec{Env: "toy_corridor", Method: "verl.gae",
		Iters: 30, P: 3, N: 8, LR: 0.1, Update: DefaultUpdate(), EvalEvery: 30})
	if err != nil {
		t.Fatal(err)
	}
	if r := out.Curves["return"]; r[1] < r[0]+0.2 {
		t.Fatalf("GAE with a learned critic: return %v → %v", r[0], r[1])
	}
}

// Four iterations evaluated every two: evaluation points 0, 2 and 4 (the
// last after training), one batch metric per iteration, and the same seed
// gives the same numbers.
func TestRunRecordsAndRepeats(t *testing.T) {
	x := &run.Ctx{Name: "test", Seeds: []uint64{3}}
	spec := Spec{Env: "toy_corridor", Method: "verl.grpo", Iters: 4, P: 2, N: 4, LR: 0.1, Update: DefaultUpdate(), EvalEvery: 2, ScoreCredit: true}
	a, err := Run(context.Background(), x, 3, spec)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.X) != 3 || a.X[0] != 0 || a.X[1] != 2 || a.X[2] != 4 || len(a.Curves["return"]) != 3 {
		t.Fatalf("evaluation points %v, return curve %v", a.X, a.Curves["return"])
	}
	for _, k := range []string{"grad_norm", "credit_pearson", "credit_rel_mse"} {
		if len(a.Batch[k]) != 4 {
			t.Fatalf("batch metric %s: %d values, want 4", k, len(a.Batch[k]))
		}
	}
	if a.Final["return"] != a.Curves["return"][2] {
		t.Fatalf("final return %v, curve ends at %v", a.Final["return"], a.Curves["return"][2])
	}
	b, err := Run(context.Background(), x, 3, spec)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range a.Final {
		if w := b.Final[k]; v != w && !(math.IsNaN(v) && math.IsNaN(w)) {
			t.Fatalf("%s: %v then %v for the same seed", k, v, w)
		}
	}
}

// With a shared Stream two methods that assign the same credit on groups
// of more than one row (verl.grpo and verl.grpo_vectorized.corrected)
// draw the same batches and train the same policy, bit for bit; a
// different method (verl.rloo) on the same stream does not, and without
// a shared stream each method draws its own batches. auc_return is the
// mean of the evaluation points.
func TestSharedStream(t *testing.T) {
	x := &run.Ctx{Name: "test", Seeds: []uint64{4}}
	curve := func(method, stream string) ([]float64, float64) {
		out, err := Run(context.Background(), x, 4, Spec{Env: "toy_corridor", Method: method, Iters: 6, P: 2, N: 4, LR: 0.1,
			Update: DefaultUpdate(), EvalEvery: 2, Stream: stream})
		if err != nil {
			t.Fatal(err)
		}
		return out.Curves["return"], out.Final["auc_return"]
	}
	same := func(a, b []float64) bool {
		for i := range a {
			if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
				return false
			}
		}
		return len(a) == len(b)
	}
	g, auc := curve("verl.grpo", "s")
	v, _ := curve("verl.grpo_vectorized.corrected", "s")
	r, _ := curve("verl.rloo", "s")
	if !same(g, v) {
		t.Fatalf("shared stream: grpo %v, grpo_vectorized.corrected %v", g, v)
	}
	if same(g, r) {
		t.Fatalf("rloo trained the same curve as grpo: %v", g)
	}
	if g2, _ := curve("verl.grpo", ""); same(g, g2) {
		t.Fatalf("grpo's own stream gave the shared stream's curve %v", g)
	}
	if v2, _ := curve("verl.grpo_vectorized.corrected", ""); same(g, v2) {
		t.Fatalf("without a shared stream the two methods drew the same batches")
	}
	sum := 0.0
	for _, y := range g {
		sum += y
	}
	if len(g) != 4 || math.Abs(auc-sum/4) > 1e-12 {
		t.Fatalf("auc_return %v, curve %v", auc, g)
	}
}
