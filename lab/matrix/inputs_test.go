package matrix

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/credo-rl/credo/lab/env"
	"github.com/credo-rl/credo/lab/policy"
	"github.com/credo-rl/credo/lab/run"
	"github.com/credo-rl/credo/lab/sample"
)

// episodes samples n episodes of a built-in environment under the seeded
// random tabular policy of the matrix.
func episodes(t *testing.T, name string, seed uint64, P, N int) (env.Env, *policy.Tabular, []sample.Episode) {
	t.Helper()
	e, err := run.NewEnv(name, seed)
	if err != nil {
		t.Fatal(err)
	}
	pol := policy.NewTabular(e, 1.0, seed)
	rng := rand.New(rand.NewPCG(seed, 99))
	sm := &sample.Sampler{Env: e, Pi: pol.Probs, Rng: rng}
	return e, pol, sm.Groups(sample.Starts(e, rng, P), sample.Uniform(P, N))
}

// Sokoban6's reward terms sum to the step reward, and the subgoal (a box
// onto a target) is exactly a positive box term.
func TestSokobanTermsAndSubgoals(t *testing.T) {
	e, _, eps := episodes(t, "sokoban6", 3, 4, 8)
	det := subgoalDetector(e)
	subgoals := 0
	for _, ep := range eps {
		for _, st := range ep.Steps {
			terms := sokobanTerms(st)
			if s := terms["step"] + terms["box"] + terms["solved"]; math.Abs(s-st.Reward[0]) > 1e-9 {
				t.Fatalf("terms %v sum to %v, reward %v", terms, s, st.Reward[0])
			}
			if det(st) != (terms["box"] > 0) {
				t.Fatalf("subgoal %v with box term %v", det(st), terms["box"])
			}
			if det(st) {
				subgoals++
			}
		}
	}
	if subgoals == 0 {
		t.Fatal("no box reached a target in 32 random episodes")
	}
}

// ArithChain's subgoal is a correct line: a compute before any slip; an
// episode that answers correctly has achieved one subgoal per line.
func TestArithSubgoals(t *testing.T) {
	e, _, eps := episodes(t, "arithchain", 4, 4, 16)
	det := subgoalDetector(e)
	for _, ep := range eps {
		n, slipped := 0, false
		for _, st := range ep.Steps {
			if det(st) {
				if st.A != env.ArithCompute || slipped {
					t.Fatalf("subgoal on action %d after a slip = %v", st.A, slipped)
				}
				n++
			}
			slipped = slipped || st.A == env.ArithWrong
		}
		k := ep.Start.(*env.ArithState).Steps()
		if ep.Return[0] == 1 && !slipped && n != k {
			t.Fatalf("a correct slip-free answer with %d subgoals for %d lines", n, k)
		}
	}
}

// KBHop's subgoals are searches of gold-chain entities, each at most once.
func TestKBHopSubgoals(t *testing.T) {
	e, _, eps := episodes(t, "kbhop", 5, 4, 16)
	kb := e.(*env.KBHop)
	det := subgoalDetector(e)
	total := 0
	for _, ep := range eps {
		n := 0
		for _, st := range ep.Steps {
			if det(st) {
				if st.A >= kb.Config().MaxKnown {
					t.Fatalf("subgoal on a non-search action %d", st.A)
				}
				n++
			}
		}
		if h := kb.Hops(ep.Start.(*env.KBHopState)); n > h {
			t.Fatalf("%d subgoals for a %d-hop chain", n, h)
		}
		total += n
	}
	if total == 0 {
		t.Fatal("no gold-chain search in 64 episodes")
	}
}

// OPRL's implicit PRM moves probability towards the better trajectory of
// every pair: after training, each pair's DPO margin is positive.
func TestImplicitPRMPrefersBetter(t *testing.T) {
	e, pol, eps := episodes(t, "toy_corridor", 6, 3, 8)
	beta := 0.05
	phi, err := implicitPRM(e, pol, eps, beta, 25)
	if err != nil {
		t.Fatal(err)
	}
	delta := func(ep sample.Episode) float64 {
		d := 0.0
		for _, st := range ep.Steps {
			d += math.Log(phi.Probs(st.S, st.T)[st.A]) - st.LogP
		}
		return d
	}
	pairs, better := 0, 0
	for i, a := range eps {
		for _, b := range eps[i+1:] {
			if a.Prompt != b.Prompt || a.Return[0] == b.Return[0] {
				continue
			}
			hi, lo := a, b
			if b.Return[0] > a.Return[0] {
				hi, lo = b, a
			}
			pairs++
			if delta(hi) > delta(lo) {
				better++
			}
		}
	}
	if pairs == 0 || float64(better) < 0.9*float64(pairs) {
		t.Fatalf("%d of %d pairs have a positive DPO margin after training", better, pairs)
	}
	for _, ep := range eps {
		for _, st := range ep.Steps {
			s := 0.0
			for _, p := range phi.Probs(st.S, st.T) {
				s += p
			}
			if math.Abs(s-1) > 1e-9 {
				t.Fatalf("π_φ sums to %v", s)
			}
		}
	}
}

// The matrix feeds every method that has an honest source on
// ArithChain-PRM, and keeps the others n/a with their reasons; on
// Umbrella only the environment-independent sources apply.
func TestMatrixDerivedInputs(t *testing.T) {
	x := &run.Ctx{Name: "matrix", Seeds: []uint64{7}, Quick: true}
	cases := []struct {
		env string
		ok  []string
		na  map[string]string
	}{
		{"arithchain-prm", []string{"brpo", "calm", "hicra", "lare", "lsc", "oprl", "posterior_grpo", "sotopia_rl", "trust_grpo"},
			map[string]string{"treg": "prompt", "preplan_anchor": "attention", "omegaprm.labels": "not advantages", "groundedprm.labels": "not advantages"}},
		{"umbrella", []string{"lare", "lsc", "oprl"},
			map[string]string{"brpo": "forced-answer", "calm": "subgoal", "hicra": "planning", "posterior_grpo": "thinking",
				"trust_grpo": "thinking", "sotopia_rl": "one dimension"}},
	}
	for _, c := range cases {
		w, err := newWorld(x, c.env, 7, Size{P: 4, N: 8, R: 2, Warm: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range c.ok {
			if s := w.scoreMethod(mustMethod(t, name)); s.Status != "ok" || math.IsNaN(s.Metrics["pearson"]) {
				t.Errorf("%s on %s: %+v", name, c.env, s)
			}
		}
		for name, why := range c.na {
			if s := w.scoreMethod(mustMethod(t, name)); s.Status != "n/a" || !strings.Contains(s.Reason, why) {
				t.Errorf("%s on %s: %+v, want n/a (%s)", name, c.env, s, why)
			}
		}
	}
	// Every derived source is documented.
	if docs := derivedInputDocs(); len(docs) != len(derivedInputs)+1 {
		t.Fatalf("%d docs for %d sources", len(docs), len(derivedInputs))
	}
}
