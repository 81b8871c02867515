package all

import (
	"fmt"
	"math"
	"testing"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

func TestEveryMethodIsDescribed(t *testing.T) {
	for _, m := range credit.All() {
		if m.Summary == "" || m.Provenance.Paper == "" || len(m.Outputs) == 0 || m.Scope == "" {
			t.Errorf("%s: summary, paper, outputs and scope are required", m.Name)
		}
		seen := map[string]bool{}
		for _, p := range m.Params {
			if seen[p.Name] {
				t.Errorf("%s: parameter %s twice", m.Name, p.Name)
			}
			seen[p.Name] = true
			if p.Doc == "" {
				t.Errorf("%s: parameter %s has no doc", m.Name, p.Name)
			}
		}
	}
}

// batches are small inputs of several shapes; every method must either
// assign finite credit of the right length or return an error, never panic.
func batches() map[string]func() *rollout.Batch {
	mk := func(withSteps bool) *rollout.Batch {
		b := &rollout.Batch{}
		for i := 0; i < 4; i++ {
			n := 3 + i
			t := &rollout.Trajectory{ID: fmt.Sprint("t", i), Group: fmt.Sprint("g", i/2), Tokens: make([]int64, n),
				Rewards: map[string]float64{"outcome": float64(i % 2)}}
			if withSteps {
				t.Steps = []rollout.Step{
					{Start: 0, End: 2, Kind: "turn", Role: "0", State: "s0", Rewards: map[string]float64{"reward": 0, "prm": 0.5}},
					{Start: 2, End: n, Kind: "turn", Role: "1", State: rollout.StateKey(fmt.Sprint("s", i)), Rewards: map[string]float64{"reward": float64(i % 2), "prm": -0.2}},
				}
			}
			b.Trajectories = append(b.Trajectories, t)
		}
		return b
	}
	return map[string]func() *rollout.Batch{
		"outcome only": func() *rollout.Batch { return mk(false) },
		"with steps":   func() *rollout.Batch { return mk(true) },
		"empty trajectory": func() *rollout.Batch {
			b := mk(false)
			b.Trajectories[0].Tokens = []int64{}
			return b
		},
	}
}

func TestNoMethodPanics(t *testing.T) {
	for _, m := range credit.All() {
		for name, mk := range batches() {
			t.Run(m.Name+"/"+name, func(t *testing.T) {
				b := mk()
				defer func() {
					if p := recover(); p != nil {
						t.Fatalf("panic: %v", p)
					}
				}()
				if err := m.Assign(b, nil); err != nil {
					return
				}
				writesAdvantages := false
				for _, o := range m.Outputs {
					writesAdvantages = writesAdvantages || o == "advantages"
				}
				if !writesAdvantages {
					return
				}
				for _, tr := range b.Trajectories {
					if len(tr.Advantages) != tr.Len() {
						t.Fatalf("%s: %d advantages for %d tokens", tr.ID, len(tr.Advantages), tr.Len())
					}
					for _, a := range tr.Advantages {
						if math.IsNaN(a) || math.IsInf(a, 0) {
							t.Fatalf("%s: non-finite advantage %v", tr.ID, a)
						}
					}
				}
			})
		}
	}
}
