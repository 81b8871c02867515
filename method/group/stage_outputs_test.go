package group

import (
	"strconv"
	"testing"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// A base method that writes loss weights: advantage = its reward on every
// token, loss weight 0.25 on the first token and 1 on the others.
func init() {
	credit.Register(&credit.Method{
		Name:    "test.group_weights_base",
		Summary: "test only: reward as advantage, fixed loss weights",
		Params:  []credit.Param{{Name: "reward", Kind: credit.String, Default: "outcome", Doc: "reward channel", Origin: credit.Channel}},
		Outputs: []string{"advantages", "loss_weights"},
		Scope:   credit.ScopeGroup,
		Run: func(b *rollout.Batch, v credit.Values) error {
			for _, t := range b.Trajectories {
				r := t.Rewards[v.String("reward")]
				t.Advantages = make([]float64, t.Len())
				t.LossWeights = make([]float64, t.Len())
				for j := range t.Advantages {
					t.Advantages[j] = r
					t.LossWeights[j] = 1
				}
				t.LossWeights[0] = 0.25
			}
			return nil
		},
	})
}

// A stage hands every output of its base back: the loss weights of a base
// such as spo.chain were dropped before (only advantages and returns were
// copied).
func TestStageKeepsBaseLossWeights(t *testing.T) {
	b := &rollout.Batch{}
	o := []float64{1, 0, 1}
	th := []float64{0.5, 0.5, 0.5}
	for i := range o {
		b.Trajectories = append(b.Trajectories, traj("t"+strconv.Itoa(i), "p", 3, map[string]float64{"outcome": o[i], "thinking": th[i], "format": 0}))
	}
	m := lookup(t, "posterior_grpo")
	if err := m.Assign(b, values(t, m, "base=test.group_weights_base")); err != nil {
		t.Fatal(err)
	}
	// R = format + outcome + outcome·thinking = [1.5, 0, 1.5], written on
	// every token by the base, with its weights [0.25 1 1].
	want := []float64{1.5, 0, 1.5}
	for i, tr := range b.Trajectories {
		if len(tr.LossWeights) != 3 || tr.LossWeights[0] != 0.25 || tr.LossWeights[1] != 1 || tr.LossWeights[2] != 1 {
			t.Fatalf("%s: loss weights %v, want the base's [0.25 1 1]", tr.ID, tr.LossWeights)
		}
		for _, a := range tr.Advantages {
			if a != want[i] {
				t.Fatalf("%s: advantages %v, want %v on every token", tr.ID, tr.Advantages, want[i])
			}
		}
	}
}
