package env

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// variants are the registry defaults plus option combinations the lab uses.
var variants = append(Names(),
	"sokoban6?boxes=2", "sokoban6?pool=4", "kuhn?rounds=3", "kuhn?rounds=2&winloss=false",
	"umbrella?noise=0&distractors=0", "discounting?noise=0.5", "memory?bits=2&noise=1",
	"arithchain?pool=3", "countdown?numbers=3&pool=2", "kbhop?searches=2")

// TestConformance walks random episodes of every environment and checks the
// interface contract: transition probabilities sum to 1, rewards have one
// entry per role (and sum to 0 in the zero-sum games), successors exist,
// Step is deterministic, features have a fixed length, and Parse inverts
// the action names.
func TestConformance(t *testing.T) {
	for _, name := range variants {
		t.Run(name, func(t *testing.T) {
			e, err := New(name, 7)
			if err != nil {
				t.Fatal(err)
			}
			nA, roles := len(e.Actions()), e.Roles()
			for a, n := range e.Actions() {
				if b, ok := e.Parse(n); !ok || b != a {
					t.Errorf("Parse(%q) = %d, %v; want %d", n, b, ok, a)
				}
			}
			if sd := e.StartDist(); sd != nil {
				sum, seen := 0.0, map[string]bool{}
				for _, w := range sd {
					sum += w.P
					if seen[w.S.Key()] {
						t.Errorf("duplicate start %q", w.S.Key())
					}
					seen[w.S.Key()] = true
				}
				if math.Abs(sum-1) > 1e-12 {
					t.Errorf("StartDist sums to %v", sum)
				}
			}
			rng := rand.New(rand.NewPCG(1, 2))
			nf := -1
			for ep := 0; ep < 30; ep++ {
				s := e.Start(rng)
				for step := 0; step < e.Horizon(); step++ {
					if r := e.Role(s); r < 0 || r >= roles {
						t.Fatalf("Role(%q) = %d", s.Key(), r)
					}
					f := e.Features(s)
					if nf >= 0 && len(f) != nf {
						t.Fatalf("Features length %d, earlier %d", len(f), nf)
					}
					nf = len(f)
					if strings.TrimSpace(e.Render(s)) == "" {
						t.Fatalf("empty Render of %q", s.Key())
					}
					legal := LegalActions(e, s)
					if len(legal) == 0 {
						t.Fatalf("no legal action in %q", s.Key())
					}
					if inv, ok := e.(Invalider); ok {
						checkTransitions(t, e, s, step, -1, inv.Invalid(s, step), roles)
					}
					for _, a := range legal {
						trs := e.Step(s, step, a)
						checkTransitions(t, e, s, step, a, trs, roles)
						again := e.Step(s, step, a)
						for i := range trs {
							if again[i].P != trs[i].P || (!trs[i].Done && again[i].Next.Key() != trs[i].Next.Key()) || again[i].Reward[0] != trs[i].Reward[0] {
								t.Fatalf("Step(%q, %d) not deterministic", s.Key(), a)
							}
						}
					}
					tr := SampleStep(e, s, step, legal[rng.IntN(len(legal))], rng)
					if tr.Done {
						break
					}
					s = tr.Next
				}
			}
			if len(e.Actions()) != nA {
				t.Fatal("Actions changed")
			}
		})
	}
}

func checkTransitions(t *testing.T, e Env, s State, step, a int, trs []Transition, roles int) {
	t.Helper()
	if len(trs) == 0 {
		t.Fatalf("Step(%q, t=%d, a=%d): no outcome", s.Key(), step, a)
	}
	sum := 0.0
	for _, tr := range trs {
		if !(tr.P > 0) {
			t.Fatalf("Step(%q, t=%d, a=%d): probability %v", s.Key(), step, a, tr.P)
		}
		sum += tr.P
		if len(tr.Reward) != roles {
			t.Fatalf("Step(%q, t=%d, a=%d): %d rewards, want %d", s.Key(), step, a, len(tr.Reward), roles)
		}
		if !tr.Done && tr.Next == nil {
			t.Fatalf("Step(%q, t=%d, a=%d): nil successor", s.Key(), step, a)
		}
		if roles == 2 && a >= 0 && tr.Reward[0]+tr.Reward[1] != 0 {
			t.Fatalf("Step(%q, t=%d, a=%d): rewards %v not zero-sum", s.Key(), step, a, tr.Reward)
		}
	}
	if math.Abs(sum-1) > 1e-12 {
		t.Fatalf("Step(%q, t=%d, a=%d): probabilities sum to %v", s.Key(), step, a, sum)
	}
}

func TestRegistryErrors(t *testing.T) {
	for _, spec := range []string{"nope", "sokoban6?colour=red", "umbrella?length=x", "kuhn?rounds=0", "countdown?numbers=9", "arithchain?horizon=2"} {
		if _, err := New(spec, 1); err == nil {
			t.Errorf("New(%q): no error", spec)
		}
	}
	if len(Names()) != 12 {
		t.Errorf("Names() = %v", Names())
	}
}
