package exp

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
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

// TestTrainedMatrixExtends checks the rate extension: a cell whose best
// tuning rate is at an end of the grid gets the next ladder rates beyond
// it, so the chosen rate ends up bracketed by tuned rates on both sides
// unless Extend rates were added at that end.
func TestTrainedMatrixExtends(t *testing.T) {
	x := &run.Ctx{Name: "trained_matrix", Seeds: []uint64{1, 2}}
	c := trainedConfig{Envs: []string{"toy_corridor"}, LRs: []float64{0.01, 0.03}, ProbeLR: 0, Extend: 2, Iters: 8, EvalEvery: 2,
		TuneSeeds: []uint64{101, 102}}
	ms := []*credit.Method{mustMethod(t, "verl.grpo"), mustMethod(t, "verl.rloo"), mustMethod(t, "crew")}
	res, err := trainedMatrix(context.Background(), x, &result.Result{Config: map[string]any{}}, ms, c)
	if err != nil {
		t.Fatal(err)
	}
	// crew's credit does not move this policy: every rate trains alike,
	// so its cell keeps the grid (ties go to the lower rate, which is not
	// extended downwards without beating the next one).
	crew := 0
	for _, r := range res.Rows {
		if strings.HasPrefix(r.Method, "crew (tuning") && r.Metric == "auc_return" {
			crew++
		}
	}
	if g := res.Matrix.Cell("crew", "toy_corridor"); g == nil || g.Status != "ok" || crew != 2 || g.Metrics["lr"].Mean != 0.01 {
		t.Fatalf("crew: %d tuning rates, cell %+v", crew, g)
	}
	if rc := res.Config["rate_cells"].(map[string]int); rc["flat"] != 1 {
		t.Fatalf("rate_cells %v, want crew's one flat cell", rc)
	}
	tuning := 2 * crew
	for _, m := range []string{"verl.grpo", "verl.rloo"} {
		var rates []float64
		means := map[float64]float64{}
		for _, r := range res.Rows {
			var lr float64
			if r.Env != "toy_corridor" || r.Metric != "auc_return" {
				continue
			}
			if _, err := fmt.Sscanf(r.Method, m+" (tuning, lr %g)", &lr); err != nil {
				continue
			}
			if len(r.Seeds) != 2 {
				t.Fatalf("%s lr %g: %d tuning seeds", m, lr, len(r.Seeds))
			}
			rates = append(rates, lr)
			means[lr] = (r.Seeds[0] + r.Seeds[1]) / 2
		}
		tuning += 2 * len(rates)
		slices.Sort(rates)
		g := res.Matrix.Cell(m, "toy_corridor")
		if g == nil || g.Status != "ok" {
			t.Fatalf("%s cell %+v", m, g)
		}
		lr := g.Metrics["lr"].Mean
		for _, r := range rates {
			if means[r] > means[lr] {
				t.Fatalf("%s: chose %g (auc %g) over %g (auc %g)", m, lr, means[lr], r, means[r])
			}
		}
		// The corridor rewards larger steps, so the grid grows upwards.
		if len(rates) == 2 {
			t.Fatalf("%s: no rate added to %v (chose %g)", m, rates, lr)
		}
		above := 0
		for _, r := range rates {
			if r > c.LRs[len(c.LRs)-1] {
				above++
			}
		}
		if lr == rates[len(rates)-1] && above != c.Extend {
			t.Fatalf("%s: chose the top rate %g of %v after %d of %d additions", m, lr, rates, above, c.Extend)
		}
		for i, want := range []float64{0.01, 0.03, 0.1, 0.3}[:len(rates)] {
			if rates[i] != want {
				t.Fatalf("%s: rates %v, want the ladder from 0.01", m, rates)
			}
		}
	}
	// Each cell reuses its probe run as one tuning run.
	if runs := res.Config["runs"].(map[string]int); runs["tuning"] != tuning-3 {
		t.Fatalf("runs %v, want %d tuning runs (the probes reused)", runs, tuning-3)
	}
}

func TestLadderStep(t *testing.T) {
	for _, c := range []struct {
		lr   float64
		dir  int
		want float64
	}{{0.1, 1, 0.3}, {0.3, 1, 1}, {1, 1, 3}, {3, 1, 10}, {10, 1, 30}, {0.1, -1, 0.03}, {0.03, -1, 0.01}, {3, -1, 1}, {1, -1, 0.3}, {0.5, 1, 1.5}} {
		if got := ladderStep(c.lr, c.dir); got != c.want {
			t.Errorf("ladderStep(%g, %d) = %v, want %v", c.lr, c.dir, got, c.want)
		}
	}
}

func TestBestRate(t *testing.T) {
	runs := func(aucs ...float64) []trainedRun {
		out := make([]trainedRun, len(aucs))
		for i, a := range aucs {
			out[i].auc = a
		}
		return out
	}
	rates := []float64{0.1, 0.3, 1}
	for _, c := range []struct {
		name                string
		tuned               map[float64][]trainedRun
		failed              map[float64]string
		lr                  float64
		top, bottom, isFlat bool
	}{
		{"top wins", map[float64][]trainedRun{0.1: runs(1, 1), 0.3: runs(2, 2), 1: runs(3, 2)}, nil, 1, true, false, false},
		{"inside", map[float64][]trainedRun{0.1: runs(1, 1), 0.3: runs(3, 3), 1: runs(2, 2)}, nil, 0.3, false, false, false},
		{"bottom beats the next", map[float64][]trainedRun{0.1: runs(3, 3), 0.3: runs(2, 2), 1: runs(2, 2)}, nil, 0.1, false, true, false},
		{"tie at the bottom", map[float64][]trainedRun{0.1: runs(3, 3), 0.3: runs(3, 3), 1: runs(2, 2)}, nil, 0.1, false, false, false},
		{"flat", map[float64][]trainedRun{0.1: runs(0, 0), 0.3: runs(0, 0), 1: runs(0, 0)}, nil, 0.1, false, false, true},
		// A failed top rate is skipped: 0.3 is then the best usable rate
		// but not the top of the tuned rates, so the cell does not grow.
		{"failed top", map[float64][]trainedRun{0.1: runs(1, 1), 0.3: runs(2, 2), 1: runs(0, 0)}, map[float64]string{1: "error: x"}, 0.3, false, false, false},
	} {
		lr, top, bottom, isFlat := bestRate(rates, c.tuned, c.failed)
		if lr != c.lr || top != c.top || bottom != c.bottom || isFlat != c.isFlat {
			t.Errorf("%s: got (%g, top %v, bottom %v, flat %v), want (%g, %v, %v, %v)", c.name, lr, top, bottom, isFlat, c.lr, c.top, c.bottom, c.isFlat)
		}
	}
}
