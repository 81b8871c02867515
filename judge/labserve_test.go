package judge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/lab/lm"
	"github.com/credo-rl/credo/lab/lmserve"
	"github.com/credo-rl/credo/model"
	"github.com/credo-rl/credo/probe"
	"github.com/credo-rl/credo/rollout"
)

// labPrompts are the lab's two quick ArithChain prompts and their
// canonical solutions.
var labPrompts = []probe.PromptSpec{
	{Group: "q0", PromptText: "Let a = 5, b = 10. Compute v1 = a * b, then v2 = v1 * 8. What is v2?\n", GroundTruth: "v1 = 5 * 10 = 50\nv2 = 50 * 8 = 400\n#### 400"},
	{Group: "q1", PromptText: "Let a = 15, b = 20, c = 4. Compute v1 = a * 7, then v2 = v1 + b. What is v2?\n", GroundTruth: "v1 = 15 * 7 = 105\nv2 = 105 + 20 = 125\n#### 125"},
}

// recorder serves a lab model and records every chat answer it gives.
type recorder struct {
	h       http.Handler
	mu      sync.Mutex
	answers []string
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/chat/completions" {
		rc.h.ServeHTTP(w, r)
		return
	}
	rw := httptest.NewRecorder()
	rc.h.ServeHTTP(rw, r)
	body := rw.Body.Bytes()
	var resp lmserve.ChatResponse
	if rw.Code == 200 && json.Unmarshal(body, &resp) == nil {
		rc.mu.Lock()
		for _, c := range resp.Choices {
			rc.answers = append(rc.answers, c.Message.Content)
		}
		rc.mu.Unlock()
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rw.Code)
	_, _ = io.Copy(w, bytes.NewReader(body))
}

// labRollouts serves the lab's quick ArithChain model (the file probe's
// end-to-end test loads, written by `credo lab serve --env arithchain
// --save`) and samples 3 rollouts per prompt from it, split into lines.
func labRollouts(t *testing.T) (*recorder, *httptest.Server, *rollout.Batch) {
	t.Helper()
	f, err := os.Open("../probe/testdata/arith-quick.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := lm.Load(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{h: lmserve.New("lab", m)}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	cl, err := model.New(model.Config{BaseURL: srv.URL, Model: "lab"})
	if err != nil {
		t.Fatal(err)
	}
	ro := probe.RunOptions{Sampler: &probe.HTTPSampler{Client: cl, MaxTokens: 50, Temperature: 1}, Verifier: probe.Exact{}, Seed: 2}
	b, err := probe.Rollouts(context.Background(), labPrompts, 3, ro)
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range b.Trajectories {
		if err := probe.LineSteps(tr); err != nil {
			t.Fatal(err)
		}
	}
	return rec, srv, b
}

// TestRecipesAgainstLabServe runs every recipe against the served lab
// model with guided decoding (the recipe's answer grammar as
// guided_regex, the judge prompt truncated to the model's short context)
// and checks, for each recipe, that every raw answer the server gave
// matches the grammar, that the fields written add up to what the raw
// answers say (read here with plain regexps, not the recipe's parser),
// and that credo assign accepts the result. The verdicts are the
// arithmetic model's draws under the grammar, not judgments.
func TestRecipesAgainstLabServe(t *testing.T) {
	rec, srv, base := labRollouts(t)
	cl, err := model.New(model.Config{BaseURL: srv.URL, Model: "lab"})
	if err != nil {
		t.Fatal(err)
	}
	num := regexp.MustCompile(`\d+(\.\d+)?`)
	sumNums := func(answers []string, key string) float64 {
		s := 0.0
		for _, a := range answers {
			for _, l := range strings.Split(a, "\n") {
				if rest, ok := strings.CutPrefix(l, key); ok {
					for _, x := range num.FindAllString(rest, -1) {
						v, _ := strconv.ParseFloat(x, 64)
						s += v
					}
				}
			}
		}
		return s
	}
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			r := Recipes[name]
			// shallow copies: Run replaces the steps and maps it writes
			var trs []*rollout.Trajectory
			for _, tr := range base.Trajectories {
				c := *tr
				trs = append(trs, &c)
			}
			b := &rollout.Batch{Trajectories: trs}
			rec.mu.Lock()
			rec.answers = nil
			rec.mu.Unlock()
			o := Options{Client: cl, Temperature: 1, MaxTokens: 40, Seed: 5, Guided: true, Extra: map[string]any{"truncate_prompt_tokens": 80}}
			if err := Run(context.Background(), b, r, o); err != nil {
				t.Fatal(err)
			}
			answers := rec.answers
			if r.tool == nil {
				calls := 0
				for _, tr := range b.Trajectories {
					if r.PerStep {
						calls += len(tr.Steps)
					} else {
						calls++
					}
				}
				if len(answers) != calls*r.Votes {
					t.Fatalf("%d answers for %d calls × %d votes", len(answers), calls, r.Votes)
				}
				for _, a := range answers {
					ok := false
					for n := 1; n <= 8 && !ok; n++ {
						ok = regexp.MustCompile(`^(?:` + r.Grammar(n) + `)$`).MatchString(a)
					}
					if !ok {
						t.Errorf("answer %q outside the grammar", a)
					}
				}
				t.Logf("%s: %d answers, e.g. %q", name, len(answers), answers[0])
			}
			// the written fields, summed, against the raw answers
			var got, want float64
			for _, tr := range b.Trajectories {
				for _, s := range tr.Steps {
					switch name {
					case "capo":
						for k, v := range s.Labels {
							if strings.HasPrefix(k, "wrong_vote_") {
								got += v
							}
						}
					case "calm":
						got += s.Labels["subgoal"]
					case "tp_grpo":
						got += s.Labels["correct"]
					case "sotopia_rl":
						got += 10 * (s.Rewards["goal"] + s.Rewards["relationship"] + s.Rewards["knowledge"])
					case "lare":
						got += s.Values["z0"] + s.Values["z1"] + s.Values["z2"]
					case "groundedprm":
						got += s.Labels["tool"]
					}
				}
				if name == "posterior_grpo" {
					got += tr.Rewards["thinking"]
				}
			}
			switch name {
			case "capo":
				for _, a := range answers {
					want += float64(len(num.FindAllString(a, -1)))
				}
			case "calm":
				want = float64(strings.Count(strings.Join(answers, "|"), "ANSWER: YES"))
			case "tp_grpo":
				want = float64(strings.Count(strings.Join(answers, "|"), "VERDICT: CORRECT"))
			case "sotopia_rl":
				want = sumNums(answers, "GOAL:") + sumNums(answers, "RELATIONSHIP:") + sumNums(answers, "KNOWLEDGE:")
			case "lare":
				want = sumNums(answers, "FACTORS:")
			case "posterior_grpo":
				want = sumNums(answers, "SCORE:")
			case "groundedprm":
				// the arithmetic checker: count the lines whose equations hold, by hand
				eq := regexp.MustCompile(`^v\d+ = (\d+) ([*+-]) (\d+) = (\d+)$`)
				for _, tr := range b.Trajectories {
					_, _, steps, _ := Texts(tr)
					for _, s := range steps {
						if m := eq.FindStringSubmatch(s); m != nil {
							x, _ := strconv.Atoi(m[1])
							y, _ := strconv.Atoi(m[3])
							z, _ := strconv.Atoi(m[4])
							v := map[string]int{"*": x * y, "+": x + y, "-": x - y}[m[2]]
							if v == z {
								want++
							}
						}
					}
				}
			}
			if d := got - want; d > 1e-9 || d < -1e-9 {
				t.Errorf("written fields sum to %v, the raw answers to %v", got, want)
			}
			sets := map[string][]string{"lare": {"decoder=ridge"}}[name]
			if name == "groundedprm" {
				for _, tr := range b.Trajectories { // the MC values come from probes (probe's tests); here the outcome
					for k := range tr.Steps {
						tr.Steps[k].Values = map[string]float64{"mc": tr.Rewards["outcome"]}
					}
				}
			}
			if name == "calm" {
				// CALM adds the verdicts to the environment's turn rewards:
				// ArithChain pays the outcome at the last turn
				for _, tr := range b.Trajectories {
					for k := range tr.Steps {
						tr.Steps[k].Rewards = map[string]float64{"reward": 0}
					}
					tr.Steps[len(tr.Steps)-1].Rewards["reward"] = tr.Rewards["outcome"]
				}
			}
			if err := credit.Assign(b, r.Method, sets...); err != nil {
				t.Fatalf("credo assign --method %s refused the judged batch: %v", r.Method, err)
			}
		})
	}
}

// TestGarbageAnswersReported: without guided decoding the arithmetic model
// answers a judge prompt with arithmetic-like text; every such answer is
// reported with its record, step and raw text, and nothing is written.
func TestGarbageAnswersReported(t *testing.T) {
	rec, srv, b := labRollouts(t)
	cl, err := model.New(model.Config{BaseURL: srv.URL, Model: "lab"})
	if err != nil {
		t.Fatal(err)
	}
	rec.answers = nil
	err = Run(context.Background(), b, Recipes["tp_grpo"], Options{Client: cl, Temperature: 1, MaxTokens: 30, Seed: 1,
		Extra: map[string]any{"truncate_prompt_tokens": 80}})
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("want a ParseError, got %v", err)
	}
	bad := 0
	raw := map[string]bool{}
	for _, a := range rec.answers {
		raw[a] = true
		if !strings.Contains(a, "VERDICT:") {
			bad++
		}
	}
	if len(pe.Failures) != bad || bad == 0 {
		t.Fatalf("%d failures reported, %d of %d raw answers have no VERDICT line", len(pe.Failures), bad, len(rec.answers))
	}
	ids := map[string]int{}
	for _, tr := range b.Trajectories {
		ids[tr.ID] = len(tr.Steps)
		for _, s := range tr.Steps {
			if _, ok := s.Labels["correct"]; ok {
				t.Fatal("a failed run must write nothing")
			}
		}
	}
	for _, f := range pe.Failures {
		if n, ok := ids[f.ID]; !ok || f.Step < 0 || f.Step >= n || !raw[f.Answer] {
			t.Fatalf("failure %+v: not a record step with a raw answer the server gave", f)
		}
	}
	t.Logf("%d answers unparsable, e.g. %s", len(pe.Failures), strings.SplitN(pe.Error(), "\n", 3)[1])
}
