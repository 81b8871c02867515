package matrix

import (
	"context"
	"math"
	"testing"

	"github.com/credo-rl/credo/lab/run"
	"github.com/credo-rl/credo/lab/train"
)

// ScoreStage at 0 iterations scores the matrix's initial policy: the same
// Pearson as the headline world of the same seed; at 6 iterations its
// return is that of verl.grpo trained by train.Run with the stage recipe,
// and an unknown row is an error.
func TestScoreStage(t *testing.T) {
	x := &run.Ctx{Name: "matrix", Seeds: []uint64{3, 4}, Quick: true}
	rows := []string{"verl.grpo", "verl.gae [oracle critic]"}
	st0, err := ScoreStage(context.Background(), x, "toy_corridor", Stage{Name: "initial", N: 8}, rows)
	if err != nil {
		t.Fatal(err)
	}
	for si, seed := range x.Seeds {
		w, err := newWorld(x, "toy_corridor", seed, Size{P: 4, N: 8, R: 4, Warm: 4})
		if err != nil {
			t.Fatal(err)
		}
		want := w.scoreMethod(mustMethod(t, "verl.grpo")).Metrics["pearson"]
		if got := st0.Pearson["verl.grpo"][si]; got != want || math.IsNaN(got) {
			t.Fatalf("seed %d: stage pearson %v, headline world %v", seed, got, want)
		}
	}
	st, err := ScoreStage(context.Background(), x, "toy_corridor", Stage{Name: "middle", Iters: 6, N: 4}, rows)
	if err != nil {
		t.Fatal(err)
	}
	for si, seed := range x.Seeds {
		out, err := train.Run(context.Background(), x, seed, train.Spec{Env: "toy_corridor", Method: "verl.grpo", InitScale: 1, Iters: 6,
			P: 4, N: 8, LR: 0.1, Update: train.DefaultUpdate(), EvalEvery: 6, Cycle: true})
		if err != nil {
			t.Fatal(err)
		}
		if st.Return[si] != out.Final["return"] {
			t.Fatalf("seed %d: stage return %v, trained %v", seed, st.Return[si], out.Final["return"])
		}
		if st.Return[si] == st0.Return[si] {
			t.Fatalf("seed %d: 6 iterations left the return at %v", seed, st.Return[si])
		}
		for _, r := range rows {
			if p := st.Pearson[r][si]; !(p > -1 && p <= 1) {
				t.Fatalf("%s seed %d: pearson %v", r, seed, p)
			}
		}
	}
	if _, err := ScoreStage(context.Background(), x, "toy_corridor", Stage{Name: "initial", N: 8}, []string{"no.such"}); err == nil {
		t.Fatal("unknown row accepted")
	}
}
