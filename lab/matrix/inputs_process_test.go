package matrix

import (
	"context"
	"math"
	"testing"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/lab/env"
	"github.com/credo-rl/credo/lab/result"
	"github.com/credo-rl/credo/lab/run"
	"github.com/credo-rl/credo/lab/sample"
)

func TestProcessInputsScored(t *testing.T) {
	x := &run.Ctx{Name: "matrix", Seeds: []uint64{3}, Quick: true}
	w, err := newWorld(x, "arithchain-prm", 3, Size{P: 4, N: 8, R: 2, Warm: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"vsrm", "tp_grpo", "pure.min_form"} {
		c := w.scoreMethod(mustMethod(t, name))
		if c.Status != "ok" || math.IsNaN(c.Metrics["pearson"]) {
			t.Fatalf("%s on arithchain-prm: %+v", name, c)
		}
	}
	w, err = newWorld(x, "umbrella", 3, Size{P: 2, N: 4, R: 1, Warm: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"vsrm", "tp_grpo"} {
		if c := w.scoreMethod(mustMethod(t, name)); c.Status != "n/a" {
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

func TestMatrixCriticRows(t *testing.T) {
	x := &run.Ctx{Name: "matrix", Seeds: []uint64{5}, Quick: true}
	w, err := newWorld(x, "umbrella", 5, Size{P: 3, N: 8, R: 2, Warm: 1})
	if err != nil {
		t.Fatal(err)
	}
	m := mustMethod(t, "verl.gae")
	rows := matrixRows([]*credit.Method{m, mustMethod(t, "verl.grpo")})
	if len(rows) != 4 || rows[1].critic != criticOracle || rows[2].critic != criticLinear || rows[3].critic != criticTable {
		t.Fatalf("rows: %+v", rows)
	}
	tab, orc, lin := w.scoreRow(rows[0]), w.scoreRow(rows[1]), w.scoreRow(rows[2])
	for _, c := range []CellScore{tab, orc, lin} {
		if c.Status != "ok" {
			t.Fatalf("%+v", c)
		}
	}
	if orc.Metrics["critic_coverage"] != 1 || lin.Metrics["critic_coverage"] != 1 {
		t.Fatalf("coverage oracle %g linear %g", orc.Metrics["critic_coverage"], lin.Metrics["critic_coverage"])
	}
	if cv := tab.Metrics["critic_coverage"]; !(cv >= 0 && cv < 1) {
		t.Fatalf("table coverage after one warm-up batch: %g", cv)
	}
	// With the exact V^π (γ = 1) every TD error has mean A^π, so GAE's
	// correlation must beat the table critic's, which is 0 on most of
	// UmbrellaChain's states after one warm-up batch.
	if !(orc.Metrics["pearson"] > tab.Metrics["pearson"]) {
		t.Fatalf("oracle pearson %g, table %g", orc.Metrics["pearson"], tab.Metrics["pearson"])
	}
}

func TestGroupEquivalents(t *testing.T) {
	iv := func(x float64) result.Interval { return result.Interval{Mean: x, Lo: x, Hi: x, N: 1} }
	mx := &result.Matrix{Methods: []string{"a", "b", "c", "d"}, Envs: []string{"e1", "e2"}}
	add := func(m string, v1, v2 float64) {
		mx.Cells = append(mx.Cells, result.Cell{Method: m, Env: "e1", Status: "ok", Metrics: map[string]result.Interval{"pearson": iv(v1)}},
			result.Cell{Method: m, Env: "e2", Status: "ok", Metrics: map[string]result.Interval{"pearson": iv(v2)}})
	}
	add("a", 0.1, 0.2)
	add("b", 0.1, 0.3)
	add("c", 0.1, 0.2)
	mx.Cells = append(mx.Cells, result.Cell{Method: "d", Env: "e1", Status: "n/a", Reason: "x"}, result.Cell{Method: "d", Env: "e2", Status: "n/a", Reason: "x"})
	GroupEquivalents(mx)
	if len(mx.Methods) != 3 || mx.Methods[0] != "a" || mx.Methods[1] != "b" || mx.Methods[2] != "d" || len(mx.Equivalents["a"]) != 1 || mx.Equivalents["a"][0] != "c" {
		t.Fatalf("%v %v", mx.Methods, mx.Equivalents)
	}
}

func TestMatrixStages(t *testing.T) {
	x := &run.Ctx{Name: "matrix", Seeds: []uint64{2}}
	rows := matrixRows([]*credit.Method{mustMethod(t, "verl.grpo"), mustMethod(t, "verl.gae")})
	mx := &result.Matrix{Envs: []string{"toy_corridor"}}
	if err := scoreStages(context.Background(), x, mx, rows, mx.Envs, Size{P: 3, N: 8, R: 2, Warm: 2}); err != nil {
		t.Fatal(err)
	}
	if len(mx.Stages) != len(matrixStages) {
		t.Fatalf("%d stages", len(mx.Stages))
	}
	for _, sm := range mx.Stages {
		if len(sm.Cells) != len(rows) {
			t.Fatalf("stage %s: %d cells", sm.Stage, len(sm.Cells))
		}
		for _, c := range sm.Cells {
			if c.Status != "ok" || math.IsNaN(c.Metrics["pearson"].Mean) {
				t.Fatalf("stage %s N=%d: %+v", sm.Stage, sm.GroupSize, c)
			}
		}
	}
}
