package group

import (
	"errors"
	"math"
	"strconv"
	"testing"

	"github.com/credo-rl/credo/anchor/verl"
	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/internal/groups"
	"github.com/credo-rl/credo/rollout"
)

func traj(id, uid string, n int, rewards map[string]float64) *rollout.Trajectory {
	return &rollout.Trajectory{ID: id, Group: uid, Tokens: make([]int64, n), Rewards: rewards}
}

func lookup(t *testing.T, name string) *credit.Method {
	t.Helper()
	m, err := credit.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func values(t *testing.T, m *credit.Method, sets ...string) credit.Values {
	t.Helper()
	v, err := m.Parse(sets)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func wantInputError(t *testing.T, err error, input string) {
	t.Helper()
	var ie *credit.InputError
	if !errors.As(err, &ie) {
		t.Fatalf("want *credit.InputError for %s, got %v", input, err)
	}
	if ie.Input.Name != input {
		t.Fatalf("input error names %q, want %q", ie.Input.Name, input)
	}
}

// grpoOf is verl's GRPO (defaults) of per-row rewards, broadcast over the masks.
func grpoOf(t *testing.T, r []float64, idx []string, b *rollout.Batch) [][]float64 {
	t.Helper()
	g, n := groups.Index(idx)
	a, err := verl.GRPOScalar(r, g, n, verl.DefaultGRPOOptions())
	if err != nil {
		t.Fatal(err)
	}
	adv, _ := Broadcast(a, credit.Masks(b))
	return adv
}

func assertAdv(t *testing.T, b *rollout.Batch, want [][]float64, tol float64) {
	t.Helper()
	for i, tr := range b.Trajectories {
		assertVec(t, "advantages of "+tr.ID, tr.Advantages, want[i], tol)
	}
}

func TestRegisteredAllWriteTokenAdvantages(t *testing.T) {
	for _, name := range []string{"stratified_grpo", "trust_grpo", "posterior_grpo", "lsc", "grpo_lambda", "trl.grpo", "brpo", KnapsackMethod} {
		m := lookup(t, name)
		if m.Provenance.ArXiv == "" || m.Summary == "" {
			t.Fatalf("%s: missing provenance or summary", name)
		}
		if len(m.Outputs) == 0 || m.Outputs[0] != "advantages" {
			t.Fatalf("%s: outputs %v", name, m.Outputs)
		}
	}
}

// stratified_grpo: group p, strata by features.n_search_calls = [0,0,1,1],
// outcomes [1,0,1,1]. Stratum 0 = [1,0] → SAN ±0.7071068/(1+·) ; stratum 1
// = [1,1] → 0. α = 1: A = [0.7071068, -0.7071068, 0, 0] on every masked token.
func TestStratifiedRegistered(t *testing.T) {
	mk := func(f []any) *rollout.Batch {
		b := &rollout.Batch{}
		for i, r := range []float64{1, 0, 1, 1} {
			tr := traj("t"+strconv.Itoa(i), "p", 3, map[string]float64{"outcome": r})
			tr.Mask = []float64{1, 1, 0}
			tr.Features = map[string]any{"n_search_calls": f[i]}
			b.Trajectories = append(b.Trajectories, tr)
		}
		return b
	}
	m := lookup(t, "stratified_grpo")
	b := mk([]any{0.0, 0.0, 1.0, 1.0})
	if err := m.Assign(b, nil); err != nil {
		t.Fatal(err)
	}
	const a = 0.7071068
	assertAdv(t, b, [][]float64{{a, a, 0}, {-a, -a, 0}, {0, 0, 0}, {0, 0, 0}}, 1e-5)
	assertVec(t, "returns", b.Trajectories[0].Returns, b.Trajectories[0].Advantages, 0)

	// One stratum: equals the registered verl.grpo.
	b = mk([]any{"x", "x", "x", "x"})
	ref := mk([]any{"x", "x", "x", "x"})
	if err := m.Assign(b, values(t, m, "alpha=0.4")); err != nil {
		t.Fatal(err)
	}
	if err := lookup(t, "verl.grpo").Assign(ref, nil); err != nil {
		t.Fatal(err)
	}
	for i := range b.Trajectories {
		assertVec(t, "vs verl.grpo", b.Trajectories[i].Advantages, ref.Trajectories[i].Advantages, 1e-12)
	}

	// Stratum from step kinds: two "search" steps vs none.
	b = mk([]any{0.0, 0.0, 0.0, 0.0})
	for i, tr := range b.Trajectories {
		if i >= 2 {
			tr.Steps = []rollout.Step{{Start: 0, End: 1, Kind: "search"}, {Start: 1, End: 2, Kind: "search"}}
		}
	}
	if err := m.Assign(b, values(t, m, "stratum=steps.search")); err != nil {
		t.Fatal(err)
	}
	assertAdv(t, b, [][]float64{{a, a, 0}, {-a, -a, 0}, {0, 0, 0}, {0, 0, 0}}, 1e-5)

	b = mk([]any{0.0, 0.0, 1.0, 1.0})
	delete(b.Trajectories[2].Features, "n_search_calls")
	wantInputError(t, m.Assign(b, nil), "<stratum>")
	if err := m.Assign(mk([]any{0.0, 0.0, 1.0, 1.0}), values(t, m, "stratum=bogus")); err == nil {
		t.Fatal("want an error for a bad stratum spec")
	}
}

// trust_grpo: R = outcome + α·e^{-step/T}·γ·thinking, then verl.grpo; the
// step counter lives in the state.
func TestTrustRegistered(t *testing.T) {
	o := []float64{1, 1, 0, 1, 0}
	th := []float64{0.2, 0.3, 0.9, 0.5, 0.4}
	idx := []string{"p", "p", "p", "q", "q"}
	mk := func() *rollout.Batch {
		b := &rollout.Batch{}
		for i := range o {
			b.Trajectories = append(b.Trajectories, traj("t"+strconv.Itoa(i), idx[i], 2, map[string]float64{"outcome": o[i], "thinking": th[i]}))
		}
		return b
	}
	m := lookup(t, "trust_grpo")
	v := values(t, m, "anneal_T=2", "alpha=0.5")
	st := credit.NewState()
	for step := 0; step < 2; step++ {
		b := mk()
		if err := m.AssignState(b, v, st); err != nil {
			t.Fatal(err)
		}
		r, err := TrustRewards(o, th, idx, step, TrustOptions{Alpha: 0.5, Threshold: 0.5, AnnealT: 2})
		if err != nil {
			t.Fatal(err)
		}
		assertAdv(t, b, grpoOf(t, r, idx, b), 1e-12)
	}
	var step int
	if ok, err := st.For("trust_grpo").Get("step", &step); !ok || err != nil || step != 2 {
		t.Fatalf("state step = %d (%v, %v), want 2", step, ok, err)
	}
	// An explicit step overrides the counter.
	b := mk()
	if err := m.AssignState(b, values(t, m, "anneal_T=2", "alpha=0.5", "step=7"), st); err != nil {
		t.Fatal(err)
	}
	r, _ := TrustRewards(o, th, idx, 7, TrustOptions{Alpha: 0.5, Threshold: 0.5, AnnealT: 2})
	assertAdv(t, b, grpoOf(t, r, idx, b), 1e-12)

	b = mk()
	delete(b.Trajectories[1].Rewards, "thinking")
	wantInputError(t, m.Assign(b, nil), "rewards.<thinking>")
	if err := m.Assign(mk(), values(t, m, "base=nope")); err == nil {
		t.Fatal("want an error for an unknown base method")
	}
}

// posterior_grpo: R = format + outcome + outcome·thinking, then verl.grpo.
func TestPosteriorRegistered(t *testing.T) {
	f := []float64{1, 0, 1, 1}
	o := []float64{1, 1, 0, 0}
	th := []float64{0.5, 0.8, 0.9, 0.1}
	idx := []string{"p", "p", "p", "p"}
	mk := func() *rollout.Batch {
		b := &rollout.Batch{}
		for i := range o {
			b.Trajectories = append(b.Trajectories, traj("t"+strconv.Itoa(i), idx[i], 2, map[string]float64{"outcome": o[i], "thinking": th[i], "format": f[i]}))
		}
		return b
	}
	m := lookup(t, "posterior_grpo")
	b := mk()
	if err := m.Assign(b, nil); err != nil {
		t.Fatal(err)
	}
	// R = [2.5, 1.8, 1, 1]
	assertAdv(t, b, grpoOf(t, []float64{2.5, 1.8, 1, 1}, idx, b), 1e-12)
	// The user's rewards are not modified.
	if b.Trajectories[0].Rewards["outcome"] != 1 || len(b.Trajectories[0].Rewards) != 3 {
		t.Fatalf("rewards modified: %v", b.Trajectories[0].Rewards)
	}
	b = mk()
	delete(b.Trajectories[0].Rewards, "format")
	wantInputError(t, m.Assign(b, nil), "rewards.<format>")
	if err := m.Assign(b, values(t, m, "format=")); err != nil {
		t.Fatal(err)
	}
	assertAdv(t, b, grpoOf(t, []float64{1.5, 1.8, 0, 0}, idx, b), 1e-12)
}

// lsc: u = log σ(rm - rm_ref), then verl.grpo; or the group quantile as reference.
func TestLSCRegistered(t *testing.T) {
	rm := []float64{2, 0, -1}
	ref := []float64{1, 1, 0}
	idx := []string{"p", "p", "p"}
	mk := func() *rollout.Batch {
		b := &rollout.Batch{}
		for i := range rm {
			b.Trajectories = append(b.Trajectories, traj("t"+strconv.Itoa(i), "p", 1, map[string]float64{"rm": rm[i], "rm_ref": ref[i]}))
		}
		return b
	}
	m := lookup(t, "lsc")
	b := mk()
	if err := m.Assign(b, values(t, m, "channels=rm")); err != nil {
		t.Fatal(err)
	}
	u := []float64{logSigmoid(1), logSigmoid(-1), logSigmoid(-1)}
	assertAdv(t, b, grpoOf(t, u, idx, b), 1e-12)

	b = mk()
	if err := m.Assign(b, values(t, m, "channels=rm", "ref=group_quantile", "quantile=0.5")); err != nil {
		t.Fatal(err)
	}
	// median of [2, 0, -1] is 0
	u = []float64{logSigmoid(2), logSigmoid(0), logSigmoid(-1)}
	assertAdv(t, b, grpoOf(t, u, idx, b), 1e-12)

	b = mk()
	delete(b.Trajectories[2].Rewards, "rm_ref")
	wantInputError(t, m.Assign(b, values(t, m, "channels=rm")), "rewards.<channels> (+ rewards.<channel><ref_suffix> when ref=channel)")
}

// grpo_lambda: lengths are the counts of masked tokens.
func TestGRPOLambdaRegistered(t *testing.T) {
	o := []float64{1, 1, 0, 1, 0, 0}
	idx := []string{"p", "p", "p", "q", "q", "q"}
	lens := []int{2, 4, 3, 5, 5, 1}
	b := &rollout.Batch{}
	for i := range o {
		tr := traj("t"+strconv.Itoa(i), idx[i], lens[i]+1, map[string]float64{"outcome": o[i]})
		tr.Mask = make([]float64, lens[i]+1)
		for j := 0; j < lens[i]; j++ {
			tr.Mask[j] = 1
		}
		b.Trajectories = append(b.Trajectories, tr)
	}
	m := lookup(t, "grpo_lambda")
	if err := m.Assign(b, values(t, m, "lambda=0.5")); err != nil {
		t.Fatal(err)
	}
	L := make([]float64, len(lens))
	for i, l := range lens {
		L[i] = float64(l)
	}
	r, _, err := GRPOLambdaRewards(o, L, idx, GRPOLambdaOptions{Lambda: 0.5, Threshold: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	// p (ratio 2/3) is selected: lengths [2,4,3] → [1.5, 0.5, min(0, 0) = 0]
	assertVec(t, "rewards", r[:3], []float64{1.5, 0.5, 0}, 1e-15)
	assertAdv(t, b, grpoOf(t, r, idx, b), 1e-12)
	b.Trajectories[0].Rewards = nil
	wantInputError(t, m.Assign(b, nil), "rewards.<reward>|token_level_rewards")
}

// trl.grpo: two channels, one missing on one trajectory (TRL's None).
func TestTRLRegistered(t *testing.T) {
	mk := func() *rollout.Batch {
		return &rollout.Batch{Trajectories: []*rollout.Trajectory{
			traj("a", "p", 2, map[string]float64{"acc": 1, "fmt": 0.5}),
			traj("b", "p", 2, map[string]float64{"acc": 0}),
			traj("c", "p", 2, map[string]float64{"acc": 1, "fmt": 0}),
		}}
	}
	m := lookup(t, "trl.grpo")
	b := mk()
	if err := m.Assign(b, values(t, m, "reward_funcs=acc,fmt", "reward_weights=1,2")); err != nil {
		t.Fatal(err)
	}
	a, err := TRLAdvantages([][]float64{{1, 0.5}, {0, math.NaN()}, {1, 0}}, []string{"p", "p", "p"}, TRLOptions{Weights: []float64{1, 2}, Aggregation: SumThenNormalize, ScaleRewards: ScaleGroup, Epsilon: 1e-4})
	if err != nil {
		t.Fatal(err)
	}
	// R = [2, 0, 1]: μ = 1, σ = 1 → A = [1, -1, 0]/(1 + 1e-4)
	assertVec(t, "scalar", a, []float64{1 / 1.0001, -1 / 1.0001, 0}, 1e-12)
	adv, _ := Broadcast(a, credit.Masks(b))
	assertAdv(t, b, adv, 1e-12)
	if b.Trajectories[0].Returns != nil {
		t.Fatal("trl.grpo writes no returns")
	}
	b = mk()
	b.Trajectories[1].Rewards = map[string]float64{"other": 1}
	wantInputError(t, m.Assign(b, values(t, m, "reward_funcs=acc,fmt")), "rewards.<reward_funcs>")
	if err := m.Assign(b, values(t, m, "reward_funcs=acc,fmt", "allow_unscorable=true")); err != nil {
		t.Fatal(err)
	}
	assertVec(t, "unscorable", b.Trajectories[1].Advantages, []float64{0, 0}, 0)
	if err := m.Assign(mk(), values(t, m, "reward_funcs=acc,fmt", "reward_weights=1")); err == nil {
		t.Fatal("want an error for a weight count mismatch")
	}
}

// brpo: the catalogue's worked example as a batch (4 budget steps of 2
// tokens per trace). Trace g0's tokens get [-0.0625, 0.125, 0.3125, 0.0959821], two each.
func TestBRPORegistered(t *testing.T) {
	s := [][]float64{{0, 0, 1, 1}, {0, 1, 1, 1}, {0, 0, 0, 0}, {1, 1, 1, 1}}
	b := &rollout.Batch{}
	for i, row := range s {
		tr := traj("g"+strconv.Itoa(i), "x", 8, nil)
		for j, sc := range row {
			tr.Steps = append(tr.Steps, rollout.Step{Start: 2 * j, End: 2*j + 2, Kind: "budget", Rewards: map[string]float64{"score": sc}})
		}
		b.Trajectories = append(b.Trajectories, tr)
	}
	b.Trajectories[0].Mask = []float64{1, 1, 1, 1, 1, 1, 1, 0}
	m := lookup(t, "brpo")
	if err := m.Assign(b, nil); err != nil {
		t.Fatal(err)
	}
	const a3 = 0.0959821
	assertVec(t, "g0", b.Trajectories[0].Advantages, []float64{-0.0625, -0.0625, 0.125, 0.125, 0.3125, 0.3125, a3, 0}, 1e-6)

	// Summaries as children of budget steps. One trace of 2 budgets in a
	// group of one; budget j spans its 2 thinking tokens and 2 summaries of
	// one token each with scores [1, 0] (budget 0) and [1, 1] (budget 1).
	// s = [0.5, 1]; R = [0.75, 0.5]; V2 = 0 (one trace); V1 = [0, 0.5·0.5 = 0.25];
	// baseline = [0, (1·0.25 + 1·0)/2 = 0.125]; A = [0.75, 0.375].
	// Summaries (two per split): [0.5, -0.5] and [0, 0].
	p0, p1 := 0, 1
	tr := traj("s", "y", 8, nil)
	tr.Steps = []rollout.Step{
		{Start: 0, End: 4, Kind: "budget"},
		{Start: 4, End: 8, Kind: "budget"},
		{Start: 2, End: 3, Kind: "summary", Parent: &p0, Rewards: map[string]float64{"score": 1}},
		{Start: 3, End: 4, Kind: "summary", Parent: &p0, Rewards: map[string]float64{"score": 0}},
		{Start: 6, End: 7, Kind: "summary", Parent: &p1, Rewards: map[string]float64{"score": 1}},
		{Start: 7, End: 8, Kind: "summary", Parent: &p1, Rewards: map[string]float64{"score": 1}},
	}
	b = &rollout.Batch{Trajectories: []*rollout.Trajectory{tr}}
	if err := b.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := m.Assign(b, nil); err != nil {
		t.Fatal(err)
	}
	assertVec(t, "summaries", tr.Advantages, []float64{0.75, 0.75, 0.5, -0.5, 0.375, 0.375, 0, 0}, 1e-12)

	tr.Steps[4].Rewards = nil
	wantInputError(t, m.Assign(b, nil), "steps[kind=<budget_kind>].rewards.<score>")
	tr.Steps[4].Rewards = map[string]float64{"score": 1}
	if err := m.Assign(b, values(t, m, "budget_probs=1,x")); err == nil {
		t.Fatal("want an error for bad budget_probs")
	}
	if err := m.Assign(b, values(t, m, "budget_probs=1,3")); err != nil {
		t.Fatal(err)
	}
}

// knapsack.grpo: advantages of the base method, p̂ per prompt in state.
func TestKnapsackRegistered(t *testing.T) {
	mk := func(o []float64) *rollout.Batch {
		b := &rollout.Batch{}
		for i, r := range o {
			tr := traj("t"+strconv.Itoa(i), "uid-random-"+strconv.Itoa(i/2), 2, map[string]float64{"outcome": r})
			tr.Features = map[string]any{"prompt": "q" + strconv.Itoa(i/2)}
			b.Trajectories = append(b.Trajectories, tr)
		}
		return b
	}
	m := lookup(t, KnapsackMethod)
	v := values(t, m, "prompt_key=features.prompt", "ema=0.5")
	st := credit.NewState()
	o := []float64{1, 0, 1, 1}
	b := mk(o)
	if err := m.AssignState(b, v, st); err != nil {
		t.Fatal(err)
	}
	assertAdv(t, b, grpoOf(t, o, credit.GroupIDs(b), b), 1e-12)
	p, err := KnapsackEstimates(st)
	if err != nil || p["q0"] != 0.5 || p["q1"] != 1 {
		t.Fatalf("p_hat = %v, %v; want q0 0.5, q1 1", p, err)
	}
	var eff float64
	if _, err := st.For(KnapsackMethod).Get("effective_ratio", &eff); err != nil || eff != 0.5 {
		t.Fatalf("effective ratio %v, %v; want 0.5", eff, err)
	}
	// Second batch: q0 all fail → EMA 0.5·0.5 + 0.5·0 = 0.25.
	if err := m.AssignState(mk([]float64{0, 0}), v, st); err != nil {
		t.Fatal(err)
	}
	p, _ = KnapsackEstimates(st)
	if p["q0"] != 0.25 || p["q1"] != 1 {
		t.Fatalf("p_hat after EMA = %v", p)
	}
	n, err := KnapsackAllocate([]float64{p["q0"], p["q1"]}, KnapsackOptions{Budget: 12, MinN: 2, MaxN: 10, Fallback: true})
	if err != nil || n[0] != 10 || n[1] != 2 {
		t.Fatalf("allocation %v, %v; want [10 2]", n, err)
	}
	b = mk(o)
	delete(b.Trajectories[3].Features, "prompt")
	wantInputError(t, m.AssignState(b, v, st), "<prompt_key>")
}
