package probe

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/credo-rl/credo/model"

	"github.com/credo-rl/credo/rollout"
)

func traj(id, group string, n int) *rollout.Trajectory {
	t := &rollout.Trajectory{ID: id, Group: group, Tokens: make([]int64, n), Rewards: map[string]float64{"outcome": 0}}
	return t
}

func TestPlanSPOTreeCuts(t *testing.T) {
	b := &rollout.Batch{Trajectories: []*rollout.Trajectory{traj("a", "g", 20), traj("b", "g", 5)}}
	tasks, err := Plan(b, "spo.tree", PlanOptions{Branch: []int{3, 2}, Segment: 6})
	if err != nil {
		t.Fatal(err)
	}
	// a (20 tokens) is cut at 6 with 3 − 1 siblings; b (5 tokens) is too short
	if len(tasks) != 1 || tasks[0].Parent != "a" || tasks[0].Token != 6 || tasks[0].N != 2 {
		t.Fatalf("round 1: %+v", tasks)
	}
	// the two siblings (14 tokens past the cut) join the tree
	for i := range 2 {
		c := traj(fmt.Sprintf("a@6.%d", i), "g", 20)
		c.Parent = &rollout.Branch{Trajectory: "a", Token: 6}
		b.Trajectories = append(b.Trajectories, c)
	}
	tasks, err = Plan(b, "spo.tree", PlanOptions{Branch: []int{3, 2}, Segment: 6})
	if err != nil {
		t.Fatal(err)
	}
	// depth-1 nodes: a's tail and both siblings are cut at 12 into 2 children
	got := ""
	for _, tk := range tasks {
		got += fmt.Sprintf("%s@%d×%d ", tk.Parent, tk.Token, tk.N)
	}
	if got != "a@12×1 a@6.0@12×1 a@6.1@12×1 " {
		t.Fatalf("round 2: %s", got)
	}
}

func TestPlanTreeRLEntropy(t *testing.T) {
	a, b := traj("a", "g", 5), traj("b", "g", 5)
	a.Scores = map[string][]float64{EntropyScore: {9, 0.1, 0.5, 0.2, 0.3}} // token 0 is never a fork (nothing shared)
	b.Scores = map[string][]float64{EntropyScore: {0, 0.5, 0.4, 0.7, 0.1}}
	bt := &rollout.Batch{Trajectories: []*rollout.Trajectory{a, b}}
	tasks, err := Plan(bt, "treerl.group_trie", PlanOptions{Top: 2, Fork: 3, Iters: 1})
	if err != nil {
		t.Fatal(err)
	}
	// highest: b@3 (0.7), then a@2 and b@1 tie at 0.5: a comes first
	if len(tasks) != 2 || tasks[0].Parent != "b" || tasks[0].Token != 3 || tasks[1].Parent != "a" || tasks[1].Token != 2 || tasks[0].N != 3 {
		t.Fatalf("%+v", tasks)
	}
	c := traj("b@3.0", "g", 5)
	c.Parent = &rollout.Branch{Trajectory: "b", Token: 3}
	bt.Trajectories = append(bt.Trajectories, c)
	if tasks, _ := Plan(bt, "treerl.group_trie", PlanOptions{Top: 2, Fork: 3, Iters: 1}); len(tasks) != 0 {
		t.Fatalf("one iteration done, got %+v", tasks)
	}
}

// fakeSampler answers every request with fixed continuations scored by
// their first token (1 = correct).
type fakeSampler struct{ first map[int]int }

func (f fakeSampler) Sample(_ context.Context, prompt []int, n int, _ uint64) ([]Sample, error) {
	out := make([]Sample, n)
	for i := range out {
		tok := f.first[len(prompt)]
		out[i] = Sample{TokenIDs: []int{tok}, LogProbs: []float64{-1}, TokenText: []string{fmt.Sprint(tok)}, Text: fmt.Sprint(tok), Finish: "stop"}
	}
	return out, nil
}

// lastDigit scores 1 when the text ends with "1".
type lastDigit struct{}

func (lastDigit) Score(_ context.Context, text, _, _ string) (float64, error) {
	if text[len(text)-1] == '1' {
		return 1, nil
	}
	return 0, nil
}

func TestOmegaBinarySearch(t *testing.T) {
	// 8 one-token steps; the prompt is 1 token. Continuations after the
	// first k steps are correct while k < 5: the first error is step 5
	// (index 4). The search visits MC(4) = 1, MC(6) = 0, MC(5) = 0.
	tr := traj("s", "g", 8)
	tr.Extra = map[string]json.RawMessage{FieldPrompt: json.RawMessage(`[0]`), FieldTokenText: json.RawMessage(`["a","b","c","d","e","f","g","h"]`)}
	for k := range 8 {
		tr.Steps = append(tr.Steps, rollout.Step{Start: k, End: k + 1})
	}
	first := map[int]int{}
	for k := 0; k <= 8; k++ {
		first[1+k] = 0
		if k < 5 {
			first[1+k] = 1
		}
	}
	b := &rollout.Batch{Trajectories: []*rollout.Trajectory{tr}}
	ro := RunOptions{Sampler: fakeSampler{first}, Verifier: lastDigit{}}
	var order []int
	for range 3 {
		tasks, err := Plan(b, "omegaprm.labels", PlanOptions{Samples: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(tasks) != 1 {
			t.Fatalf("want one search probe, got %+v", tasks)
		}
		order = append(order, tasks[0].Token)
		if _, err := Run(context.Background(), b, tasks, ro); err != nil {
			t.Fatal(err)
		}
	}
	if fmt.Sprint(order) != "[4 6 5]" {
		t.Fatalf("search probed prefixes %v, want [4 6 5]", order)
	}
	if v := tr.Steps[3].Values["mc"]; v != 1 {
		t.Errorf("MC after step 4 = %v", v)
	}
	tasks, _ := Plan(b, "omegaprm.labels", PlanOptions{Samples: 2})
	if len(tasks) != 4 { // steps 1, 2, 3, 7 (index 0, 1, 2, 6) were not visited
		t.Errorf("fill round: %+v", tasks)
	}
}

func TestVerifiers(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		v        Verifier
		text, gt string
		fin      string
		want     float64
	}{
		{Exact{}, "v1 = 3\n#### 3", "v1 = 3\n#### 3\n", "stop", 1},
		{Exact{}, "v1 = 3\n#### 3", "v1 = 3\n#### 3", "length", 0},
		{Exact{}, "v1 = 3\n#### 4", "v1 = 3\n#### 3", "stop", 0},
		{Numeric{}, "so the answer is 1,234.", "1234", "stop", 1},
		{Numeric{}, "42 then 41", "42", "stop", 0},
		{Numeric{}, "no number", "42", "stop", 0},
	} {
		got, err := c.v.Score(ctx, c.text, c.gt, c.fin)
		if err != nil || got != c.want {
			t.Errorf("%T(%q, %q) = %v, %v; want %v", c.v, c.text, c.gt, got, err, c.want)
		}
	}
	if _, err := (Numeric{}).Score(ctx, "1", "many", "stop"); err == nil {
		t.Error("a non-numeric ground truth must be an error")
	}
	v, err := ParseVerifier("cmd:sh -c read_x;echo_0.5")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := v.(Command); !ok {
		t.Fatalf("%T", v)
	}
	got, err := Command{Argv: []string{"sh", "-c", "cat >/dev/null; echo 0.5"}}.Score(ctx, "x", "y", "stop")
	if err != nil || got != 0.5 {
		t.Errorf("command verifier: %v %v", got, err)
	}
	if _, err := (Command{Argv: []string{"sh", "-c", "echo nan"}}).Score(ctx, "x", "y", "stop"); err == nil {
		t.Error("NaN from a verifier must be an error")
	}
}

func TestPlanBRPOBudgets(t *testing.T) {
	tr := traj("a", "g", 25)
	tr.Rewards["outcome"] = 1
	b := &rollout.Batch{Trajectories: []*rollout.Trajectory{tr}}
	tasks, err := Plan(b, "brpo", PlanOptions{Budgets: []int{10, 20, 30}, Samples: 5})
	if err != nil {
		t.Fatal(err)
	}
	// budget steps [0,10) [10,20) [20,25); the last budget (30 ≥ 25) keeps
	// the whole trace: its score is the outcome, no sampling
	got := ""
	for _, s := range tr.Steps {
		got += fmt.Sprintf("[%d,%d)%s%v ", s.Start, s.End, s.Kind, s.Rewards["score"])
	}
	if got != "[0,10)budget0 [10,20)budget0 [20,25)budget1 " || tr.Steps[2].Rewards["score"] != 1 {
		t.Fatalf("steps %s", got)
	}
	if len(tasks) != 2 || tasks[0].Token != 10 || tasks[1].Token != 20 || tasks[1].Step != 1 || !tasks[0].Rewards || tasks[0].N != 5 {
		t.Fatalf("%+v", tasks)
	}
	if _, err := Plan(&rollout.Batch{Trajectories: []*rollout.Trajectory{traj("x", "g", 3)}}, "brpo", PlanOptions{Budgets: []int{5, 5}}); err == nil {
		t.Error("non-increasing budgets must be refused")
	}
}

func TestHTTPSamplerServerIgnoringN(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		fmt.Fprint(w, `{"choices":[{"index":0,"text":"a","tokens":[5],"logprobs":{"tokens":["a"],"token_logprobs":[-1]},"finish_reason":"stop"}]}`)
	}))
	defer srv.Close()
	c, err := model.New(model.Config{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	ss, err := (&HTTPSampler{Client: c, MaxTokens: 4, Temperature: 1}).Sample(context.Background(), []int{1}, 3, 9)
	if err != nil || len(ss) != 3 || calls.Load() != 3 || ss[2].TokenIDs[0] != 5 {
		t.Fatalf("%v %d samples, %d calls", err, len(ss), calls.Load())
	}
}

// echoSampler answers each request with one token: the number of prompt
// ids, as text; it records the prompts.
type echoSampler struct{ prompts [][]int }

func (e *echoSampler) Sample(_ context.Context, prompt []int, n int, _ uint64) ([]Sample, error) {
	e.prompts = append(e.prompts, append([]int(nil), prompt...))
	out := make([]Sample, n)
	for i := range out {
		s := fmt.Sprint(len(prompt))
		out[i] = Sample{TokenIDs: []int{len(prompt)}, LogProbs: []float64{0}, TokenText: []string{s}, Text: s, Finish: "stop"}
	}
	return out, nil
}

// TestForcedAnswers: a forced VSRM task samples after prompt + prefix +
// the suffix's ids (tokenized once), the verifier sees the suffix and the
// answer only, and the last step takes the trace's outcome.
func TestForcedAnswers(t *testing.T) {
	tr := traj("a", "g", 6)
	tr.Tokens = []int64{10, 11, 12, 13, 14, 15}
	tr.Steps = []rollout.Step{{Start: 0, End: 2}, {Start: 2, End: 4}, {Start: 4, End: 6}}
	tr.Rewards["outcome"] = 0.25
	tr.GroundTruth = "7"
	tr.Extra = map[string]json.RawMessage{FieldPrompt: json.RawMessage(`[1,2,3]`)}
	b := &rollout.Batch{Trajectories: []*rollout.Trajectory{tr}}
	tasks, err := Plan(b, "vsrm", PlanOptions{Samples: 2, Force: "A:"})
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != 2 || tasks[0].Force != "A:" || tasks[0].Token != 2 || tasks[1].Token != 4 || tr.Steps[2].Values["mc"] != 0.25 {
		t.Fatalf("tasks %+v, last step %v", tasks, tr.Steps[2].Values)
	}
	calls := 0
	es := &echoSampler{}
	var seen []string
	v := verifierFunc(func(text, gt string) float64 {
		seen = append(seen, text)
		if text == "A:7" { // 3 prompt ids + 2 prefix tokens + 2 suffix ids
			return 1
		}
		return 0
	})
	ro := RunOptions{Sampler: es, Verifier: v, Concurrency: 1, Tokenize: func(_ context.Context, s string) ([]int, error) {
		calls++
		return []int{90, 91}, nil
	}}
	n, err := Run(context.Background(), b, tasks, ro)
	if err != nil {
		t.Fatal(err)
	}
	if n != 4 || calls != 1 || fmt.Sprint(es.prompts[0]) != "[1 2 3 10 11 90 91]" || fmt.Sprint(es.prompts[1]) != "[1 2 3 10 11 12 13 90 91]" {
		t.Fatalf("%d samples, %d tokenize calls, prompts %v", n, calls, es.prompts)
	}
	if tr.Steps[0].Values["mc"] != 1 || tr.Steps[1].Values["mc"] != 0 || len(b.Trajectories) != 1 {
		t.Fatalf("values %v %v, seen %q", tr.Steps[0].Values, tr.Steps[1].Values, seen)
	}
	if tasks[0].ForceIDs != nil {
		t.Fatal("Run must not write into the caller's tasks")
	}
	// without a tokenizer or ids, the run is refused
	if _, err := Run(context.Background(), b, tasks, RunOptions{Sampler: es, Verifier: v}); err == nil {
		t.Fatal("a forced suffix without ids needs a tokenizer")
	}
}

type verifierFunc func(text, gt string) float64

func (f verifierFunc) Score(_ context.Context, text, gt, _ string) (float64, error) {
	return f(text, gt), nil
}
