package reward

import (
	"reflect"
	"testing"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/internal/rolloutgen"
	"github.com/credo-rl/credo/rollout"

	_ "github.com/credo-rl/credo/method/tree" // spo.chain
)

var stages = []string{"tlts", "adactrl", "adaptive_deep_reasoning", "score", "crew", "gtalign", "auto_cei", "r3", "retro_star"}

// Every stage composes with verl.grpo, verl.rloo and spo.chain: running
// the stage over a base gives exactly the base's advantages, returns and
// loss weights on the batch whose only reward is the stage's reward (read
// back through the recording base), and leaves the user's batch otherwise
// unchanged.
func TestStagesComposeWithBases(t *testing.T) {
	for _, stage := range stages {
		m, err := credit.Lookup(stage)
		if err != nil {
			t.Fatal(err)
		}
		for _, base := range []string{"verl.grpo", "verl.rloo", "spo.chain"} {
			anyNonzero := false
			for seed := uint64(1); seed <= 3; seed++ {
				v, err := m.Parse([]string{"base=" + base})
				if err != nil {
					t.Fatal(err)
				}
				orig, err := rolloutgen.Batch(seed, m, v, rolloutgen.Config{})
				if err != nil {
					t.Fatalf("%s/%s: %v", stage, base, err)
				}
				got := rolloutgen.Clone(orig)
				if err := m.Assign(got, v); err != nil {
					t.Fatalf("%s over %s: %v", stage, base, err)
				}
				r := stageRewards(t, rolloutgen.Clone(orig), stage, nil)
				want := rolloutgen.Clone(orig)
				for i, tr := range want.Trajectories {
					tr.Rewards = map[string]float64{"outcome": r[i]}
					tr.TokenRewards = nil
				}
				if err := credit.Assign(want, base); err != nil {
					t.Fatalf("%s directly: %v", base, err)
				}
				nonzero := false
				for i, tr := range got.Trajectories {
					w := want.Trajectories[i]
					if !reflect.DeepEqual(tr.Advantages, w.Advantages) || !reflect.DeepEqual(tr.Returns, w.Returns) || !reflect.DeepEqual(tr.LossWeights, w.LossWeights) {
						t.Fatalf("%s over %s, seed %d, %s: stage gives %v / %v / %v, base on the stage's reward gives %v / %v / %v",
							stage, base, seed, tr.ID, tr.Advantages, tr.Returns, tr.LossWeights, w.Advantages, w.Returns, w.LossWeights)
					}
					for _, a := range tr.Advantages {
						nonzero = nonzero || a != 0
					}
					o := orig.Trajectories[i]
					if !reflect.DeepEqual(tr.Rewards, o.Rewards) || !reflect.DeepEqual(tr.TokenRewards, o.TokenRewards) || !reflect.DeepEqual(tr.Features, o.Features) {
						t.Fatalf("%s over %s: the user's rewards or features changed", stage, base)
					}
				}
				if !nonzero && base != "spo.chain" {
					t.Errorf("%s over %s, seed %d: every advantage is 0", stage, base, seed)
				}
				anyNonzero = anyNonzero || nonzero
			}
			if !anyNonzero { // spo.chain may give 0 on one batch (no cutpoint), not on all
				t.Errorf("%s over %s: every advantage is 0 on every seed", stage, base)
			}
		}
	}
}

// A stage cannot be its own base, and a base without a reward channel is
// refused with a clear error.
func TestStageBaseErrors(t *testing.T) {
	b := &rollout.Batch{Trajectories: []*rollout.Trajectory{traj("a", "g", 2, 1), traj("b", "g", 2, 0)}}
	for _, tr := range b.Trajectories {
		tr.Rewards["relevance"] = 0.5
	}
	if err := credit.Assign(b, "r3", "base=r3"); err == nil {
		t.Fatal("r3 over itself accepted")
	}
	if err := credit.Assign(b, "r3", "base=no.such.method"); err == nil {
		t.Fatal("unknown base accepted")
	}
}
