package turn_test

import (
	"errors"
	"math"
	"testing"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"

	_ "github.com/credo-rl/credo/method/turn"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*(1+math.Abs(b)) }

func want(t *testing.T, name string, got, exp []float64) {
	t.Helper()
	if len(got) != len(exp) {
		t.Fatalf("%s: got %v, want %v", name, got, exp)
	}
	for i := range exp {
		if !near(got[i], exp[i]) {
			t.Fatalf("%s[%d] = %v, want %v (all %v)", name, i, got[i], exp[i], got)
		}
	}
}

func assign(t *testing.T, name string, b *rollout.Batch, sets ...string) error {
	t.Helper()
	m, err := credit.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	v, err := m.Parse(sets)
	if err != nil {
		t.Fatal(err)
	}
	return m.Assign(b, v)
}

func wantInputError(t *testing.T, name string, b *rollout.Batch, sets ...string) {
	t.Helper()
	err := assign(t, name, b, sets...)
	var ie *credit.InputError
	if !errors.As(err, &ie) {
		t.Fatalf("%s: want *credit.InputError, got %v", name, err)
	}
}

func toks(n int) []int64 { return make([]int64, n) }

func TestRegisteredMethods(t *testing.T) {
	for _, n := range []string{"oprl", "malt", "archer", "poad", "sotopia_rl", "calm", "lare"} {
		m, err := credit.Lookup(n)
		if err != nil {
			t.Fatal(err)
		}
		if m.Provenance.SpecRow == 0 || m.Provenance.ArXiv == "" {
			t.Fatalf("%s: incomplete provenance %+v", n, m.Provenance)
		}
	}
}

// oprlBatch: two trajectories of one group, turns [0, 2) and [3, 5), token 2
// an observation (mask 0, outside every turn).
func oprlBatch() *rollout.Batch {
	mk := func(id string, r float64, phi []float64) *rollout.Trajectory {
		return &rollout.Trajectory{ID: id, Group: "g", Tokens: toks(5), Rewards: map[string]float64{"outcome": r},
			Mask:        []float64{1, 1, 0, 1, 1},
			OldLogProbs: []float64{-1, -1, -1, -1, -1},
			LogProbs:    map[string][]float64{"prm_phi": phi},
			Steps:       []rollout.Step{{Start: 0, End: 2}, {Start: 3, End: 5}}}
	}
	return &rollout.Batch{Trajectories: []*rollout.Trajectory{
		mk("a", 1, []float64{-0.5, -1, -1, -1, -2}),
		mk("b", 0, []float64{-1, -1, -1, -0.5, -1}),
	}}
}

func TestOPRLEndToEnd(t *testing.T) {
	// β = 0: the episode part only, and it equals verl.grpo on the same batch.
	b := oprlBatch()
	if err := assign(t, "oprl", b, "beta=0"); err != nil {
		t.Fatal(err)
	}
	g := oprlBatch()
	if err := credit.Assign(g, "verl.grpo"); err != nil {
		t.Fatal(err)
	}
	for i, tr := range b.Trajectories {
		want(t, "oprl β=0 vs verl.grpo", tr.Advantages, g.Trajectories[i].Advantages)
	}
	// β = 1, α = 1, eps = 0, group step sets: step rewards a = [0.5, −1],
	// b = [0, 0.5]; set {0.5, −1, 0, 0.5}: mean 0, unbiased var 1.5/3 = 0.5.
	// A_E = ±0.5/√0.5.
	b = oprlBatch()
	if err := assign(t, "oprl", b, "beta=1", "epsilon=0"); err != nil {
		t.Fatal(err)
	}
	ae, s := 0.5/math.Sqrt(0.5), math.Sqrt(0.5)
	want(t, "a", b.Trajectories[0].Advantages, []float64{ae + 0.5/s, ae + 0.5/s, 0, ae - 1/s, ae - 1/s})
	want(t, "b", b.Trajectories[1].Advantages, []float64{-ae, -ae, 0, -ae + 0.5/s, -ae + 0.5/s})

	b = oprlBatch()
	b.Trajectories[1].LogProbs = nil
	wantInputError(t, "oprl", b)
}

func TestMALTEndToEnd(t *testing.T) {
	// G → {V0 → {R0 = 1, R1 = 1}, V1 → {R2 = 0, R3 = 1}}: V0 = 1, V1 = 0.5
	// (not > 0.5: incorrect), G = 0.75.
	node := func(id, parent string, r *float64) *rollout.Trajectory {
		t := &rollout.Trajectory{ID: id, Group: "q", Tokens: toks(2), Mask: []float64{1, 0}}
		if parent != "" {
			t.Parent = &rollout.Branch{Trajectory: parent}
		}
		if r != nil {
			t.Rewards = map[string]float64{"outcome": *r}
		}
		return t
	}
	one, zero := 1.0, 0.0
	mk := func() *rollout.Batch {
		return &rollout.Batch{Trajectories: []*rollout.Trajectory{
			node("G", "", nil), node("V0", "G", nil), node("V1", "G", nil),
			node("R0", "V0", &one), node("R1", "V0", &one), node("R2", "V1", &zero), node("R3", "V1", &one),
		}}
	}
	b := mk()
	if err := assign(t, "malt", b); err != nil {
		t.Fatal(err)
	}
	labels := []float64{1, 1, -1, 1, 1, -1, 1}
	values := []float64{0.75, 1, 0.5, 1, 1, 0, 1}
	for i, tr := range b.Trajectories {
		want(t, tr.ID+" adv", tr.Advantages, []float64{labels[i], 0})
		want(t, tr.ID+" ret", tr.Returns, []float64{values[i], 0})
	}
	b = mk()
	if err := assign(t, "malt", b, "credit=advantage"); err != nil {
		t.Fatal(err)
	}
	want(t, "V1 advantage", b.Trajectories[2].Advantages, []float64{0.5 - 0.75, 0})

	b = mk()
	b.Trajectories[5].Rewards = nil // a leaf without its correctness
	wantInputError(t, "malt", b)
}

func TestArCHerEndToEnd(t *testing.T) {
	mk := func() *rollout.Batch {
		return &rollout.Batch{Trajectories: []*rollout.Trajectory{{ID: "a", Group: "g", Tokens: toks(6),
			Mask: []float64{1, 1, 1, 0, 1, 1},
			Steps: []rollout.Step{
				{Start: 0, End: 3, Values: map[string]float64{"q": 2, "v": 0.5}, Rewards: map[string]float64{"reward": 0}},
				{Start: 4, End: 6, Values: map[string]float64{"q": 1, "v": 0.8}, Rewards: map[string]float64{"reward": 1}},
			}}}}
	}
	b := mk()
	if err := assign(t, "archer", b); err != nil {
		t.Fatal(err)
	}
	// Q − V = [1.5, 0.2]; returns = Q.
	want(t, "qv", b.Trajectories[0].Advantages, []float64{1.5, 1.5, 1.5, 0, 0.2, 0.2})
	want(t, "q", b.Trajectories[0].Returns, []float64{2, 2, 2, 0, 1, 1})
	// TD, γ = 0.9: [0.72 − 0.5, 1 − 0.8] = [0.22, 0.2]; targets [0.72, 1].
	b = mk()
	if err := assign(t, "archer", b, "advantage=td"); err != nil {
		t.Fatal(err)
	}
	want(t, "td", b.Trajectories[0].Advantages, []float64{0.22, 0.22, 0.22, 0, 0.2, 0.2})
	want(t, "target", b.Trajectories[0].Returns, []float64{0.72, 0.72, 0.72, 0, 1, 1})
	// Missing q fails in q_minus_v mode but not in td mode.
	b = mk()
	delete(b.Trajectories[0].Steps[1].Values, "q")
	wantInputError(t, "archer", b)
	if err := assign(t, "archer", b, "advantage=td"); err != nil {
		t.Fatal(err)
	}
}

func TestPOADEndToEnd(t *testing.T) {
	mk := func() *rollout.Batch {
		return &rollout.Batch{Trajectories: []*rollout.Trajectory{{ID: "a", Group: "g", Tokens: toks(5),
			Mask:   []float64{1, 1, 1, 0, 1},
			Values: []float64{1, 2, 3, 9, 4},
			Steps: []rollout.Step{
				{Start: 0, End: 2, Rewards: map[string]float64{"reward": 0.5}},
				{Start: 2, End: 5, Rewards: map[string]float64{"reward": 1}},
			}}}}
	}
	b := mk()
	if err := assign(t, "poad", b, "gamma=0.5", "lam=0.5"); err != nil {
		t.Fatal(err)
	}
	// Same numbers as TestPOADHand.
	want(t, "adv", b.Trajectories[0].Advantages, []float64{0.9375, -0.125, -0.5, 0, -3})
	want(t, "ret", b.Trajectories[0].Returns, []float64{1.9375, 1.875, 2.5, 0, 1})
	b = mk()
	b.Trajectories[0].Values = nil
	wantInputError(t, "poad", b)
}

func TestSotopiaEndToEnd(t *testing.T) {
	// Three dialogues of one group; the credited role is "me". Combined
	// rewards (weights 1, 0.5): 6, 3, 6 → [1, −2, 1]/√3; the partner's
	// utterance gets 0.
	utt := func(role string, goal, rel float64, start, end int) rollout.Step {
		return rollout.Step{Start: start, End: end, Role: role, Rewards: map[string]float64{"goal": goal, "rel": rel}}
	}
	mk := func() *rollout.Batch {
		return &rollout.Batch{Trajectories: []*rollout.Trajectory{
			{ID: "a", Group: "g", Tokens: toks(4), Steps: []rollout.Step{utt("me", 6, 0, 0, 2), {Start: 2, End: 4, Role: "other"}}},
			{ID: "b", Group: "g", Tokens: toks(2), Steps: []rollout.Step{utt("me", 2, 2, 0, 2)}},
			{ID: "c", Group: "g", Tokens: toks(2), Steps: []rollout.Step{utt("me", 4, 4, 0, 2)}},
		}}
	}
	b := mk()
	if err := assign(t, "sotopia_rl", b, "dims=goal,rel", "weights=1,0.5", "role=me", "epsilon=0"); err != nil {
		t.Fatal(err)
	}
	s := math.Sqrt(3)
	want(t, "a", b.Trajectories[0].Advantages, []float64{1 / s, 1 / s, 0, 0})
	want(t, "b", b.Trajectories[1].Advantages, []float64{-2 / s, -2 / s})
	want(t, "c ret", b.Trajectories[2].Returns, []float64{6, 6})
	b = mk()
	delete(b.Trajectories[1].Steps[0].Rewards, "rel")
	wantInputError(t, "sotopia_rl", b, "dims=goal,rel", "role=me")
	if err := assign(t, "sotopia_rl", mk(), "dims=goal,rel", "weights=1"); err == nil {
		t.Fatal("weight count mismatch accepted")
	}
}

func TestCALMEndToEnd(t *testing.T) {
	mk := func() *rollout.Batch {
		st := func(s, e int, r, l float64) rollout.Step {
			return rollout.Step{Start: s, End: e, Rewards: map[string]float64{"reward": r}, Labels: map[string]float64{"subgoal": l}}
		}
		return &rollout.Batch{Trajectories: []*rollout.Trajectory{{ID: "a", Group: "g", Tokens: toks(3),
			Steps: []rollout.Step{st(0, 1, 0, 1), st(1, 2, 0, 0), st(2, 3, 1, 0)}}}}
	}
	// Shaped [0.1, 0, 1] → returns (γ = 1) [1.1, 1, 1].
	b := mk()
	if err := assign(t, "calm", b, "norm=none"); err != nil {
		t.Fatal(err)
	}
	want(t, "ret", b.Trajectories[0].Returns, []float64{1.1, 1, 1})
	want(t, "adv", b.Trajectories[0].Advantages, []float64{1.1, 1, 1})
	// Batch normalisation: mean 3.1/3, the advantages sum to zero.
	b = mk()
	if err := assign(t, "calm", b); err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, x := range b.Trajectories[0].Advantages {
		sum += x
	}
	if math.Abs(sum) > 1e-9 {
		t.Fatalf("batch-normalised advantages sum to %v", sum)
	}
	b = mk()
	delete(b.Trajectories[0].Steps[2].Labels, "subgoal")
	wantInputError(t, "calm", b)
}

func TestLaReEndToEnd(t *testing.T) {
	mk := func() *rollout.Batch {
		st := func(s, e int, x float64) rollout.Step {
			return rollout.Step{Start: s, End: e, Values: map[string]float64{"latent": x}}
		}
		return &rollout.Batch{Trajectories: []*rollout.Trajectory{{ID: "a", Group: "g", Tokens: toks(3),
			Rewards: map[string]float64{"outcome": 1},
			Steps:   []rollout.Step{st(0, 1, 0.2), st(1, 2, 0.5), st(2, 3, 0.1)}}}}
	}
	// Additive: r = s + 1/15; returns (γ = 1) = reward-to-go, first = R = 1.
	b := mk()
	if err := assign(t, "lare", b, "norm=none"); err != nil {
		t.Fatal(err)
	}
	d := 1.0 / 15
	want(t, "ret", b.Trajectories[0].Returns, []float64{1, 0.6 + 2*d, 0.1 + d})
	b = mk()
	delete(b.Trajectories[0].Steps[0].Values, "latent")
	wantInputError(t, "lare", b)
}

func TestOverlappingTurnsRejected(t *testing.T) {
	b := &rollout.Batch{Trajectories: []*rollout.Trajectory{{ID: "a", Group: "g", Tokens: toks(3),
		Values: []float64{0, 0, 0},
		Steps: []rollout.Step{{Start: 0, End: 2, Rewards: map[string]float64{"reward": 0}},
			{Start: 1, End: 3, Rewards: map[string]float64{"reward": 0}}}}}}
	if err := assign(t, "poad", b); err == nil {
		t.Fatal("overlapping turns accepted")
	}
}
