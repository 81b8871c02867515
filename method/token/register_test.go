package token

import (
	"errors"
	"math"
	"testing"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

func assign(t *testing.T, name string, b *rollout.Batch, sets ...string) {
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
		t.Fatalf("%s: %v", name, err)
	}
}

func advs(b *rollout.Batch) [][]float64 {
	out := make([][]float64, len(b.Trajectories))
	for i, t := range b.Trajectories {
		out[i] = t.Advantages
	}
	return out
}

func rets(b *rollout.Batch) [][]float64 {
	out := make([][]float64, len(b.Trajectories))
	for i, t := range b.Trajectories {
		out[i] = t.Returns
	}
	return out
}

// GRPO of outcomes 1 and 0 in one group: ±0.5/(std + 1e-6), std = √0.5.
var grpoPM = 0.5 / (math.Sqrt(0.5) + 1e-6)

func pairBatch(n int) *rollout.Batch {
	mk := func(id string, r float64) *rollout.Trajectory {
		return &rollout.Trajectory{ID: id, Group: "g", Tokens: make([]int64, n), Rewards: map[string]float64{"outcome": r}}
	}
	return &rollout.Batch{Trajectories: []*rollout.Trajectory{mk("a", 1), mk("b", 0)}}
}

func TestRegisteredHICRA(t *testing.T) {
	b := pairBatch(3)
	b.Trajectories[0].Tags = map[string][]int8{"planning": {1, 0, 0}}
	b.Trajectories[1].Tags = map[string][]int8{"planning": {0, 1, 0}}
	assign(t, "hicra", b)
	g := grpoPM
	// planning: +g → 1.2·g; −g → 0.8·(−g). Returns stay verl.grpo's.
	assertRows(t, "hicra", advs(b), [][]float64{{1.2 * g, g, g}, {-g, -0.8 * g, -g}})
	assertRows(t, "returns", rets(b), [][]float64{{g, g, g}, {-g, -g, -g}})

	// Tagging from strategic grams: [7 8] tags [1 1 0] and [0 1 1].
	b = pairBatch(3)
	b.Trajectories[0].Tokens = []int64{7, 8, 9}
	b.Trajectories[1].Tokens = []int64{1, 7, 8}
	assign(t, "hicra", b, "strategic_grams=[[7,8]]", "alpha=0.5")
	assertRows(t, "hicra grams", advs(b), [][]float64{{1.5 * g, 1.5 * g, g}, {-g, -0.5 * g, -0.5 * g}})

	// base_params reach the base: Dr.GRPO gives ±0.5.
	b = pairBatch(1)
	b.Trajectories[0].Tags = map[string][]int8{"planning": {1}}
	b.Trajectories[1].Tags = map[string][]int8{"planning": {0}}
	assign(t, "hicra", b, "base_params=norm_adv_by_std_in_grpo=false")
	assertRows(t, "hicra dr.grpo", advs(b), [][]float64{{0.6}, {-0.5}})
}

func TestRegisteredPreplanAnchor(t *testing.T) {
	b := pairBatch(10)
	for _, tr := range b.Trajectories {
		tr.Scores = map[string][]float64{"waad": paWAAD[0], "fai": paFAI[0]}
	}
	// ratio 0.1 → 1 anchor (FAI 0.9 at 2), coupled with argmax WAAD of {1, 2} = 1; scale 1.5.
	assign(t, "preplan_anchor", b)
	g := grpoPM
	row := func(x float64) []float64 {
		r := []float64{x, 1.5 * x, 1.5 * x, x, x, x, x, x, x, x}
		return r
	}
	assertRows(t, "preplan_anchor", advs(b), [][]float64{row(g), row(-g)})
}

func TestRegisteredMARLHF(t *testing.T) {
	mk := func() *rollout.Batch {
		return &rollout.Batch{Trajectories: []*rollout.Trajectory{{ID: "a", Group: "g", Tokens: make([]int64, 4),
			Rewards: map[string]float64{"outcome": 1}, Values: []float64{0.5, 0.7, 0.2, 0.4},
			OldLogProbs: []float64{-3, -2, -1, -2},
			Steps:       []rollout.Step{{Start: 0, End: 2}, {Start: 2, End: 4}}}}}
	}
	// Macros [0,2) and [2,4) by each rule; see TestMacroGAEHand (λ = 0.5).
	want := [][]float64{{0.05, 0.05, 0.7, 0.7}}
	for _, sets := range [][]string{
		{"ngram=2"},
		{"termination=parsing"},
		{"termination=ppl"}, // log-prob falls only from position 2 to 3 → macro starts at 2
	} {
		b := mk()
		assign(t, "ma_rlhf", b, append(sets, "lam=0.5")...)
		assertRows(t, "ma_rlhf "+sets[0], advs(b), want)
		assertRows(t, "ma_rlhf returns "+sets[0], rets(b), [][]float64{{0.65, 0.65, 1, 1}})
	}
}

func TestRegisteredImplicit(t *testing.T) {
	mk := func() *rollout.Batch {
		return &rollout.Batch{Trajectories: []*rollout.Trajectory{
			{ID: "a", Group: "g", Tokens: make([]int64, 2), OldLogProbs: []float64{-1, -2}, RefLogProbs: []float64{-2, -3},
				LogProbs: map[string][]float64{"contrast_pos": {math.Log(3), 0}, "contrast_neg": {0, math.Log(3)}}},
			{ID: "b", Group: "g", Tokens: make([]int64, 2), LogProbs: map[string][]float64{"policy": {-1, -2}, "ref": {-2, -3},
				"contrast_pos": {math.Log(3), 0}, "contrast_neg": {0, math.Log(3)}}, Features: map[string]any{"preference": "rejected"}},
		}}
	}
	// β = 0.1, log ratio 1 on every token: r̂ = 0.1, return-to-go [0.2, 0.1].
	b := mk()
	assign(t, "r2q", b)
	assertRows(t, "r2q", advs(b), [][]float64{{0.1, 0.1}, {0.1, 0.1}})
	assertRows(t, "r2q returns", rets(b), [][]float64{{0.2, 0.1}, {0.2, 0.1}})
	// T-REG, τ = 0.5: weights [hi, lo] for the chosen row, [lo, hi] for the rejected one.
	b = mk()
	assign(t, "treg", b, "temperature=0.5")
	hi, lo := 2*math.E/(math.E+1), 2/(math.E+1)
	assertRows(t, "treg", advs(b), [][]float64{{0.1 * hi, 0.1 * lo}, {0.1 * lo, 0.1 * hi}})
}

func TestRegisteredOREO(t *testing.T) {
	b := &rollout.Batch{Trajectories: []*rollout.Trajectory{{ID: "a", Group: "g", Tokens: make([]int64, 3),
		Rewards: map[string]float64{"outcome": 1}, Values: []float64{0.5, 0.6, 0.8},
		OldLogProbs: []float64{-1, -1, -1}, RefLogProbs: []float64{-1.2, -0.8, -1}}}}
	assign(t, "oreo", b, "beta=0.5")
	assertRows(t, "oreo", advs(b), [][]float64{{0, 0.3, 0.2}}) // see TestOREOHand
	assertRows(t, "oreo returns", rets(b), [][]float64{{1, 1.1, 1}})
}

func TestRegisteredCAPO(t *testing.T) {
	votes := func(v ...float64) map[string]float64 {
		m := map[string]float64{}
		for k, x := range v {
			m["wrong_vote_"+string(rune('0'+k))] = x
		}
		return m
	}
	b := pairBatch(2)
	// Per-vote layout: step 0 flagged by 2 of 3 critiques (majority), step 1 by none.
	b.Trajectories[0].Steps = []rollout.Step{{Start: 0, End: 1, Labels: votes(1, 1, 0)}, {Start: 1, End: 2, Labels: votes(0, 0, 0)}}
	// Count layout with m = features.n_critiques.
	b.Trajectories[1].Features = map[string]any{"n_critiques": 3.0}
	b.Trajectories[1].Steps = []rollout.Step{{Start: 0, End: 1, Labels: map[string]float64{"wrong_votes": 0}}, {Start: 1, End: 2, Labels: map[string]float64{"wrong_votes": 3}}}
	assign(t, "capo", b, "norm=none")
	// Penalties [[1 0] [0 1]] → rewards [[1 2] [0 −1]], as TestCAPOHand.
	assertRows(t, "capo", advs(b), [][]float64{{1, 2}, {0, -1}})
	assertRows(t, "capo returns", rets(b), [][]float64{{1, 2}, {0, -1}})
	// intersection: 2 of 3 is not enough; only row 1's step is flagged.
	assign(t, "capo", b, "norm=none", "voting=intersection")
	assertRows(t, "capo intersection", advs(b), [][]float64{{2, 2}, {0, -1}})
}

func TestMissingInputs(t *testing.T) {
	base := func() *rollout.Batch { return pairBatch(2) }
	for _, c := range []struct {
		method, input string
	}{
		{"hicra", "token_tags.<tag> (unless strategic_grams)"},
		{"preplan_anchor", "token_scores.waad"},
		{"ma_rlhf", "values"},
		{"r2q", "log_probs.policy|old_log_probs (per policy)"},
		{"treg", "log_probs.policy|old_log_probs (per policy)"},
		{"oreo", "values"},
		{"capo", "steps[].labels.wrong_vote_<k>|wrong_votes"},
	} {
		m, err := credit.Lookup(c.method)
		if err != nil {
			t.Fatal(err)
		}
		err = m.Assign(base(), nil)
		var ie *credit.InputError
		if !errors.As(err, &ie) {
			t.Errorf("%s: got %v, want an InputError", c.method, err)
			continue
		}
		if ie.Input.Name != c.input {
			t.Errorf("%s: missing %q, want %q", c.method, ie.Input.Name, c.input)
		}
	}
	// A stage's base reports its own missing input.
	b := base()
	for _, tr := range b.Trajectories {
		tr.Tags = map[string][]int8{"planning": {0, 0}}
		delete(tr.Rewards, "outcome")
	}
	m, _ := credit.Lookup("hicra")
	var ie *credit.InputError
	if err := m.Assign(b, nil); !errors.As(err, &ie) || ie.Method != "verl.grpo" {
		t.Errorf("hicra with a base lacking rewards: got %v, want verl.grpo's InputError", err)
	}
}

func TestStageBaseErrors(t *testing.T) {
	b := pairBatch(1)
	for _, tr := range b.Trajectories {
		tr.Tags = map[string][]int8{"planning": {1}}
	}
	m, _ := credit.Lookup("hicra")
	for _, sets := range [][]string{{"base=hicra"}, {"base=no.such"}, {"base_params=nope"}, {"base_params=epsilon=x"}} {
		// a malformed list fails when parsed, the rest when run
		v, err := m.Parse(sets)
		if err == nil {
			err = m.Assign(b, v)
		}
		if err == nil {
			t.Errorf("%v: want an error", sets)
		}
	}
}

func TestCAPOLayoutErrors(t *testing.T) {
	m, _ := credit.Lookup("capo")
	for name, labels := range map[string][]map[string]float64{
		"vote not 0/1":     {{"wrong_vote_0": 2}},
		"count without m":  {{"wrong_votes": 1}},
		"uneven critiques": {{"wrong_vote_0": 1, "wrong_vote_1": 0}, {"wrong_vote_0": 1}},
	} {
		b := pairBatch(len(labels))
		for _, tr := range b.Trajectories {
			for k, l := range labels {
				tr.Steps = append(tr.Steps, rollout.Step{Start: k, End: k + 1, Labels: l})
			}
		}
		err := m.Assign(b, nil)
		var ie *credit.InputError
		if err == nil || errors.As(err, &ie) {
			t.Errorf("%s: got %v, want a layout error", name, err)
		}
	}
}
