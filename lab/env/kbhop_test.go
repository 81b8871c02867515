package env

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestKBHopQuestionsAnswerable(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3, 4, 5} {
		e, err := NewKBHop(DefaultKBHopConfig(), seed)
		if err != nil {
			t.Fatal(err)
		}
		names := map[string]bool{}
		for _, en := range e.ents {
			if names[strings.ToLower(en.name)] {
				t.Fatalf("seed %d: duplicate name %q", seed, en.name)
			}
			names[strings.ToLower(en.name)] = true
		}
		if seed == 1 && e.NumQuestions() != 43 {
			t.Errorf("seed 1: %d questions, want all 43 answerable", e.NumQuestions())
		}
		K := e.cfg.MaxKnown
		for i := 0; i < e.NumQuestions(); i++ {
			var s State = e.QuestionState(i)
			qs := s.(*KBHopState)
			// Follow the gold chain with search actions, then answer.
			for step, x := range e.GoldChain(qs) {
				k := slices.Index(s.(*KBHopState).Known(), x)
				if k < 0 || !e.Legal(s)[k] {
					t.Fatalf("seed %d q %q: chain entity %s not searchable at step %d", seed, qs.Question(), e.EntityName(x), step)
				}
				tr := e.Step(s, step, k)[0]
				if tr.Signals["search"] != 1 || tr.Done || tr.Reward[0] != 0 {
					t.Fatalf("search step: %+v", tr)
				}
				s = tr.Next
			}
			k := slices.Index(s.(*KBHopState).Known(), qs.Gold())
			if k < 0 {
				t.Fatalf("seed %d q %q: gold %s unknown after the chain", seed, qs.Question(), e.EntityName(qs.Gold()))
			}
			tr := e.Step(s, len(e.GoldChain(qs)), K+k)[0]
			if !tr.Done || tr.Reward[0] != 1 || tr.Signals != nil {
				t.Fatalf("gold answer: %+v", tr)
			}
			// The gold evidence is in the rendered information.
			if len(e.GoldChain(qs)) > 0 && !strings.Contains(e.Render(s), e.EntityName(qs.Gold())) {
				t.Fatalf("gold not rendered")
			}
			// A wrong answer scores 0; a guess succeeds with probability 1/n.
			if k != 0 {
				if tr := e.Step(s, 1, K)[0]; tr.Reward[0] != 0 {
					t.Fatalf("wrong answer rewarded")
				}
			}
			g := e.Step(qs, 0, 2*K)
			if len(g) != 2 || g[0].Reward[0] != 1 || math.Abs(g[0].P-1/float64(e.guessCandidates(qs.q))) > 1e-15 {
				t.Fatalf("guess: %+v", g)
			}
		}
	}
}

func TestKBHopBudgetAndParse(t *testing.T) {
	c := DefaultKBHopConfig()
	c.MaxSearches = 2
	e, _ := NewKBHop(c, 1)
	var s State = e.QuestionState(0)
	for step := 0; step < 2; step++ {
		s = e.Step(s, step, 0)[0].Next
	}
	l := e.Legal(s)
	for k := 0; k < c.MaxKnown; k++ {
		if l[k] {
			t.Fatalf("search %d legal after the budget", k)
		}
	}
	if !l[c.MaxKnown] || !l[2*c.MaxKnown] {
		t.Fatal("answer/guess illegal")
	}
	qs := e.QuestionState(0)
	name := e.EntityName(qs.Known()[0])
	if a, ok := e.ParseIn(qs, "<think>hm</think><search> "+strings.ToUpper(name)+" </search>"); !ok || a != 0 {
		t.Errorf("ParseIn search: %d %v", a, ok)
	}
	if a, ok := e.ParseIn(qs, "<answer>"+name+"</answer>"); !ok || a != c.MaxKnown {
		t.Errorf("ParseIn answer: %d %v", a, ok)
	}
	if _, ok := e.ParseIn(qs, "<answer>Nobody</answer>"); ok {
		t.Error("ParseIn accepted an unknown entity")
	}
	if a, ok := ParseIn(e, qs, "guess"); !ok || a != 2*c.MaxKnown {
		t.Errorf("canonical guess: %d %v", a, ok)
	}
}
