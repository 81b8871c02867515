package env

import (
	"math"
	"testing"
)

func TestUmbrellaRules(t *testing.T) {
	e, _ := NewUmbrella(UmbrellaConfig{Length: 3, Distractors: 1, NoiseScale: 1})
	s := e.state(0, 1, 0, 0) // need, not holding
	trs := e.Step(s, 0, 1)   // take the umbrella
	if len(trs) != 4 {
		t.Fatalf("%d outcomes, want 2 noise × 2 distractor", len(trs))
	}
	mass := map[float64]float64{}
	for _, tr := range trs {
		mass[tr.Reward[0]] += tr.P
		if tr.Done || tr.Next.(*UmbrellaState).Have != 1 || tr.Next.(*UmbrellaState).T != 1 {
			t.Fatalf("first step: %+v", tr)
		}
	}
	if mass[1] != 0.5 || mass[-1] != 0.5 {
		t.Errorf("noise mass %v, want ±1 with ½ each", mass)
	}
	// Later actions do not change have.
	s1 := e.state(1, 1, 1, 0)
	if tr := e.Step(s1, 1, 0)[0]; tr.Next.(*UmbrellaState).Have != 1 {
		t.Error("a later action changed have")
	}
	// Final step: +1 if have == need else −1, terminal.
	for _, c := range []struct {
		need, have int
		r          float64
	}{{1, 1, 1}, {0, 0, 1}, {1, 0, -1}, {0, 1, -1}} {
		trs := e.Step(e.state(2, c.need, c.have, 0), 2, 0)
		if len(trs) != 1 || !trs[0].Done || trs[0].Reward[0] != c.r {
			t.Errorf("final need=%d have=%d: %+v, want %v", c.need, c.have, trs, c.r)
		}
	}
	// Length 1: the first action is also the last.
	e1, _ := NewUmbrella(UmbrellaConfig{Length: 1})
	if tr := e1.Step(e1.state(0, 1, 0, 0), 0, 1)[0]; !tr.Done || tr.Reward[0] != 1 {
		t.Errorf("length 1: %+v", tr)
	}
	// Clean variant: a single outcome with reward 0.
	e0, _ := NewUmbrella(UmbrellaConfig{Length: 3, NoiseScale: 0})
	if trs := e0.Step(e0.state(0, 1, 0, 0), 0, 1); len(trs) != 1 || trs[0].Reward[0] != 0 {
		t.Errorf("noise 0: %+v", trs)
	}
	if f := e.Features(s); len(f) != 4 || f[0] != 1 || f[1] != 0 || f[2] != 1 {
		t.Errorf("features %v", f)
	}
}

func TestDiscountingRules(t *testing.T) {
	c := DefaultDiscountingConfig()
	c.Best = 2
	e, _ := NewDiscounting(c)
	for chain, at := range []int{1, 3, 10, 30, 100} {
		s := e.StartDist()[0].S
		for step := 0; step < 100; step++ {
			tr := e.Step(s, step, chain)[0]
			want := 0.0
			if step == at-1 {
				want = 1
				if chain == 2 {
					want = 1.1
				}
			}
			if tr.Reward[0] != want || tr.Done != (step == 99) {
				t.Fatalf("chain %d step %d: reward %v done %v, want %v", chain, step, tr.Reward[0], tr.Done, want)
			}
			if step == 0 && e.Features(tr.Next)[0] != float64(chain) {
				t.Fatalf("context not shown")
			}
			s = tr.Next
		}
	}
	if f := e.Features(e.StartDist()[0].S); f[0] != -1 || f[1] != 0 {
		t.Errorf("initial observation %v", f)
	}
}

func TestMemoryRules(t *testing.T) {
	e, _ := NewMemory(MemoryConfig{Length: 3, Bits: 2})
	var s State = e.state(0b10, 1, 0) // context bit 1 = 1, query 1
	if f := e.Features(s); f[2] != -1 || f[3] != 1 || f[1] != 0 {
		t.Errorf("t=0 features %v, want context [-1 1] and no query", f)
	}
	for step := 0; step < 3; step++ {
		tr := e.Step(s, step, 0)[0]
		if tr.Done || tr.Reward[0] != 0 {
			t.Fatalf("step %d: %+v", step, tr)
		}
		s = tr.Next
		if f := e.Features(s); f[2] != 0 || f[3] != 0 {
			t.Fatalf("context visible at t=%d", step+1)
		}
	}
	if f := e.Features(s); f[1] != 1 {
		t.Errorf("query not shown at the last decision: %v", f)
	}
	if tr := e.Step(s, 3, 1)[0]; !tr.Done || tr.Reward[0] != 1 {
		t.Errorf("right answer: %+v", tr)
	}
	if tr := e.Step(s, 3, 0)[0]; !tr.Done || tr.Reward[0] != -1 {
		t.Errorf("wrong answer: %+v", tr)
	}
	if e.Horizon() != 4 {
		t.Errorf("horizon %d", e.Horizon())
	}
}

func TestShortcutRules(t *testing.T) {
	e, _ := NewShortcut(DefaultShortcutConfig(), 3)
	opt := e.Optimal()
	for pos := 0; pos < 4; pos++ {
		if tr := e.Step(e.state(pos), pos, opt[pos]); len(tr) != 1 || tr[0].Next.(*ChainState).Pos != 4 || tr[0].Reward[0] != -1 {
			t.Errorf("optimal action at %d: %+v", pos, tr)
		}
	}
	sub := (opt[0] + 1) % 21
	trs := e.Step(e.state(0), 0, sub)
	if len(trs) != 2 || trs[0].P != 0.1 || trs[0].Next.(*ChainState).Pos != 4 || math.Abs(trs[1].P-0.9) > 1e-15 || trs[1].Next.(*ChainState).Pos != 1 {
		t.Errorf("sub-optimal action: %+v", trs)
	}
	if tr := e.Step(e.state(3), 3, (opt[3]+1)%21); len(tr) != 1 || tr[0].Next.(*ChainState).Pos != 4 {
		t.Errorf("from Size-2 every action reaches Size-1: %+v", tr)
	}
	if tr := e.Step(e.state(4), 4, 0); !tr[0].Done || tr[0].Reward[0] != 1 {
		t.Errorf("final: %+v", tr)
	}
}

func TestDelayedRules(t *testing.T) {
	e, _ := NewDelayed(DefaultDelayedConfig(), 3)
	for _, first := range []int{e.Optimal(), (e.Optimal() + 1) % 21} {
		s := e.StartDist()[0].S
		total, steps := 0.0, 0
		for steps = 0; steps < 10; steps++ {
			trs := e.Step(s, steps, first)
			if trs[0].Done {
				total = trs[0].Reward[0]
				break
			}
			if len(trs) != 2 || trs[0].Reward[0] != 2 || trs[1].Reward[0] != -2 || trs[0].P != 0.5 {
				t.Fatalf("noise step %d: %+v", steps, trs)
			}
			s = trs[0].Next
		}
		want := -1.0
		if first == e.Optimal() {
			want = 1
		}
		if total != want || steps != 4 {
			t.Errorf("first action %d: final %v after %d steps, want %v after 4", first, total, steps, want)
		}
	}
	if e.ObsKey(e.state(2, true)) != e.ObsKey(e.state(2, false)) {
		t.Error("the hidden flag leaks into ObsKey")
	}
}
