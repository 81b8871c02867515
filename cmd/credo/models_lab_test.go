package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/credo-rl/credo/lab/lm"
	"github.com/credo-rl/credo/lab/lmserve"
	"github.com/credo-rl/credo/probe"
)

// trainedLab serves the lab's quick ArithChain model (probe/testdata,
// written by `credo lab serve --env arithchain --save`) and writes its two
// prompts; it returns the endpoint and the prompts file.
func trainedLab(t *testing.T) (endpoint, prompts string) {
	t.Helper()
	f, err := os.Open("../../probe/testdata/arith-quick.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := lm.Load(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(lmserve.New("lab", m))
	t.Cleanup(srv.Close)
	prompts = filepath.Join(t.TempDir(), "prompts.jsonl")
	lines := `{"uid":"q0","prompt":"Let a = 5, b = 10. Compute v1 = a * b, then v2 = v1 * 8. What is v2?\n","ground_truth":"v1 = 5 * 10 = 50\nv2 = 50 * 8 = 400\n#### 400"}
{"uid":"q1","prompt":"Let a = 15, b = 20, c = 4. Compute v1 = a * 7, then v2 = v1 + b. What is v2?\n","ground_truth":"v1 = 15 * 7 = 105\nv2 = 105 + 20 = 125\n#### 125"}
`
	if err := os.WriteFile(prompts, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	return srv.URL + "/v1", prompts
}

func run1(t *testing.T, args ...string) string {
	t.Helper()
	code, _, e := credo(t, args...)
	if code != 0 {
		t.Fatalf("credo %s: exit %d: %s", strings.Join(args, " "), code, e)
	}
	return e
}

// TestJudgeCLIAgainstLabServe: credo judge with --guided against the
// served lab model for the recipes whose method reads only judge fields
// (calm also needs the environment's turn rewards: judge's package test),
// then credo assign; without --guided the model's arithmetic-like answers
// fail the run with their record ids and raw text.
func TestJudgeCLIAgainstLabServe(t *testing.T) {
	ep, prompts := trainedLab(t)
	dir := t.TempDir()
	roll := filepath.Join(dir, "roll.jsonl")
	run1(t, "probe", "rollouts", "--endpoint", ep, "--prompts", prompts, "--n", "3", "--max-tokens", "50", "--seed", "1", "--out", roll, "-q")
	for _, tc := range []struct{ recipe, method, set string }{
		{"capo", "capo", ""}, {"tp_grpo", "tp_grpo", ""}, {"sotopia_rl", "sotopia_rl", ""},
		{"posterior_grpo", "posterior_grpo", ""}, {"lare", "lare", "decoder=ridge"}, {"groundedprm", "", ""},
	} {
		out := filepath.Join(dir, tc.recipe+".jsonl")
		e := run1(t, "judge", "--recipe", tc.recipe, "--line-steps", "--guided", "--extra", "truncate_prompt_tokens=80", "--max-tokens", "40",
			"--endpoint", ep, "--in", roll, "--out", out)
		if tc.method == "" {
			continue // groundedprm's tool needs no model; its MC values come from probes (TestProbeForcedAndOmegaCLI)
		}
		if !strings.Contains(e, "credo: model: ") {
			t.Errorf("%s: no request counts: %s", tc.recipe, e)
		}
		args := []string{"assign", "--method", tc.method, "--in", out, "--out", filepath.Join(dir, tc.recipe+"-credit.jsonl"), "-q"}
		if tc.set != "" {
			args = append(args, "--set", tc.set)
		}
		run1(t, args...)
		trs := readOut(t, filepath.Join(dir, tc.recipe+"-credit.jsonl"))
		if len(trs) != 6 || len(trs[0].Advantages) != trs[0].Len() {
			t.Fatalf("%s: %d records", tc.recipe, len(trs))
		}
	}
	// no grammar: the arithmetic model does not answer in the format
	report := filepath.Join(dir, "fail.jsonl")
	code, _, e := credo(t, "judge", "--recipe", "tp_grpo", "--line-steps", "--extra", "truncate_prompt_tokens=80", "--max-tokens", "30",
		"--endpoint", ep, "--in", roll, "--out", filepath.Join(dir, "x.jsonl"), "--report", report)
	if code != 1 || !strings.Contains(e, `traj_uid "q0.0" step 0 sample 0: no line "VERDICT: CORRECT|INCORRECT"; answer "`) {
		t.Fatalf("exit %d: %s", code, e)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.jsonl")); err == nil {
		t.Fatal("a failed judge run must not write its output")
	}
	raw := must(os.ReadFile(report))
	first := strings.SplitN(string(raw), "\n", 2)[0]
	var fl struct {
		ID     string `json:"traj_uid"`
		Answer string `json:"answer"`
	}
	if err := json.Unmarshal([]byte(first), &fl); err != nil || fl.ID != "q0.0" || fl.Answer == "" {
		t.Fatalf("report %s", raw)
	}
	t.Logf("unparsable: %d answers, e.g. %q", bytes.Count(raw, []byte("\n")), fl.Answer)
}

// TestProbeForcedAndOmegaCLI: OmegaPRM's binary search run by hand (plan,
// run, plan again until the plan is empty) gives the file probe expand
// gives, credo assign --method omegaprm.labels labels it, and each
// searched solution's first error sits where its MC values drop to zero;
// VSRM and BRPO with forced answers through plan/run and expand, then
// assign.
func TestProbeForcedAndOmegaCLI(t *testing.T) {
	ep, prompts := trainedLab(t)
	dir := t.TempDir()
	roll := filepath.Join(dir, "roll.jsonl")
	cache := filepath.Join(dir, "cache")
	common := []string{"--endpoint", ep, "--cache", cache, "--max-tokens", "50", "--seed", "1", "-q"}
	run1(t, append([]string{"probe", "rollouts", "--prompts", prompts, "--n", "4", "--out", roll}, common...)...)

	// OmegaPRM by hand
	cur := roll
	rounds := 0
	for ; rounds < 10; rounds++ {
		plan := filepath.Join(dir, fmt.Sprintf("omega-plan%d.jsonl", rounds))
		run1(t, "probe", "plan", "--method", "omegaprm.labels", "--line-steps", "--samples", "4", "--in", cur, "--out", plan)
		if len(must(os.ReadFile(plan))) == 0 {
			break
		}
		next := filepath.Join(dir, fmt.Sprintf("omega%d.jsonl", rounds))
		run1(t, append([]string{"probe", "run", "--line-steps", "--plan", plan, "--in", cur, "--out", next}, common...)...)
		cur = next
	}
	if rounds < 2 {
		t.Fatalf("%d rounds: the binary search and the fill round take two at least", rounds)
	}
	expanded := filepath.Join(dir, "omega-expand.jsonl")
	run1(t, append([]string{"probe", "expand", "--method", "omegaprm.labels", "--line-steps", "--samples", "4", "--in", roll, "--out", expanded}, common...)...)
	if !bytes.Equal(must(os.ReadFile(cur)), must(os.ReadFile(expanded))) {
		t.Fatal("plan/run by hand and probe expand differ")
	}
	if _, out, _ := credo(t, "methods"); !strings.Contains(out, "omegaprm.labels") {
		t.Fatal("credo methods does not list omegaprm.labels")
	}
	labels := filepath.Join(dir, "omega-labels.jsonl")
	run1(t, "assign", "--method", "omegaprm.labels", "--in", cur, "--out", labels, "-q")
	searched := 0
	for _, tr := range readOut(t, labels) {
		n := len(tr.Steps)
		if tr.Steps[n-1].Values["mc"] > 0 {
			continue // a correct solution: no search
		}
		searched++
		fe := -1
		for k, s := range tr.Steps {
			prm, ok := s.Labels["prm"]
			switch {
			case fe >= 0 && ok:
				t.Fatalf("%s: step %d labelled after the first error %d", tr.ID, k, fe)
			case fe < 0 && ok && prm == 0:
				fe = k
			case fe < 0 && (!ok || prm != 1):
				t.Fatalf("%s: step %d: prm %v %v before the first error", tr.ID, k, prm, ok)
			}
		}
		// the search ends on a drop: MC 0 at the first error, above 0 just before
		if fe < 0 || tr.Steps[fe].Values["mc"] != 0 || (fe > 0 && tr.Steps[fe-1].Values["mc"] <= 0) {
			t.Fatalf("%s: first error %d, steps %+v", tr.ID, fe, tr.Steps)
		}
	}
	t.Logf("omegaprm: %d rounds, %d solutions searched", rounds, searched)
	if searched == 0 {
		t.Fatal("no wrong solution to search")
	}

	// VSRM with a forced answer after each line, by plan and run
	vplan := filepath.Join(dir, "vsrm-plan.jsonl")
	run1(t, "probe", "plan", "--method", "vsrm", "--line-steps", "--samples", "4", "--force", "#### ", "--in", roll, "--out", vplan)
	var tk probe.Task
	if err := json.Unmarshal(bytes.SplitN(must(os.ReadFile(vplan)), []byte("\n"), 2)[0], &tk); err != nil || tk.Force != "#### " {
		t.Fatalf("plan task %+v %v", tk, err)
	}
	vsrm := filepath.Join(dir, "vsrm.jsonl")
	run1(t, append([]string{"probe", "run", "--line-steps", "--plan", vplan, "--in", roll, "--out", vsrm, "--verifier", "numeric"}, common...)...)
	run1(t, "assign", "--method", "vsrm", "--in", vsrm, "--out", filepath.Join(dir, "vsrm-credit.jsonl"), "-q")
	mid := 0
	for _, tr := range readOut(t, vsrm) {
		for _, s := range tr.Steps[:len(tr.Steps)-1] {
			v, ok := s.Values["mc"]
			if !ok || v < 0 || v > 1 || v*4 != float64(int(v*4)) {
				t.Fatalf("%s: mc %v %v", tr.ID, v, ok)
			}
			if v > 0 && v < 1 {
				mid++
			}
		}
	}
	t.Logf("vsrm: %d steps with a forced-answer accuracy strictly between 0 and 1", mid)

	// BRPO with an end-of-thinking suffix at each budget: plan and run, then the one command gives the same file
	bplan := filepath.Join(dir, "brpo-plan.jsonl")
	run1(t, "probe", "plan", "--method", "brpo", "--budgets", "10,20,30", "--samples", "3", "--force", "\n#### ", "--in", roll, "--out", bplan)
	brpo := filepath.Join(dir, "brpo.jsonl")
	// a run with other budgets than the plan's is refused, not written into the wrong steps
	if code, _, e := credo(t, append([]string{"probe", "run", "--plan", bplan, "--in", roll, "--out", brpo, "--verifier", "numeric"}, common...)...); code == 0 || !strings.Contains(e, "--budgets") {
		t.Fatalf("run with the default budgets: exit %d: %s", code, e)
	}
	run1(t, append([]string{"probe", "run", "--budgets", "10,20,30", "--plan", bplan, "--in", roll, "--out", brpo, "--verifier", "numeric"}, common...)...)
	brpoX := filepath.Join(dir, "brpo-expand.jsonl")
	run1(t, append([]string{"probe", "expand", "--method", "brpo", "--budgets", "10,20,30", "--samples", "3", "--force", "\n#### ",
		"--verifier", "numeric", "--in", roll, "--out", brpoX}, common...)...)
	if !bytes.Equal(must(os.ReadFile(brpo)), must(os.ReadFile(brpoX))) {
		t.Fatal("brpo: plan/run and expand differ")
	}
	run1(t, "assign", "--method", "brpo", "--in", brpo, "--out", filepath.Join(dir, "brpo-credit.jsonl"), "-q")
	for _, tr := range readOut(t, brpo) {
		if len(tr.Steps) != 3 {
			t.Fatalf("%s: %d budget steps", tr.ID, len(tr.Steps))
		}
		for _, s := range tr.Steps {
			if v, ok := s.Rewards["score"]; !ok || v < 0 || v > 1 {
				t.Fatalf("%s: budget score %v %v", tr.ID, v, ok)
			}
		}
	}
	// --force is refused where the method samples no forced answers
	if code, _, e := credo(t, "probe", "plan", "--method", "spo.tree", "--force", "x", "--in", roll, "--out", filepath.Join(dir, "p.jsonl")); code == 0 || !strings.Contains(e, "--force") {
		t.Fatalf("exit %d: %s", code, e)
	}
}
