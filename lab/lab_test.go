package lab

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/lab/run"
	"github.com/credo-rl/credo/lab/score"
	"github.com/credo-rl/credo/lab/train"
)

// The engine's REINFORCE loss on Monte Carlo returns is an unbiased
// estimate of the policy gradient: averaged over many batches it points
// along the exact gradient of the tabular softmax.
func TestEstimatedGradientMatchesExact(t *testing.T) {
	x := &run.Ctx{Name: "test", Seeds: []uint64{3}, Quick: true}
	w, err := newWorld(x, "toy_corridor", 3, worldSize{P: 3, N: 16, R: 40, Warm: 1})
	if err != nil {
		t.Fatal(err)
	}
	tm, err := train.NewMethod("openrlhf.cumulative_returns", map[string]any{"gamma": 1.0})
	if err != nil {
		t.Fatal(err)
	}
	mean := map[string][]float64{}
	exact := map[string][]float64{}
	for k := range w.batches {
		b, eps, err := w.build(k, train.Profile{}, false, buildVariant{})
		if err != nil {
			t.Fatal(err)
		}
		if err := tm.Assign(b); err != nil {
			t.Fatal(err)
		}
		g, err := train.EstimatedGradient(w.pol, b)
		if err != nil {
			t.Fatal(err)
		}
		ex, err := w.or.ExactGradient(w.pol, b, eps)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []struct {
			src, dst map[string][]float64
		}{{g, mean}, {ex, exact}} {
			for key, v := range p.src {
				if p.dst[key] == nil {
					p.dst[key] = make([]float64, len(v))
				}
				for i, y := range v {
					p.dst[key][i] += y
				}
			}
		}
	}
	if c := score.Cosine(mean, exact); c < 0.9 {
		t.Fatalf("cosine of the mean REINFORCE estimate with the exact gradient = %v, want > 0.9", c)
	}
}

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

// stripSeconds zeroes the wall times of a report's JSON.
func stripSeconds(t *testing.T, rep *Report) string {
	t.Helper()
	rep.Seconds = 0
	rep.Options.Workers = 0
	for _, r := range rep.Results {
		r.Seconds = 0
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDeterministic(t *testing.T) {
	ctx := context.Background()
	a, err := Run(ctx, []string{"tree_decisive", "brpo_variance"}, Options{Seeds: 2, Quick: true, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Run(ctx, []string{"tree_decisive", "brpo_variance"}, Options{Seeds: 2, Quick: true, Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	if sa, sb := stripSeconds(t, a), stripSeconds(t, b); sa != sb {
		t.Fatal("same seeds gave different numbers (1 vs 3 workers)")
	}
}

func TestQuickRunWritesOutputs(t *testing.T) {
	dir := t.TempDir()
	rep, err := Run(context.Background(), []string{"knapsack_budget"}, Options{Seeds: 2, Quick: true, OutDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Results[0]
	if len(r.Findings) == 0 || len(r.Rows) == 0 || len(r.Curves) == 0 {
		t.Fatalf("empty result: %d findings, %d rows, %d curves", len(r.Findings), len(r.Rows), len(r.Curves))
	}
	for _, f := range r.Findings {
		if f.Verdict != Agree && f.Verdict != Disagree && f.Verdict != Equivalent && f.Verdict != Inconclusive {
			t.Fatalf("verdict %q", f.Verdict)
		}
	}
	for _, name := range []string{"results.json", "results.csv", "findings.csv", "report.html", "lab.md"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range r.Plots {
		for _, ext := range []string{".png", ".svg"} {
			if _, err := os.Stat(filepath.Join(dir, p+ext)); err != nil {
				t.Fatal(err)
			}
		}
	}
	h, _ := os.ReadFile(filepath.Join(dir, "report.html"))
	if !strings.Contains(string(h), "data:image/png;base64,") || strings.Contains(string(h), `src="knapsack`) {
		t.Fatal("report.html does not embed its images")
	}
	md, _ := os.ReadFile(filepath.Join(dir, "lab.md"))
	if !strings.Contains(string(md), r.Experiment.Claim) {
		t.Fatal("lab.md lacks the paper's claim")
	}
	var back map[string]any
	js, _ := os.ReadFile(filepath.Join(dir, "results.json"))
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatalf("results.json: %v", err)
	}
}

func TestMatrixToy(t *testing.T) {
	x := &run.Ctx{Name: "matrix", Seeds: []uint64{5}, Quick: true}
	w, err := newWorld(x, "toy_corridor", 5, worldSize{P: 3, N: 8, R: 2, Warm: 2})
	if err != nil {
		t.Fatal(err)
	}
	m := mustMethod(t, "verl.grpo")
	c := w.scoreMethod(m)
	if c.status != "ok" || !(c.m["pearson"] > 0) || c.m["coverage"] != 1 {
		t.Fatalf("verl.grpo on the toy corridor: %+v", c)
	}
	// spiral.rae needs per-player rewards: not applicable to a single agent.
	if c := w.scoreMethod(mustMethod(t, "spiral.rae")); c.status != "n/a" || !strings.Contains(c.reason, "rewards.0") {
		t.Fatalf("spiral.rae on a single-agent task: %+v", c)
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
