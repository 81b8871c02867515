package probe_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"sort"
	"sync"
	"testing"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/lab/lm"
	"github.com/credo-rl/credo/lab/lmexp"
	"github.com/credo-rl/credo/lab/lmserve"
	"github.com/credo-rl/credo/lab/textenv"
	_ "github.com/credo-rl/credo/method/all"
	"github.com/credo-rl/credo/model"
	"github.com/credo-rl/credo/probe"
	"github.com/credo-rl/credo/rollout"
)

// labSampler samples from a lab model in process with the lab's own
// sampling routine, lm.Cache.Continue (the one lm.Model.Sample and the lab
// trainer's policy use), seeding a PCG stream per request the way the
// served model does (PCG(seed, 0x5e7e), n samples drawn in turn from one
// stream). The top-k entropies are read in a second pass over the
// model's KV cache. It does not use lmserve: comparing it with the HTTP
// path checks that server, client and cache reproduce the lab's own
// sampling exactly.
type labSampler struct {
	m      *lm.Model
	maxTok int
	topK   int
}

func (s *labSampler) Sample(_ context.Context, prompt []int, n int, seed uint64) ([]probe.Sample, error) {
	var voc lm.Vocab
	rng := rand.New(rand.NewPCG(seed, 0x5e7e))
	base := s.m.NewCache()
	lp0, err := base.Feed(prompt)
	if err != nil {
		return nil, err
	}
	out := make([]probe.Sample, n)
	for i := range out {
		toks, lps, err := base.Clone().Continue(lp0, s.maxTok, 1, lm.EOS, rng)
		if err != nil {
			return nil, err
		}
		smp := probe.Sample{Finish: "length", TokenIDs: []int{}, LogProbs: []float64{}, TokenText: []string{}, Entropy: []float64{}}
		if len(toks) > 0 && toks[len(toks)-1] == lm.EOS {
			smp.Finish = "stop"
			toks, lps = toks[:len(toks)-1], lps[:len(lps)-1]
		}
		c, lp := base.Clone(), lp0
		for k, tk := range toks {
			smp.TokenIDs = append(smp.TokenIDs, tk)
			smp.LogProbs = append(smp.LogProbs, lps[k])
			smp.TokenText = append(smp.TokenText, voc.Token(tk))
			v := append([]float64(nil), lp...)
			sort.Sort(sort.Reverse(sort.Float64Slice(v)))
			smp.Entropy = append(smp.Entropy, probe.TopEntropy(v[:s.topK]))
			smp.Text += voc.Token(tk)
			if k+1 < len(toks) {
				if lp, err = c.Step(tk); err != nil {
					return nil, err
				}
			}
		}
		out[i] = smp
	}
	return out, nil
}

var (
	labOnce  sync.Once
	labModel *lm.Model
	labTasks []*textenv.Task
	labErr   error
)

// trained returns the lab's quick ArithChain model and its prompts. The
// model is testdata/arith-quick.json, written by
// `credo lab serve --env arithchain --save` (seed 1, lmexp.QuickConfig: a
// supervised warm start then GRPO through credo's engine); loading it
// instead of training keeps the race-detector run short.
func trained(t *testing.T) (*lm.Model, []*textenv.Task) {
	t.Helper()
	labOnce.Do(func() {
		f, err := os.Open("testdata/arith-quick.json")
		if err != nil {
			labErr = err
			return
		}
		defer f.Close()
		if labModel, labErr = lm.Load(f); labErr == nil {
			cfg := lmexp.QuickConfig()
			labTasks, labErr = textenv.Pool("arithchain", cfg.Pool, cfg.Text, 1)
		}
	})
	if labErr != nil {
		t.Fatal(labErr)
	}
	return labModel, labTasks
}

func prompts(t *testing.T, tasks []*textenv.Task) []probe.PromptSpec {
	var voc lm.Vocab
	var ps []probe.PromptSpec
	for i, tk := range tasks {
		ids, err := voc.Encode(tk.Prompt)
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, probe.PromptSpec{Group: fmt.Sprintf("p%d", i), PromptIDs: append([]int{lm.EOS}, ids...), GroundTruth: tk.Canonical})
	}
	return ps
}

// pipeline samples rollouts, expands them for method and assigns credit.
func pipeline(t *testing.T, s probe.Sampler, tok func(context.Context, string) ([]int, error), v probe.Verifier, ps []probe.PromptSpec, method string, po probe.PlanOptions, lines bool) *rollout.Batch {
	t.Helper()
	ctx := context.Background()
	if v == nil {
		v = probe.Exact{}
	}
	ro := probe.RunOptions{Sampler: s, Verifier: v, Seed: 7, Tokenize: tok}
	b, err := probe.Rollouts(ctx, ps, 4, ro)
	if err != nil {
		t.Fatal(err)
	}
	if lines {
		for _, tr := range b.Trajectories {
			if err := probe.LineSteps(tr); err != nil {
				t.Fatal(err)
			}
		}
	}
	rounds, n, err := probe.Expand(ctx, b, method, po, ro, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %d rounds, %d samples, %d records", method, rounds, n, len(b.Trajectories))
	if n == 0 {
		t.Fatalf("%s: nothing sampled", method)
	}
	// the records round-trip through JSON and validate
	raw, err := json.Marshal(b.Trajectories)
	if err != nil {
		t.Fatal(err)
	}
	var back []*rollout.Trajectory
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	b2 := &rollout.Batch{Trajectories: back}
	if err := credit.Assign(b2, method); err != nil {
		t.Fatalf("%s: credo assign refused the probed batch: %v", method, err)
	}
	return b2
}

func TestEndToEndAgainstLabServe(t *testing.T) {
	if testing.Short() {
		t.Skip("samples a few hundred continuations")
	}
	m, tasks := trained(t)
	srv := httptest.NewServer(lmserve.New("lab", m))
	defer srv.Close()
	ps := prompts(t, tasks)
	maxTok := 0
	for _, tk := range tasks {
		maxTok = max(maxTok, tk.MaxNew)
	}
	local := &labSampler{m: m, maxTok: maxTok, topK: 5}
	// the in-process side tokenizes a forced suffix with the lab's own
	// vocabulary; the HTTP side asks the server's /tokenize
	localTok := func(_ context.Context, s string) ([]int, error) { return lm.Vocab{}.Encode(s) }
	for _, tc := range []struct {
		name, method string
		po           probe.PlanOptions
		lines        bool
		v            probe.Verifier
	}{
		{"spo.tree", "spo.tree", probe.PlanOptions{Branch: []int{3, 2}, Segment: 6}, false, nil},
		{"treerl.group_trie", "treerl.group_trie", probe.PlanOptions{Top: 2, Fork: 2, Iters: 2}, false, nil},
		{"omegaprm.labels", "omegaprm.labels", probe.PlanOptions{Samples: 4}, true, nil},
		{"spo.chain", "spo.chain", probe.PlanOptions{Samples: 3, Interval: 2}, false, nil},
		{"brpo", "brpo", probe.PlanOptions{Budgets: []int{10, 20, 30}, Samples: 3}, false, nil},
		// forced answers: "#### " after each line (VSRM) or budget cut (BRPO), the answer scored by its number
		{"vsrm-forced", "vsrm", probe.PlanOptions{Samples: 4, Force: "#### "}, true, probe.Numeric{}},
		{"brpo-forced", "brpo", probe.PlanOptions{Budgets: []int{10, 20, 30}, Samples: 3, Force: "\n#### "}, false, probe.Numeric{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cache := t.TempDir()
			client, err := model.New(model.Config{BaseURL: srv.URL, Model: "lab", CacheDir: cache})
			if err != nil {
				t.Fatal(err)
			}
			remote := &probe.HTTPSampler{Client: client, MaxTokens: maxTok, Temperature: 1, TopLogprobs: 5}
			viaHTTP := pipeline(t, remote, client.Tokenize, tc.v, ps, tc.method, tc.po, tc.lines)
			inProc := pipeline(t, local, localTok, tc.v, ps, tc.method, tc.po, tc.lines)
			a, _ := json.Marshal(viaHTTP.Trajectories)
			c, _ := json.Marshal(inProc.Trajectories)
			if string(a) != string(c) {
				t.Fatalf("HTTP and in-process records differ:\n%.2000s\n%.2000s", a, c)
			}
			st := client.Stats()
			// a rerun from the cache costs no request and gives the same records
			client2, _ := model.New(model.Config{BaseURL: srv.URL, Model: "lab", CacheDir: cache})
			again := pipeline(t, &probe.HTTPSampler{Client: client2, MaxTokens: maxTok, Temperature: 1, TopLogprobs: 5}, client2.Tokenize, tc.v, ps, tc.method, tc.po, tc.lines)
			if st2 := client2.Stats(); st2.CacheHits != st2.Requests || st2.Requests != st.Requests {
				t.Errorf("rerun: %v, first run: %v", st2, st)
			}
			if c2, _ := json.Marshal(again.Trajectories); string(c2) != string(a) {
				t.Error("rerun from the cache differs")
			}
			checkOutput(t, tc.method, viaHTTP)
		})
	}
}

// checkOutput checks that the method wrote finite output somewhere.
func checkOutput(t *testing.T, method string, b *rollout.Batch) {
	t.Helper()
	nonzero, labels := 0, 0
	for _, tr := range b.Trajectories {
		for _, a := range tr.Advantages {
			if math.IsNaN(a) || math.IsInf(a, 0) {
				t.Fatalf("%s: non-finite advantage in %s", method, tr.ID)
			}
			if a != 0 {
				nonzero++
			}
		}
		for _, s := range tr.Steps {
			if _, ok := s.Labels["prm"]; ok {
				labels++
			}
		}
	}
	t.Logf("%s: %d non-zero advantages, %d step labels", method, nonzero, labels)
	if method == "omegaprm.labels" && labels == 0 || method != "omegaprm.labels" && nonzero == 0 {
		t.Errorf("%s wrote no credit", method)
	}
}

// TestMALTAgainstLabServe grows MALT's generator → verifier → refiner tree
// through the served model (text prompts: the turns' prompts are new text)
// (10 tokens per turn: the lab model's context holds 125)
// and checks that credo assign accepts it. The in-process comparison does
// not apply here (the in-process sampler takes token ids only).
func TestMALTAgainstLabServe(t *testing.T) {
	if testing.Short() {
		t.Skip("samples a few hundred continuations")
	}
	m, tasks := trained(t)
	srv := httptest.NewServer(lmserve.New("lab", m))
	defer srv.Close()
	var ps []probe.PromptSpec
	for i, tk := range tasks {
		ps = append(ps, probe.PromptSpec{Group: fmt.Sprintf("p%d", i), PromptText: tk.Prompt, GroundTruth: tk.Canonical})
	}
	client, err := model.New(model.Config{BaseURL: srv.URL, Model: "lab"})
	if err != nil {
		t.Fatal(err)
	}
	ro := probe.RunOptions{Sampler: &probe.HTTPSampler{Client: client, MaxTokens: 10, Temperature: 1}, Verifier: probe.Exact{}, Seed: 3}
	b, err := probe.Rollouts(context.Background(), ps, 2, ro)
	if err != nil {
		t.Fatal(err)
	}
	rounds, n, err := probe.Expand(context.Background(), b, "malt", probe.PlanOptions{MALTBranch: 2, VerifierSuffix: "\nCheck.\n", RefinerSuffix: "\nFix.\n"}, ro, 0)
	if err != nil {
		t.Fatal(err)
	}
	// 2 prompts × 2 generations × 2 verifications × 2 refinements
	if rounds != 2 || n != 2*2*2+2*2*2*2 || len(b.Trajectories) != 4+8+16 {
		t.Fatalf("%d rounds, %d samples, %d records", rounds, n, len(b.Trajectories))
	}
	if err := credit.Assign(b, "malt"); err != nil {
		t.Fatalf("credo assign refused the MALT tree: %v", err)
	}
	leaf := b.Trajectories[len(b.Trajectories)-1]
	var role string
	_ = json.Unmarshal(leaf.Extra["role"], &role)
	if role != "refiner" || leaf.Parent == nil || len(leaf.Advantages) != leaf.Len() {
		t.Fatalf("leaf %s: role %q parent %+v", leaf.ID, role, leaf.Parent)
	}
}
