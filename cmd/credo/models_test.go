package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/credo-rl/credo/lab/lm"
	"github.com/credo-rl/credo/lab/lmserve"
)

// labServer serves a seeded lab transformer (untrained, its embedding
// scaled so that sampling is far from uniform, as in lmserve's tests).
func labServer(t *testing.T) *httptest.Server {
	t.Helper()
	m, err := lm.New(lm.Config{Vocab: lm.CharVocab, D: 16, Heads: 2, Layers: 2, MaxT: 64}, 11)
	if err != nil {
		t.Fatal(err)
	}
	p := m.Params()
	for i := range p[:lm.CharVocab*16] {
		p[i] *= 60
	}
	s := httptest.NewServer(lmserve.New("lab", m))
	t.Cleanup(s.Close)
	return s
}

func TestProbeCLIPipeline(t *testing.T) {
	srv := labServer(t)
	dir := t.TempDir()
	prompts := filepath.Join(dir, "prompts.jsonl")
	if err := os.WriteFile(prompts, []byte(`{"uid":"q1","prompt":"a=1\n","ground_truth":"7"}`+"\n"+`{"uid":"q2","prompt":"b=2\n","ground_truth":"3"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ep := srv.URL + "/v1"
	roll := filepath.Join(dir, "roll.jsonl")
	common := []string{"--endpoint", ep, "--model", "lab", "--max-tokens", "20", "--verifier", "numeric", "--cache", filepath.Join(dir, "cache"), "-q"}
	if code, _, e := credo(t, append([]string{"probe", "rollouts", "--prompts", prompts, "--n", "3", "--out", roll}, common...)...); code != 0 {
		t.Fatalf("rollouts: exit %d: %s", code, e)
	}
	trs := readOut(t, roll)
	if len(trs) != 6 || trs[0].Extra["prompt_token_ids"] == nil || trs[0].Extra["token_text"] == nil {
		t.Fatalf("%d rollouts: %+v", len(trs), trs[0])
	}
	// plan + run by hand for spo.tree, then assign
	plan := filepath.Join(dir, "plan.jsonl")
	if code, _, e := credo(t, "probe", "plan", "--method", "spo.tree", "--branch", "2", "--segment", "5", "--in", roll, "--out", plan); code != 0 {
		t.Fatalf("plan: %s", e)
	}
	raw, _ := os.ReadFile(plan)
	if n := strings.Count(string(raw), "\n"); n == 0 {
		t.Fatal("empty plan")
	}
	tree := filepath.Join(dir, "tree.jsonl")
	if code, _, e := credo(t, append([]string{"probe", "run", "--plan", plan, "--in", roll, "--out", tree}, common...)...); code != 0 {
		t.Fatalf("run: %s", e)
	}
	linked := 0
	for _, tr := range readOut(t, tree) {
		if tr.Parent != nil {
			linked++
		}
	}
	if linked == 0 {
		t.Fatal("no tree nodes written")
	}
	if code, _, e := credo(t, "assign", "--method", "spo.tree", "--in", tree, "--out", filepath.Join(dir, "a.jsonl"), "-q"); code != 0 {
		t.Fatalf("assign spo.tree: %s", e)
	}
	// one command: assign runs TreeRL's tree stage itself
	out := filepath.Join(dir, "treerl.jsonl")
	code, _, e := credo(t, append([]string{"assign", "--method", "treerl.group_trie", "--in", roll, "--out", out}, common[:len(common)-1]...)...)
	if code != 0 {
		t.Fatalf("assign --endpoint: exit %d: %s", code, e)
	}
	got := readOut(t, out)
	if len(got) <= 6 || !strings.Contains(e, "inputs from the model") {
		t.Fatalf("%d records; stderr %s", len(got), e)
	}
	for _, tr := range got {
		if len(tr.Advantages) != tr.Len() {
			t.Fatalf("%s: %d advantages for %d tokens", tr.ID, len(tr.Advantages), tr.Len())
		}
	}
	// omegaprm through expand with line steps
	om := filepath.Join(dir, "omega.jsonl")
	if code, _, e := credo(t, append([]string{"probe", "expand", "--method", "omegaprm.labels", "--line-steps", "--samples", "2", "--in", roll, "--out", om}, common...)...); code != 0 {
		t.Fatalf("expand omegaprm: %s", e)
	}
	if code, _, e := credo(t, "assign", "--method", "omegaprm.labels", "--in", om, "--out", filepath.Join(dir, "o.jsonl"), "-q"); code != 0 {
		t.Fatalf("assign omegaprm: %s", e)
	}
}

// chatJudge answers CAPO critiques: the last step is wrong, except on
// records whose text contains "bad", where it rambles.
func chatJudge(t *testing.T) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var q struct {
			Messages []struct{ Content string } `json:"messages"`
			N        int                        `json:"n"`
		}
		if err := json.NewDecoder(r.Body).Decode(&q); err != nil {
			t.Error(err)
		}
		p := q.Messages[0].Content
		ans := fmt.Sprintf("WRONG STEPS: %d", strings.Count(p, "\nStep "))
		if strings.Contains(p, "bad") {
			ans = "hmm"
		}
		var ch []map[string]any
		for i := range q.N {
			ch = append(ch, map[string]any{"index": i, "message": map[string]string{"role": "assistant", "content": ans}, "finish_reason": "stop"})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"choices": ch})
	}))
	t.Cleanup(s.Close)
	return s
}

func TestJudgeCLI(t *testing.T) {
	srv := chatJudge(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.jsonl")
	rec := func(id, group, text string, r int) string {
		tt, _ := json.Marshal(strings.Split(text, ""))
		return fmt.Sprintf(`{"traj_uid":%q,"uid":%q,"responses":%s,"rewards":{"outcome":%d},"token_text":%s}`, id, group,
			strings.Repeat("0,", len(text)-1)+"0]", r, tt)
	}
	lines := []string{rec("a", "g", "x=1\ny=2\n", 1), rec("b", "g", "x=3\ny=4\n", 0)}
	for i := range lines {
		lines[i] = strings.Replace(lines[i], `"responses":`, `"responses":[`, 1)
	}
	if err := os.WriteFile(in, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "credit.jsonl")
	// the one-command path: capo's votes are missing, the judge runs first
	code, _, e := credo(t, "assign", "--method", "capo", "--endpoint", srv.URL, "--in", in, "--out", out)
	if code == 0 || !strings.Contains(e, "has no steps") {
		t.Fatalf("records without steps must be refused: exit %d: %s", code, e)
	}
	// with steps (here: lines, written by the tool-only groundedprm recipe)
	// the one command judges and assigns
	stepped := filepath.Join(dir, "stepped.jsonl")
	if code, _, e = credo(t, "judge", "--recipe", "groundedprm", "--line-steps", "--in", in, "--out", stepped, "-q"); code != 0 {
		t.Fatalf("judge groundedprm: %s", e)
	}
	code, _, e = credo(t, "assign", "--method", "capo", "--endpoint", srv.URL, "--in", stepped, "--out", out)
	if code != 0 || !strings.Contains(e, "inputs from the model (capo)") {
		t.Fatalf("assign --endpoint capo: exit %d: %s", code, e)
	}
	for _, tr := range readOut(t, out) {
		if len(tr.Advantages) != tr.Len() || tr.Steps[1].Labels["wrong_vote_0"] != 1 {
			t.Fatalf("%s: %+v", tr.ID, tr)
		}
	}
	judged := filepath.Join(dir, "judged.jsonl")
	if code, _, e = credo(t, "judge", "--recipe", "capo", "--line-steps", "--endpoint", srv.URL, "--in", in, "--out", judged, "-q"); code != 0 {
		t.Fatalf("judge: exit %d: %s", code, e)
	}
	trs := readOut(t, judged)
	// 2 lines → 2 steps; every critique names step 2
	if s := trs[0].Steps; len(s) != 2 || s[1].Labels["wrong_vote_3"] != 1 || s[0].Labels["wrong_vote_0"] != 0 {
		t.Fatalf("steps %+v", s)
	}
	if code, _, e = credo(t, "assign", "--method", "capo", "--in", judged, "--out", out, "-q"); code != 0 {
		t.Fatalf("assign capo: %s", e)
	}
	// strict parsing: a rambling answer fails the run, names the record and the answer
	bad := strings.Replace(string(must(os.ReadFile(in))), `"y","=","4"`, `"b","a","d"`, 1)
	os.WriteFile(in, []byte(bad), 0o644)
	report := filepath.Join(dir, "fail.jsonl")
	code, _, e = credo(t, "judge", "--recipe", "capo", "--line-steps", "--endpoint", srv.URL, "--in", in, "--out", filepath.Join(dir, "x.jsonl"), "--report", report)
	if code == 0 || !strings.Contains(e, `traj_uid "b"`) || !strings.Contains(e, `"hmm"`) {
		t.Fatalf("exit %d: %s", code, e)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.jsonl")); err == nil {
		t.Fatal("a failed judge run must not write its output")
	}
	if r := string(must(os.ReadFile(report))); strings.Count(r, "\n") != 4 || !strings.Contains(r, `"answer":"hmm"`) {
		t.Fatalf("report %s", r)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
