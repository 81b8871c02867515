package lab

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/credo-rl/credo/lab/result"
)

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
		if f.Verdict != result.Agree && f.Verdict != result.Disagree && f.Verdict != result.Equivalent && f.Verdict != result.Inconclusive {
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
