package report

import (
	"math"
	"strings"
	"testing"

	"github.com/credo-rl/credo/lab/result"
)

// A matrix cell's interval is clipped to the metric's range however the
// cell was built: the quick lab's countdown × spo.tree cell (2 seeds) was
// printed as 0.286 [-1.302, 1.874].
func TestMatrixCellIntervalClipped(t *testing.T) {
	iv := result.Interval{Mean: 0.286, Lo: -1.302, Hi: 1.874, N: 2}
	if got, want := cellText(iv, "pearson"), "0.286 [-1.000, 1.000] (2)"; got != want {
		t.Fatalf("cellText = %q, want %q", got, want)
	}
	// A metric without a finite range keeps its interval.
	if got, want := cellText(iv, "return"), "0.286 [-1.302, 1.874] (2)"; got != want {
		t.Fatalf("cellText(return) = %q, want %q", got, want)
	}
	// Inside the range nothing changes.
	in := result.Interval{Mean: 0.5, Lo: 0.25, Hi: 0.75, N: 3}
	if got, want := cellText(in, "sign_agreement"), "0.500 [0.250, 0.750] (3)"; got != want {
		t.Fatalf("cellText = %q, want %q", got, want)
	}
	mx := &result.Matrix{Methods: []string{"spo.tree"}, Envs: []string{"countdown"},
		Cells: []result.Cell{{Method: "spo.tree", Env: "countdown", Status: "ok", Metrics: map[string]result.Interval{"pearson": iv}}},
		Stages: []result.StageMatrix{{Stage: "late", Iterations: 100, GroupSize: 4,
			Cells: []result.Cell{{Method: "spo.tree", Env: "countdown", Status: "ok", Metrics: map[string]result.Interval{"pearson": iv}}}}}}
	var b strings.Builder
	writeMatrixMD(&b, mx)
	md := b.String()
	if strings.Contains(md, "-1.302") || strings.Contains(md, "1.874") || strings.Count(md, "| 0.286 [-1.000, 1.000] (2) |") != 2 {
		t.Fatalf("matrix Markdown:\n%s", md)
	}
}

// The trained-return matrix's cells show the final return, the area
// under the learning curve and the tuned rate, and list the equivalent
// methods.
func TestReturnMatrixCells(t *testing.T) {
	mx := &result.Matrix{Metric: "return", Methods: []string{"verl.grpo"}, Envs: []string{"umbrella"},
		Equivalents: map[string][]string{"verl.grpo": {"knapsack.grpo"}},
		Cells: []result.Cell{{Method: "verl.grpo", Env: "umbrella", Status: "ok", Metrics: map[string]result.Interval{
			"return":     {Mean: 0.9, Lo: 0.8, Hi: 1.0, N: 10},
			"auc_return": {Mean: 0.5, Lo: 0.4, Hi: 0.6, N: 10},
			"lr":         {Mean: 0.1, Lo: 0.1, Hi: 0.1, N: 1}}}}}
	var b strings.Builder
	writeMatrixMD(&b, mx)
	md := b.String()
	for _, want := range []string{"| verl.grpo | 0.900 [0.800, 1.000] (10); auc 0.500 [0.400, 0.600] (10); lr 0.100 |", "- `verl.grpo` = `knapsack.grpo`"} {
		if !strings.Contains(md, want) {
			t.Fatalf("missing %q in\n%s", want, md)
		}
	}
}

// TestScaleColumns: the trained-return heat-map colours each environment
// from its lowest method to its highest.
func TestScaleColumns(t *testing.T) {
	nan := math.NaN()
	z := [][]float64{{2, 0.5, nan}, {10, 0.5, 3}, {6, nan, -1}}
	scaleColumns(z)
	want := [][]float64{{0, 0.5, nan}, {1, 0.5, 1}, {0.5, nan, 0}}
	for i := range z {
		for j := range z[i] {
			if g, w := z[i][j], want[i][j]; !(g == w || math.IsNaN(g) && math.IsNaN(w)) {
				t.Errorf("z[%d][%d] = %v, want %v", i, j, g, w)
			}
		}
	}
}

func TestUnchangedStageEnvs(t *testing.T) {
	iv := func(m float64) map[string]result.Interval {
		return map[string]result.Interval{"pearson": {Mean: m, Lo: m - 0.1, Hi: m + 0.1, N: 3}}
	}
	stage := func(name string, iters, n int, a, b float64) result.StageMatrix {
		return result.StageMatrix{Stage: name, Iterations: iters, GroupSize: n, Cells: []result.Cell{
			{Method: "m", Env: "fresh", Status: "ok", Metrics: iv(a)},
			{Method: "m", Env: "moves", Status: "ok", Metrics: iv(b)},
			{Method: "n", Env: "fresh", Status: "n/a"},
			{Method: "n", Env: "moves", Status: "n/a"},
		}}
	}
	mx := &result.Matrix{Methods: []string{"m", "n"}, Envs: []string{"fresh", "moves"}, Stages: []result.StageMatrix{
		stage("initial", 0, 4, 0.5, 0.5), stage("middle", 25, 8, 0.6, 0.7), stage("middle", 25, 4, 0.5, 0.6),
		stage("late", 100, 8, 0.6, 0.8), stage("late", 100, 4, 0.5, 0.5)}}
	if got := UnchangedStageEnvs(mx); len(got) != 1 || got[0] != "fresh" {
		t.Fatalf("unchanged %v, want [fresh]", got)
	}
	// One differing cell at one group size is enough to leave it out.
	mx.Stages[3].Cells[0].Metrics = iv(0.61)
	if got := UnchangedStageEnvs(mx); len(got) != 0 {
		t.Fatalf("unchanged %v, want none", got)
	}
	// Without stages nothing is compared.
	if got := UnchangedStageEnvs(&result.Matrix{Envs: []string{"fresh"}}); got != nil {
		t.Fatalf("unchanged %v without stages", got)
	}
}
