package tree

import (
	"errors"
	"testing"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

func handBatch() *rollout.Batch {
	b := &rollout.Batch{}
	for i, toks := range handTokens {
		b.Trajectories = append(b.Trajectories, &rollout.Trajectory{ID: string(rune('a' + i)), Group: "g", Tokens: toks,
			Rewards: map[string]float64{"outcome": handScores[i]}})
	}
	return b
}

func assign(t *testing.T, b *rollout.Batch, name string, sets ...string) {
	t.Helper()
	m, err := credit.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	v, err := m.Parse(sets)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Assign(b, v); err != nil {
		t.Fatal(err)
	}
}

func advantages(b *rollout.Batch) [][]float64 {
	var out [][]float64
	for _, t := range b.Trajectories {
		out = append(out, t.Advantages)
	}
	return out
}

func TestRegisteredTEMPO(t *testing.T) {
	b := handBatch()
	assign(t, b, "tempo", "norm_adv_by_std_in_grpo=false")
	checkRows(t, "tempo", advantages(b), handDrWant)
	// Against the registered verl.grpo on a batch whose responses are
	// identical (no branching).
	b1, b2 := handBatch(), handBatch()
	for k := range b1.Trajectories {
		b1.Trajectories[k].Tokens = []int64{4, 5, 6}
		b2.Trajectories[k].Tokens = []int64{4, 5, 6}
	}
	assign(t, b1, "tempo")
	assign(t, b2, "verl.grpo")
	checkRows(t, "tempo vs verl.grpo", advantages(b1), advantages(b2))
}

func TestRegisteredSPOChain(t *testing.T) {
	b := chainBatch(true)
	assign(t, b, "spo.chain", "cutpoint_interval=1")
	checkRows(t, "spo.chain", advantages(b)[:2], [][]float64{{-0.25, 0, 0.75, 0}, {-0.25, 0, -0.25}})
	// loss_mask: loss_weights = p < 0.9; probes are masked out.
	if m := b.Trajectories[0].LossWeights; len(m) != 4 || m[0] != 1 || m[1] != 0 || m[2] != 1 || m[3] != 0 {
		t.Fatalf("mask of A = %v", m)
	}
	if m := b.Trajectories[2].LossWeights; len(m) != 1 || m[0] != 0 {
		t.Fatalf("mask of a probe = %v", m)
	}
	// Missing probes: an InputError naming the trajectory.
	m, _ := credit.Lookup("spo.chain")
	v, _ := m.Parse([]string{"cutpoint_interval=1"})
	err := m.Assign(chainBatch(false), v)
	var ie *credit.InputError
	if !errors.As(err, &ie) || ie.ID != "A" {
		t.Fatalf("err = %v, want an InputError for A", err)
	}
}

func TestRegisteredSPOTree(t *testing.T) {
	b := &rollout.Batch{}
	for i, toks := range [][]int64{{1, 2, 5}, {1, 2, 6}, {3, 4, 7}, {3, 4, 8}} {
		b.Trajectories = append(b.Trajectories, &rollout.Trajectory{ID: string(rune('a' + i)), Group: "q", Tokens: toks,
			Rewards: map[string]float64{"outcome": []float64{1, 0, 0, 0}[i]}, OldLogProbs: logs(0.5, 0.5, 0.95)})
	}
	assign(t, b, "spo.tree")
	// TestTreeAdvantagesHand, then the probability mask on token 2 (p 0.95).
	checkRows(t, "spo.tree", advantages(b), [][]float64{{0.25, 0.25, 0}, {0, 0, 0}, {-0.25, -0.25, 0}, {0, 0, 0}})
	checkRows(t, "loss weights", [][]float64{b.Trajectories[0].LossWeights, b.Trajectories[1].LossWeights}, [][]float64{{1, 1, 0}, {0, 0, 0}})
	// Without the probability mask no old_log_probs are needed.
	for _, tr := range b.Trajectories {
		tr.OldLogProbs, tr.Mask = nil, nil
	}
	assign(t, b, "spo.tree", "prob_threshold=1", "loss_mask=false")
	checkRows(t, "spo.tree no mask", advantages(b), [][]float64{{0.25, 0.25, 0.5}, {0, 0, -0.5}, {-0.25, -0.25, 0}, {0, 0, 0}})
	if b.Trajectories[1].LossWeights != nil {
		t.Fatal("loss_mask=false wrote loss weights")
	}
}

func TestRegisteredTreeRL(t *testing.T) {
	b := &rollout.Batch{}
	for i, toks := range [][]int64{{1, 2, 3, 4}, {1, 2, 5, 6}, {1, 2, 7}} {
		b.Trajectories = append(b.Trajectories, &rollout.Trajectory{ID: string(rune('a' + i)), Group: "g", Tokens: toks,
			Rewards: map[string]float64{"outcome": []float64{1, 0, 0}[i]}})
	}
	assign(t, b, "treerl.group_trie", "mode=value_only", "norm_style=step")
	checkRows(t, "treerl", advantages(b), [][]float64{{0, 0, 1, 1}, {0, 0, -0.5, -0.5}, {0, 0, -0.5}})
}

func TestRegisteredMissingInputs(t *testing.T) {
	for _, c := range []struct {
		name  string
		input string
		strip func(*rollout.Trajectory)
	}{
		{"tempo", "token_level_rewards|rewards.<reward>", func(t *rollout.Trajectory) { t.Rewards = nil }},
		{"spo.tree", "rewards.<reward>|token_level_rewards", func(t *rollout.Trajectory) { t.Rewards = nil }},
		{"spo.tree", "old_log_probs", func(t *rollout.Trajectory) { t.OldLogProbs = nil }},
		{"spo.chain", "old_log_probs", func(t *rollout.Trajectory) { t.OldLogProbs = nil }},
		{"treerl.group_trie", "rewards.<reward>|token_level_rewards", func(t *rollout.Trajectory) { t.Rewards = nil }},
	} {
		b := chainBatch(false)
		c.strip(b.Trajectories[1])
		m, err := credit.Lookup(c.name)
		if err != nil {
			t.Fatal(err)
		}
		err = m.Assign(b, nil)
		var ie *credit.InputError
		if !errors.As(err, &ie) || ie.Input.Name != c.input || ie.Trajectory != 1 {
			t.Errorf("%s: err = %v, want an InputError for %s on trajectory 1", c.name, err, c.input)
		}
	}
}
