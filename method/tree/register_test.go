package tree_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/credo-rl/credo/credit"
	_ "github.com/credo-rl/credo/method/ref" // spo.*, treerl.group_trie and verl.grpo
	"github.com/credo-rl/credo/method/tree"
	"github.com/credo-rl/credo/rollout"
)

func handBatch() *rollout.Batch {
	b := &rollout.Batch{}
	for i, toks := range tree.HandTokens {
		b.Trajectories = append(b.Trajectories, &rollout.Trajectory{ID: string(rune('a' + i)), Group: "g", Tokens: toks,
			Rewards: map[string]float64{"outcome": tree.HandScores[i]}})
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
	tree.CheckRows(t, "tempo", advantages(b), tree.HandDrWant)
	// Against the registered verl.grpo on a batch whose responses are
	// identical (no branching).
	b1, b2 := handBatch(), handBatch()
	for k := range b1.Trajectories {
		b1.Trajectories[k].Tokens = []int64{4, 5, 6}
		b2.Trajectories[k].Tokens = []int64{4, 5, 6}
	}
	assign(t, b1, "tempo")
	assign(t, b2, "verl.grpo")
	tree.CheckRows(t, "tempo vs verl.grpo", advantages(b1), advantages(b2))
}

func TestRegisteredSPOChain(t *testing.T) {
	b := tree.ChainTestBatch(true)
	assign(t, b, "spo.chain", "cutpoint_interval=1")
	tree.CheckRows(t, "spo.chain", advantages(b)[:2], [][]float64{{-0.25, 0, 0.75, 0}, {-0.25, 0, -0.25}})
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
	err := m.Assign(tree.ChainTestBatch(false), v)
	var ie *credit.InputError
	if !errors.As(err, &ie) || ie.ID != "A" {
		t.Fatalf("err = %v, want an InputError for A", err)
	}
}

func TestRegisteredSPOTree(t *testing.T) {
	b := &rollout.Batch{}
	for i, toks := range [][]int64{{1, 2, 5}, {1, 2, 6}, {3, 4, 7}, {3, 4, 8}} {
		b.Trajectories = append(b.Trajectories, &rollout.Trajectory{ID: string(rune('a' + i)), Group: "q", Tokens: toks,
			Rewards: map[string]float64{"outcome": []float64{1, 0, 0, 0}[i]}, OldLogProbs: tree.Logs(0.5, 0.5, 0.95)})
	}
	assign(t, b, "spo.tree")
	// TestTreeAdvantagesHand, then the probability mask on token 2 (p 0.95).
	tree.CheckRows(t, "spo.tree", advantages(b), [][]float64{{0.25, 0.25, 0}, {0, 0, 0}, {-0.25, -0.25, 0}, {0, 0, 0}})
	tree.CheckRows(t, "loss weights", [][]float64{b.Trajectories[0].LossWeights, b.Trajectories[1].LossWeights}, [][]float64{{1, 1, 0}, {0, 0, 0}})
	// Without the probability mask no old_log_probs are needed.
	for _, tr := range b.Trajectories {
		tr.OldLogProbs, tr.Mask = nil, nil
	}
	assign(t, b, "spo.tree", "prob_threshold=1", "loss_mask=false")
	tree.CheckRows(t, "spo.tree no mask", advantages(b), [][]float64{{0.25, 0.25, 0.5}, {0, 0, -0.5}, {-0.25, -0.25, 0}, {0, 0, 0}})
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
	tree.CheckRows(t, "treerl", advantages(b), [][]float64{{0, 0, 1, 1}, {0, 0, -0.5, -0.5}, {0, 0, -0.5}})
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
		b := tree.ChainTestBatch(false)
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

// The same through the registry: parent links in the records.
func TestSPOTreeMethodUsesParentLinks(t *testing.T) {
	tokens, scores, _ := tree.SiblingsSharingTokens()
	b := &rollout.Batch{}
	for i, tok := range tokens {
		tr := &rollout.Trajectory{ID: string(rune('A' + i)), Group: "q", Tokens: tok,
			Rewards: map[string]float64{"outcome": scores[i]}}
		if i > 0 {
			tr.Parent = &rollout.Branch{Trajectory: "A", Token: 1}
		}
		b.Trajectories = append(b.Trajectories, tr)
	}
	if err := credit.Assign(b, "spo.tree", "prob_threshold=1"); err != nil {
		t.Fatal(err)
	}
	third := 1.0 / 3
	want := [][]float64{{0, third, third}, {0, third, third}, {0, -2 * third, -2 * third}}
	got := make([][]float64, 3)
	for i, tr := range b.Trajectories {
		got[i] = tr.Advantages
	}
	tree.CheckRows(t, "spo.tree", got, want)

	// A link whose prefix is not the parent's tokens is an error naming
	// the record and the field.
	b.Trajectories[2].Tokens = []int64{2, 8, 9}
	err := credit.Assign(b, "spo.tree", "prob_threshold=1")
	if err == nil || !strings.Contains(err.Error(), `traj_uid "C"`) || !strings.Contains(err.Error(), "parent.token") {
		t.Fatalf("err = %v", err)
	}
}

// TestTreeRLLinkedSiblingsSharingTokens through the registry: parent links
// in the records give the linked tree, not the prefix trie.
func TestTreeRLMethodUsesParentLinks(t *testing.T) {
	tokens, _, _ := tree.SiblingsSharingTokens()
	scores := []float64{1, 0, 0}
	b := &rollout.Batch{}
	for i, tok := range tokens {
		tr := &rollout.Trajectory{ID: string(rune('A' + i)), Group: "q", Tokens: tok,
			Rewards: map[string]float64{"outcome": scores[i]}}
		if i > 0 {
			tr.Parent = &rollout.Branch{Trajectory: "A", Token: 1}
		}
		b.Trajectories = append(b.Trajectories, tr)
	}
	if err := credit.Assign(b, "treerl.group_trie"); err != nil {
		t.Fatal(err)
	}
	tree.CheckRows(t, "treerl.group_trie", [][]float64{b.Trajectories[0].Advantages, b.Trajectories[1].Advantages, b.Trajectories[2].Advantages},
		[][]float64{{0, 1, 1}, {0, -0.5, -0.5}, {0, -0.5, -0.5}})
}
