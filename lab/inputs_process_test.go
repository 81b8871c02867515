package lab

import (
	"math"
	"testing"

	"github.com/credo-rl/credo/lab/env"
	"github.com/credo-rl/credo/lab/sample"
)

func TestProcessInputsScored(t *testing.T) {
	x := newRunCtx(Experiment{Name: "matrix"}, Options{Quick: true}, []uint64{3})
	w, err := newWorld(x, "arithchain-prm", 3, worldSize{P: 4, N: 8, R: 2, Warm: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"vsrm", "tp_grpo", "pure.min_form"} {
		c := w.scoreMethod(mustMethod(t, name))
		if c.status != "ok" || math.IsNaN(c.m["pearson"]) {
			t.Fatalf("%s on arithchain-prm: %+v", name, c)
		}
	}
	w, err = newWorld(x, "umbrella", 3, worldSize{P: 2, N: 4, R: 1, Warm: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"vsrm", "tp_grpo"} {
		if c := w.scoreMethod(mustMethod(t, name)); c.status != "n/a" {
			t.Fatalf("%s on umbrella: %+v", name, c)
		}
	}
}

func TestForcedAnswerScore(t *testing.T) {
	// A two-step ArithChain problem: answering before the lines are written
	// scores 0; after both correct computes it scores 1; after a slip 0.
	e, err := env.New("arithchain?min_steps=2&max_steps=2&pool=1", 1)
	if err != nil {
		t.Fatal(err)
	}
	s0 := e.StartDist()[0].S
	if v := forcedAt(e, s0, 0, 0); v != 0 {
		t.Fatalf("answer at the start: %g", v)
	}
	s1 := e.Step(s0, 0, env.ArithCompute)[0].Next
	s2 := e.Step(s1, 1, env.ArithCompute)[0].Next
	if v := forcedAfter(e, sample.Step{S: s1, T: 1, A: env.ArithCompute, Next: s2, Reward: []float64{0}}, 0); v != 1 {
		t.Fatalf("answer after two correct lines: %g", v)
	}
	bad := e.Step(s1, 1, env.ArithWrong)[0].Next
	if v := forcedAt(e, bad, 2, 0); v != 0 {
		t.Fatalf("answer after a slip: %g", v)
	}
	if v := forcedAfter(e, sample.Step{Done: true, Reward: []float64{1}}, 0); v != 1 {
		t.Fatalf("final step: %g", v)
	}
}
