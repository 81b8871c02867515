package judge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/credo-rl/credo/credit"
	_ "github.com/credo-rl/credo/method/all"
	"github.com/credo-rl/credo/model"
	"github.com/credo-rl/credo/rollout"
)

// record builds a trajectory whose token_text is its lines, one token per
// character, with a step per line.
func record(id, group string, outcome float64, lines ...string) *rollout.Trajectory {
	t := &rollout.Trajectory{ID: id, Group: group, Rewards: map[string]float64{"outcome": outcome}}
	var tt []string
	for _, l := range lines {
		s := len(tt)
		for _, c := range l + "\n" {
			tt = append(tt, string(c))
		}
		t.Steps = append(t.Steps, rollout.Step{Start: s, End: len(tt), Rewards: map[string]float64{"reward": 0}})
	}
	t.Tokens = make([]int64, len(tt))
	raw, _ := json.Marshal(tt)
	t.Extra = map[string]json.RawMessage{"token_text": raw, "prompt": json.RawMessage(`"Compute."`)}
	return t
}

func batch() *rollout.Batch {
	return &rollout.Batch{Trajectories: []*rollout.Trajectory{
		record("a", "g", 1, "v1 = 2 * 3 = 6", "v2 = 6 + 1 = 7", "#### 7"),
		record("b", "g", 0, "v1 = 2 * 3 = 5", "v2 = 5 + 1 = 6", "#### 6"),
		record("c", "h", 1, "v1 = 4 / 2 = 2", "#### 2"),
		record("d", "h", 0, "v1 = 4 / 2 = 3", "#### 3"),
	}}
}

var stepLine = regexp.MustCompile(`(?m)^Step (\d+): (.*)$`)

// fakeJudge answers like a careful grader: it checks the arithmetic of the
// text it is shown (CheckArithmetic) and answers in each recipe's format.
func fakeJudge(t *testing.T, bad string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var q struct {
			Messages []model.Message `json:"messages"`
			N        int             `json:"n"`
		}
		if err := json.NewDecoder(r.Body).Decode(&q); err != nil {
			t.Error(err)
		}
		p := q.Messages[0].Content
		var ans string
		cur := p
		if i := strings.Index(p, "judge ("); i >= 0 {
			cur = p[i:]
		} else if i := strings.Index(p, "Current turn ("); i >= 0 {
			cur = p[i:]
		} else if i := strings.Index(p, "Turn "); i >= 0 && strings.Contains(p, "FACTORS") {
			cur = p[i:]
		}
		if m := regexp.MustCompile(`Rate utterance \[(\d+)\]`).FindStringSubmatch(p); m != nil {
			cur = regexp.MustCompile(`(?m)^\[` + m[1] + `\] .*$`).FindString(p)
		}
		v, has, _ := CheckArithmetic(strings.Split(cur, "\n\n")[0])
		good := !has || v == 1
		switch {
		case bad != "" && strings.Contains(p, bad):
			ans = "Looks fine to me."
		case strings.Contains(p, "WRONG STEPS"):
			var wrong []string
			for _, m := range stepLine.FindAllStringSubmatch(p, -1) {
				if v, has, _ := CheckArithmetic(m[2]); has && v == 0 {
					wrong = append(wrong, m[1])
				}
			}
			ans = "WRONG STEPS: none"
			if len(wrong) > 0 {
				ans = "Step check done.\nWRONG STEPS: " + strings.Join(wrong, ", ")
			}
		case strings.Contains(p, "ANSWER: YES"):
			ans = map[bool]string{true: "ANSWER: YES", false: "ANSWER: NO"}[good]
		case strings.Contains(p, "VERDICT:"):
			ans = map[bool]string{true: "VERDICT: CORRECT", false: "VERDICT: INCORRECT"}[good]
		case strings.Contains(p, "GOAL:"):
			ans = map[bool]string{true: "GOAL: 8\nRELATIONSHIP: 5\nKNOWLEDGE: 10", false: "GOAL: 2\nRELATIONSHIP: 5\nKNOWLEDGE: 0"}[good]
		case strings.Contains(p, "SCORE:"):
			ans = map[bool]string{true: "SCORE: 0.9", false: "SCORE: 0.2"}[!strings.Contains(p, "= 5") && !strings.Contains(p, "= 3\n")]
		case strings.Contains(p, "FACTORS:"):
			ans = map[bool]string{true: "FACTORS: 1, 1, 0.5", false: "FACTORS: 0, 0.25, 0.5"}[good]
		default:
			t.Errorf("unexpected prompt %q", p)
		}
		var ch []map[string]any
		for i := range max(q.N, 1) {
			ch = append(ch, map[string]any{"index": i, "message": map[string]string{"role": "assistant", "content": ans}, "finish_reason": "stop"})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"id": "x", "choices": ch, "usage": map[string]int{"prompt_tokens": 10, "completion_tokens": 3}})
	}))
}

func client(t *testing.T, url string) *model.Client {
	c, err := model.New(model.Config{BaseURL: url, Model: "judge"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRecipesFeedTheirMethods(t *testing.T) {
	srv := fakeJudge(t, "")
	defer srv.Close()
	want := map[string]func(b *rollout.Batch) string{
		// critique j names step k: b's step 1 (2*3=5) is wrong; b's step 2
		// (5+1=6) holds; d's step 1 (4/2=3) is wrong
		"capo": func(b *rollout.Batch) string {
			return fmt.Sprint(b.Trajectories[1].Steps[0].Labels["wrong_vote_3"], b.Trajectories[1].Steps[1].Labels["wrong_vote_0"], b.Trajectories[3].Steps[0].Labels["wrong_vote_2"], b.Trajectories[0].Steps[0].Labels["wrong_vote_1"])
		},
		"calm": func(b *rollout.Batch) string {
			return fmt.Sprint(b.Trajectories[1].Steps[0].Labels["subgoal"], b.Trajectories[1].Steps[1].Labels["subgoal"])
		},
		"tp_grpo": func(b *rollout.Batch) string {
			return fmt.Sprint(b.Trajectories[3].Steps[0].Labels["correct"], b.Trajectories[2].Steps[0].Labels["correct"])
		},
		"sotopia_rl": func(b *rollout.Batch) string {
			s := b.Trajectories[1].Steps[0].Rewards
			return fmt.Sprint(s["goal"], s["relationship"], s["knowledge"], b.Trajectories[0].Steps[0].Rewards["goal"])
		},
		"posterior_grpo": func(b *rollout.Batch) string {
			return fmt.Sprint(b.Trajectories[0].Rewards["thinking"], b.Trajectories[1].Rewards["thinking"], b.Trajectories[0].Rewards["format"])
		},
		"lare": func(b *rollout.Batch) string {
			v := b.Trajectories[1].Steps[0].Values
			return fmt.Sprint(v["z0"], v["z1"], v["z2"])
		},
		"groundedprm": func(b *rollout.Batch) string {
			_, has := b.Trajectories[0].Steps[2].Labels["tool"] // "#### 7" has no equation
			return fmt.Sprint(b.Trajectories[0].Steps[0].Labels["tool"], b.Trajectories[1].Steps[0].Labels["tool"], b.Trajectories[1].Steps[1].Labels["tool"], has)
		},
	}
	expect := map[string]string{
		"capo": "1 0 1 0", "calm": "0 1", "tp_grpo": "0 1", "sotopia_rl": "0.2 0.5 0 0.8",
		"posterior_grpo": "0.9 0.2 0", "lare": "0 0.25 0.5", "groundedprm": "1 0 1 false",
	}
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			r := Recipes[name]
			b := batch()
			if err := Run(context.Background(), b, r, Options{Client: client(t, srv.URL)}); err != nil {
				t.Fatal(err)
			}
			if got := want[name](b); got != expect[name] {
				t.Errorf("got %s, want %s", got, expect[name])
			}
			sets := map[string][]string{"lare": {"decoder=ridge"}, "posterior_grpo": nil}[name]
			if name == "groundedprm" {
				for _, tr := range b.Trajectories { // the MC values come from probes; here by hand
					for k := range tr.Steps {
						tr.Steps[k].Values = map[string]float64{"mc": tr.Rewards["outcome"]}
					}
				}
			}
			if err := credit.Assign(b, r.Method, sets...); err != nil {
				t.Fatalf("credo assign --method %s refused the judged batch: %v", r.Method, err)
			}
		})
	}
}

func TestStrictParsingReportsEveryFailure(t *testing.T) {
	srv := fakeJudge(t, "v1 = 4 / 2 = 3") // the judge rambles on record d
	defer srv.Close()
	b := batch()
	err := Run(context.Background(), b, Recipes["tp_grpo"], Options{Client: client(t, srv.URL)})
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("want a ParseError, got %v", err)
	}
	// d's two steps (the prompt of step 2 shows step 1 too) are unparsable
	if len(pe.Failures) != 2 || pe.Failures[0].ID != "d" || pe.Failures[0].Answer != "Looks fine to me." || !strings.Contains(err.Error(), `traj_uid "d"`) {
		t.Fatalf("%+v", pe.Failures)
	}
	for _, tr := range b.Trajectories {
		for _, s := range tr.Steps {
			if _, ok := s.Labels["correct"]; ok {
				t.Fatal("a failed run must write nothing")
			}
		}
	}
}

func TestTemplateOverride(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "posterior_grpo.tmpl"), []byte("Custom {{.Response}} SCORE:"), 0o644); err != nil {
		t.Fatal(err)
	}
	tm, err := LoadTemplate("posterior_grpo", dir)
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	if err := tm.Execute(&sb, Data{Response: "r"}); err != nil || sb.String() != "Custom r SCORE:" {
		t.Fatalf("%q %v", sb.String(), err)
	}
	if _, err := LoadTemplate("capo", dir); err != nil { // not overridden: embedded
		t.Fatal(err)
	}
}

func TestCheckArithmetic(t *testing.T) {
	for _, c := range []struct {
		s   string
		v   float64
		has bool
	}{
		{"v1 = 2 * 3 = 6", 1, true},
		{"v1 = 2 * 3 = 5", 0, true},
		{"(1 + 2) × 4 = 12 and 7 - 10 = -3.", 1, true},
		{"x + 1 = 2", 0, false}, // "1" alone is not an equation
		{"#### 7", 0, false},
		{"1/0 = 5", 0, true},
	} {
		v, has, err := CheckArithmetic(c.s)
		if err != nil || has != c.has || (has && v != c.v) {
			t.Errorf("%q: %v %v %v", c.s, v, has, err)
		}
	}
}

// TestServerIgnoringN: a server that answers once whatever n (llama.cpp)
// gets the remaining votes asked for one by one.
func TestServerIgnoringN(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		fmt.Fprint(w, `{"choices":[{"index":0,"message":{"role":"assistant","content":"WRONG STEPS: 1"},"finish_reason":"stop"}]}`)
	}))
	defer srv.Close()
	b := &rollout.Batch{Trajectories: batch().Trajectories[:1]}
	if err := Run(context.Background(), b, Recipes["capo"], Options{Client: client(t, srv.URL), Votes: 3}); err != nil {
		t.Fatal(err)
	}
	s := b.Trajectories[0].Steps[0].Labels
	if calls.Load() != 3 || s["wrong_vote_0"] != 1 || s["wrong_vote_2"] != 1 {
		t.Fatalf("%d calls, labels %v", calls.Load(), s)
	}
}
