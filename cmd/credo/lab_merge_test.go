package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/credo-rl/credo/lab"
	"github.com/credo-rl/credo/lab/result"
)

// TestLabMerge merges two run directories (reports written as lab run
// writes them) and checks the page, the labels and the usage errors.
func TestLabMerge(t *testing.T) {
	dir := t.TempDir()
	mk := func(name string, quick bool, exps ...string) string {
		rep := &lab.Report{Options: lab.Options{Quick: quick}, Seeds: []uint64{1, 2}}
		for _, e := range exps {
			rep.Results = append(rep.Results, &lab.Result{Experiment: result.Experiment{Name: e, Title: e + " title", Claim: e + " claim"},
				Rows: []result.Row{{Env: "e", Method: "m", Metric: "x", Value: result.Interval{Mean: 0.5, Lo: 0.25, Hi: 0.75, N: 2}}}})
		}
		d := filepath.Join(dir, name)
		if err := lab.Write(rep, d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	a, b, q := mk("a", false, "gae_chains"), mk("b", false, "matrix"), mk("q", true, "brpo_variance")
	out, docs := filepath.Join(dir, "merged"), filepath.Join(dir, "page.md")
	code, stdout, stderr := credo(t, "lab", "merge", a, b, "--label", b+"=commit 1a2b3c4", "--out", out, "--docs", docs)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if stdout != "matrix\tcommit 1a2b3c4\tno findings\ngae_chains\t"+a+"\tno findings\n" {
		t.Errorf("stdout %q", stdout)
	}
	page, err := os.ReadFile(docs)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"gae_chains claim", "matrix claim", "- Run: commit 1a2b3c4; 2 seeds (1, 2)"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, f := range []string{"results.json", "report.html", "lab.md"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"lab", "merge"}, 2, "run directories"},
		{[]string{"lab", "merge", a}, 2, "--out"},
		{[]string{"lab", "merge", a, "--out", out, "--label", "nolabel"}, 2, "RUNDIR=TEXT"},
		{[]string{"lab", "merge", a, "--out", out, "--label", b + "=x"}, 2, "not a run directory given"},
		{[]string{"lab", "merge", a, filepath.Join(dir, "none"), "--out", out}, 1, "results.json"},
		{[]string{"lab", "merge", a, q, "--out", out}, 1, "one mode"},
	} {
		code, _, stderr := credo(t, c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q (want exit %d and %q)", c.args, code, stderr, c.code, c.want)
		}
	}
}
