package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/credo-rl/credo/format/jsonl"
	"github.com/credo-rl/credo/rollout"
)

func credo(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

func readOut(t *testing.T, path string) []*rollout.Trajectory {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := jsonl.ReadAll(f, path)
	if err != nil {
		t.Fatal(err)
	}
	return b.Trajectories
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-6+1e-6*math.Abs(b) }

// TestAssignGRPOExample runs verl.grpo on examples/grpo.jsonl through the
// JSONL path. Hand-computed: group p0 has outcomes 1,0,0,1: mean 1/2,
// unbiased std sqrt(1/3), so A = ±0.5/(0.5773503+1e-6). Group p1 has
// 1,1,1,0: mean 3/4, unbiased variance (3·(1/16)+9/16)/3 = 1/4, std 1/2, so
// A = 0.25/0.500001 for the three ones and -0.75/0.500001 for the zero.
func TestAssignGRPOExample(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out.jsonl")
	code, _, stderr := credo(t, "assign", "--method", "verl.grpo", "--in", "../../examples/grpo.jsonl", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	s3 := math.Sqrt(1.0 / 3)
	want := map[string]float64{
		"p0/0": 0.5 / (s3 + 1e-6), "p0/1": -0.5 / (s3 + 1e-6), "p0/2": -0.5 / (s3 + 1e-6), "p0/3": 0.5 / (s3 + 1e-6),
		"p1/0": 0.25 / 0.500001, "p1/1": 0.25 / 0.500001, "p1/2": 0.25 / 0.500001, "p1/3": -0.75 / 0.500001,
	}
	trs := readOut(t, out)
	if len(trs) != 8 {
		t.Fatalf("got %d records", len(trs))
	}
	for _, tr := range trs {
		w := want[tr.ID]
		if len(tr.Advantages) != tr.Len() {
			t.Fatalf("%s: %d advantages for %d tokens", tr.ID, len(tr.Advantages), tr.Len())
		}
		for i, a := range tr.Advantages {
			if !near(a, w) {
				t.Errorf("%s token %d: advantage %v, want %v", tr.ID, i, a, w)
			}
		}
		if string(tr.Extra["prompt"]) == "" {
			t.Errorf("%s: the prompt field given by the user was lost", tr.ID)
		}
	}
}

func TestAssignBadInputLeavesNoOutput(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, in, want string
	}{
		{"ragged", `{"uid":"g","responses":[1,2],"response_mask":[1],"rewards":{"outcome":1}}`, "line 1: field response_mask: has 1 values, want 2"},
		{"nan", `{"uid":"g","responses":[1],"token_level_rewards":[NaN]}`, "line 1: non-finite number NaN"},
		{"infinity", `{"uid":"g","responses":[1],"rewards":{"outcome":1},"old_log_probs":[-Infinity]}`, "line 1: non-finite number -Infinity"},
		{"empty group id", `{"uid":"","responses":[1],"rewards":{"outcome":1}}`, "line 1: field uid: missing"},
		{"mask too long", `{"uid":"g","responses":[1],"response_mask":[1,1],"rewards":{"outcome":1}}`, "line 1: field response_mask: has 2 values, want 1"},
		{"duplicate id", `{"uid":"g","traj_uid":"a","responses":[1],"rewards":{"outcome":1}}` + "\n" + `{"uid":"g","traj_uid":"a","responses":[1],"rewards":{"outcome":1}}`, "line 2: field traj_uid: duplicate id"},
		{"missing uid", `{"responses":[1],"rewards":{"outcome":1}}`, "line 1: field uid: missing"},
		{"truncated", `{"uid":"g","responses":[1],"rewards":{"outcome":1}}` + "\n" + `{"uid":"g","respo`, "line 2: truncated record"},
		{"missing reward", `{"uid":"g","responses":[1]}`, "needs input token_level_rewards|rewards.<reward>"},
		{"unknown parent", `{"uid":"g","traj_uid":"a","responses":[1],"rewards":{"outcome":1},"parent":{"traj_uid":"b","token":0}}`, "unknown trajectory \"b\""},
		{"empty file", ``, "no trajectories"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := filepath.Join(dir, c.name+".jsonl")
			os.WriteFile(in, []byte(c.in+"\n"), 0o644)
			out := filepath.Join(dir, c.name+"-out.jsonl")
			code, _, stderr := credo(t, "assign", "--method", "verl.grpo", "--in", in, "--out", out)
			if code != 2 {
				t.Errorf("exit code %d, want 2 (stderr %s)", code, stderr)
			}
			if !strings.Contains(stderr, c.want) || !strings.Contains(stderr, in) {
				t.Errorf("stderr %q does not name the file and contain %q", stderr, c.want)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("output file left behind")
			}
			ents, _ := os.ReadDir(dir)
			for _, e := range ents {
				if strings.Contains(e.Name(), "credo-tmp-") {
					t.Errorf("temporary file %s left behind", e.Name())
				}
			}
		})
	}
}

func TestAssignUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"assign", "--method", "no.such", "--in", "../../examples/grpo.jsonl", "--out", "/tmp/x.jsonl"},
		{"assign", "--method", "verl.grpo", "--set", "nope=1", "--in", "../../examples/grpo.jsonl", "--out", "/tmp/x.jsonl"},
		{"assign", "--method", "verl.grpo", "--set", "epsilon=abc", "--in", "../../examples/grpo.jsonl", "--out", "/tmp/x.jsonl"},
		{"assign", "--method", "verl.grpo"},
		{"assign", "--bogus"},
		{"validate"},
	} {
		code, _, stderr := credo(t, args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, stderr)
		}
	}
}

func TestAssignRefusesToOverwriteInput(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.jsonl")
	data, _ := os.ReadFile("../../examples/grpo.jsonl")
	os.WriteFile(in, data, 0o644)
	code, _, _ := credo(t, "assign", "--method", "verl.grpo", "--in", in, "--out", in)
	if code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	after, _ := os.ReadFile(in)
	if !bytes.Equal(after, data) {
		t.Fatal("input was modified")
	}
}

func TestValidate(t *testing.T) {
	code, out, stderr := credo(t, "validate", "../../examples/grpo.jsonl")
	if code != 0 || !strings.Contains(out, "ok, 8 trajectories in 2 groups") {
		t.Fatalf("exit %d, out %q, err %q", code, out, stderr)
	}
}

func TestMethodsJSON(t *testing.T) {
	code, out, _ := credo(t, "methods", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, name := range []string{`"verl.grpo"`, `"spec_row": 12`, `"arxiv"`, `"reference"`, `"params"`, `"inputs"`} {
		if !strings.Contains(out, name) {
			t.Errorf("methods --format json lacks %s", name)
		}
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func assignOK(t *testing.T, in string, args ...string) map[string]*rollout.Trajectory {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out.jsonl")
	code, _, stderr := credo(t, append([]string{"assign", "--in", in, "--out", out}, args...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	m := map[string]*rollout.Trajectory{}
	for _, tr := range readOut(t, out) {
		m[tr.ID] = tr
	}
	return m
}

func checkVec(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
	for i := range want {
		if !near(got[i], want[i]) {
			t.Errorf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}

// TestAssignOpenRLHFGAE: V = (0.5, 0.2), r = (0, 1), γ = λ = 0.5.
// δ1 = 1 - 0.2 = 0.8, A1 = 0.8; δ0 = 0.5·0.2 - 0.5 = -0.4,
// A0 = -0.4 + 0.25·0.8 = -0.2; returns = A + V = (0.3, 1.0).
func TestAssignOpenRLHFGAE(t *testing.T) {
	in := writeFile(t, "ppo.jsonl", `{"uid":"p","traj_uid":"a","responses":[7,8],"token_level_rewards":[0,1],"values":[0.5,0.2]}`+"\n")
	got := assignOK(t, in, "--method", "openrlhf.gae", "--set", "gamma=0.5", "--set", "lambd=0.5")
	checkVec(t, "advantages", got["a"].Advantages, []float64{-0.2, 0.8})
	checkVec(t, "returns", got["a"].Returns, []float64{0.3, 1.0})
}

// TestAssignPURE: PRM mode, step baseline, T = 0.1, no normalisation.
// Trajectory a has steps pr = (0.5, -0.5): softmin weights softmax(-pr/T) =
// (1/(1+e^10), e^10/(1+e^10)), so its step rewards are 0.5·w1 and -0.5·w2
// and R_a = 0.5·w1 - 0.5·w2. Trajectory b has one step pr = 0.2, R_b = 0.2.
// Baselines: a subtracts R_b/1 at each step end, b subtracts R_a/2.
// Returns are reverse sums, zeroed at step-end tokens; advantages = returns.
func TestAssignPURE(t *testing.T) {
	in := writeFile(t, "pure.jsonl",
		`{"uid":"q","traj_uid":"a","responses":[1,2,3,4],"rewards":{"outcome":1},"steps":[{"start":0,"end":2,"rewards":{"prm":0.5}},{"start":2,"end":4,"rewards":{"prm":-0.5}}]}`+"\n"+
			`{"uid":"q","traj_uid":"b","responses":[5,6],"rewards":{"outcome":0},"steps":[{"start":0,"end":2,"rewards":{"prm":0.2}}]}`+"\n")
	got := assignOK(t, in, "--method", "pure.credit_assignment", "--set", "reward_mode=PRM", "--set", "disable_advantage_normalization=true")
	e10 := math.Exp(10)
	w1, w2 := 1/(1+e10), e10/(1+e10)
	ra := 0.5*w1 - 0.5*w2
	r1, r2 := 0.5*w1-0.2, -0.5*w2-0.2
	checkVec(t, "a advantages", got["a"].Advantages, []float64{r1 + r2, 0, r2, 0})
	checkVec(t, "b advantages", got["b"].Advantages, []float64{0.2 - ra/2, 0})
}

// TestAssignGiGPOExample runs verl_agent.gigpo (γ = 1, mean_norm) on
// examples/gigpo.jsonl. Episode rewards: t0 = 1, t1 = 0, t2 = 1, written on
// every step row, so over the 9 rows the mean is 2/3 and A^E = 1/3 for t0
// and t2, -2/3 for t1. Step returns with γ = 1: t0 and t2 have R = 1 at
// every step, t1 has 0. Anchor groups: s0 = {t0, t1, t2} and s1 = {t0, t1,
// t2}, mean 2/3, so A^S = 1/3 or -2/3; s2, s3, s4 are singletons, A^S = 0.
// Each step has three tokens.
func TestAssignGiGPOExample(t *testing.T) {
	got := assignOK(t, "../../examples/gigpo.jsonl", "--method", "verl_agent.gigpo", "--set", "gamma=1")
	rep := func(xs ...float64) []float64 {
		var out []float64
		for _, x := range xs {
			out = append(out, x, x, x)
		}
		return out
	}
	checkVec(t, "t0", got["t0"].Advantages, rep(2.0/3, 2.0/3, 1.0/3))
	checkVec(t, "t1", got["t1"].Advantages, rep(-4.0/3, -2.0/3, -4.0/3))
	checkVec(t, "t2", got["t2"].Advantages, rep(2.0/3, 2.0/3, 1.0/3))
}

// TestAssignSPIRALState: two batches of one Kuhn-poker game each, player 0
// wins (+1, -1). Decay 0.95. Batch 1: baselines start at 0, so the
// advantages are +1 and -1, and the EMAs become 0.05 and -0.05. Batch 2
// reads them: +1 - 0.05 = 0.95 and -1 + 0.05 = -0.95, on the last token of
// each player's (only) turn.
func TestAssignSPIRALState(t *testing.T) {
	game := `{"uid":"g","traj_uid":"%s","responses":[1,2,3,4],"features":{"game":"kuhn"},"rewards":{"0":1,"1":-1},` +
		`"steps":[{"start":0,"end":2,"role":"0"},{"start":2,"end":4,"role":"1"}]}` + "\n"
	state := filepath.Join(t.TempDir(), "state.json")
	in1 := writeFile(t, "b1.jsonl", strings.Replace(game, "%s", "a", 1))
	got := assignOK(t, in1, "--method", "spiral.rae", "--state", state)
	checkVec(t, "batch 1", got["a"].Advantages, []float64{0, 1, 0, -1})
	in2 := writeFile(t, "b2.jsonl", strings.Replace(game, "%s", "b", 1))
	got = assignOK(t, in2, "--method", "spiral.rae", "--state", state)
	checkVec(t, "batch 2", got["b"].Advantages, []float64{0, 0.95, 0, -0.95})
	b, err := os.ReadFile(state)
	if err != nil || !strings.Contains(string(b), "ema/kuhn") {
		t.Fatalf("state file: %s, %v", b, err)
	}
}

// TestREADMEListsEveryMethod keeps the README's method table in step with
// the registry (regenerate it with credo methods --format markdown).
func TestREADMEListsEveryMethod(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, _ := credo(t, "methods", "--format", "markdown")
	if !strings.Contains(string(readme), table) {
		t.Fatal("README.md's method table is stale: paste the output of `credo methods --format markdown` between the methods markers")
	}
}

// TestParquetRoundTrip: JSONL -> Parquet (convert), credit on the Parquet
// file with Parquet output, then back to JSONL: the GRPO advantages of the
// example and the user's extra field survive.
func TestParquetRoundTrip(t *testing.T) {
	dir := t.TempDir()
	pq := filepath.Join(dir, "grpo.parquet")
	if code, _, stderr := credo(t, "convert", "../../examples/grpo.jsonl", pq); code != 0 {
		t.Fatalf("convert: exit %d: %s", code, stderr)
	}
	if code, out, stderr := credo(t, "validate", pq); code != 0 || !strings.Contains(out, "8 trajectories in 2 groups") {
		t.Fatalf("validate: exit %d: %s %s", code, out, stderr)
	}
	outPq := filepath.Join(dir, "credit.parquet")
	if code, _, stderr := credo(t, "assign", "--method", "verl.grpo", "--in", pq, "--out", outPq); code != 0 {
		t.Fatalf("assign: exit %d: %s", code, stderr)
	}
	back := filepath.Join(dir, "credit.jsonl")
	if code, _, stderr := credo(t, "convert", outPq, back); code != 0 {
		t.Fatalf("convert back: exit %d: %s", code, stderr)
	}
	trs := readOut(t, back)
	s3 := math.Sqrt(1.0 / 3)
	for _, tr := range trs {
		if tr.ID == "p0/0" {
			checkVec(t, "p0/0", tr.Advantages[:1], []float64{0.5 / (s3 + 1e-6)})
		}
		if string(tr.Extra["prompt"]) == "" {
			t.Errorf("%s lost its prompt field through Parquet", tr.ID)
		}
	}
	if len(trs) != 8 {
		t.Fatalf("%d records", len(trs))
	}
}

// TestAssignIGPOBeliefs: one group of two two-turn trajectories, γ = 1,
// joint normalisation, ig_source=beliefs. a: b0 = 0.2, b1 = 0.6, F1 = 1 ->
// rewards (0.4 at turn 1's end, 1 at the last token). b: b0 = 0.2,
// b1 = 0.1, F1 = 0 -> (-0.1, 0). Pooled: 0.4, 1, -0.1, 0: mean 0.325,
// population variance (0.075² + 0.675² + 0.425² + 0.325²)/4 = 0.7475/4 = 0.186875, so
// std = sqrt(0.186875 + 1e-8). Normalised n = (r - 0.325)/(std + 1e-6);
// turn 2 tokens get n_F1, turn 1 tokens n_IG + n_F1 (γ = 1).
func TestAssignIGPOBeliefs(t *testing.T) {
	in := writeFile(t, "igpo.jsonl",
		`{"uid":"q","traj_uid":"a","responses":[1,2,3,4],"rewards":{"outcome":1},"features":{"belief0":0.2},"steps":[{"start":0,"end":2,"values":{"belief":0.6}},{"start":2,"end":4,"values":{"belief":0.9}}]}`+"\n"+
			`{"uid":"q","traj_uid":"b","responses":[5,6,7,8],"rewards":{"outcome":0},"features":{"belief0":0.2},"steps":[{"start":0,"end":2,"values":{"belief":0.1}},{"start":2,"end":4,"values":{"belief":0.3}}]}`+"\n")
	got := assignOK(t, in, "--method", "igpo.grpo_turn_level", "--set", "ig_source=beliefs")
	std := math.Sqrt(0.186875+1e-8) + 1e-6
	n := func(r float64) float64 { return (r - 0.325) / std }
	checkVec(t, "a", got["a"].Advantages, []float64{n(0.4) + n(1), n(0.4) + n(1), n(1), n(1)})
	checkVec(t, "b", got["b"].Advantages, []float64{n(-0.1) + n(0), n(-0.1) + n(0), n(0), n(0)})
}

// TestAllocateFromKnapsackState: knapsack.grpo on examples/grpo.jsonl stores
// p̂ = 1/2 for p0 (outcomes 1,0,0,1) and 3/4 for p1 (1,1,1,0). With budget
// 10 and sizes in [2, 8] the value Σ (1 - p^N - (1-p)^N)·p(1-p)² is largest
// at (6, 4): 0.96875·0.125 + 0.6796875·0.046875 = 0.152954, just above
// (5, 5) = 0.9375·0.125 + 0.76171875·0.046875 = 0.152893.
func TestAllocateFromKnapsackState(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	assignOK(t, "../../examples/grpo.jsonl", "--method", "knapsack.grpo", "--state", state)
	code, out, stderr := credo(t, "allocate", "--state", state, "--budget", "10", "--min", "2", "--max", "8")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got map[string]int
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got["p0"] != 6 || got["p1"] != 4 {
		t.Fatalf("allocation %v, want p0: 6, p1: 4", got)
	}
	if code, _, _ := credo(t, "allocate", "--state", state, "--budget", "3", "--min", "2", "--max", "8"); code != 2 {
		t.Fatalf("an infeasible budget gave exit %d, want 2", code)
	}
}

// TestAllocateADCL: the same state (p̂ = 1/2 for p0, 3/4 for p1) planned as
// ADCL's curriculum in two batches: p1 (difficulty 1/4) first, then p0 (1/2).
func TestAllocateADCL(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	assignOK(t, "../../examples/grpo.jsonl", "--method", "knapsack.grpo", "--state", state)
	code, out, stderr := credo(t, "allocate", "--state", state, "--curriculum", "adcl", "--batches", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got []struct {
		Prompts    []string  `json:"prompts"`
		Difficulty []float64 `json:"difficulty"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if len(got) != 2 || len(got[0].Prompts) != 1 || got[0].Prompts[0] != "p1" || got[0].Difficulty[0] != 0.25 ||
		len(got[1].Prompts) != 1 || got[1].Prompts[0] != "p0" || got[1].Difficulty[0] != 0.5 {
		t.Fatalf("plan %s, want [p1 (0.25)] then [p0 (0.5)]", out)
	}
	if code, _, _ := credo(t, "allocate", "--state", state, "--curriculum", "adcl"); code != 2 {
		t.Fatalf("--curriculum adcl without --batches gave exit %d, want 2", code)
	}
}
