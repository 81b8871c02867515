package reward

import (
	"math"
	"strings"
	"testing"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Budgets by hand. Exponential, B_0 = 1000, floor 100, decay 0.5:
// step 2 → 1000·0.25 = 250; step 4 → 62.5 → the floor 100.
// Linear, B_0 = 1000, floor 200, T = 4: step 1 → 1000 − 800/4 = 800;
// step 5 → 1000 − 1000 = 0 → the floor 200.
func TestLengthBudgetHand(t *testing.T) {
	exp := BudgetOptions{Start: 1000, Min: 100, Schedule: "exponential", Decay: 0.5}
	lin := BudgetOptions{Start: 1000, Min: 200, Schedule: "linear", Steps: 4}
	for _, c := range []struct {
		o    BudgetOptions
		step int
		want float64
	}{{exp, 0, 1000}, {exp, 2, 250}, {exp, 4, 100}, {lin, 1, 800}, {lin, 5, 200}} {
		got, err := LengthBudget(c.step, c.o)
		if err != nil || math.Abs(got-c.want) > 1e-12 {
			t.Fatalf("%s step %d: got %v, %v; want %v", c.o.Schedule, c.step, got, err, c.want)
		}
	}
	if _, err := LengthBudget(0, BudgetOptions{Start: 10, Min: 20, Schedule: "linear", Steps: 1}); err == nil {
		t.Fatal("budget_min above budget_start accepted")
	}
}

// TLTS by hand, B = 100, w_len = w_fmt = 0.5:
//
//	correct, L=50,  f=1: 1 + 0.5·(50/100)          + 0.5 = 1.75
//	correct, L=150, f=0: 1 + 0.5·(−50/100)               = 0.75
//	wrong,   L=10,  f=1: 0 (no length term for a wrong one) + 0.5 = 0.5
//	correct, L=300, f=1: 1 + 0.5·clip(−2 → −1)     + 0.5 = 1.0
func TestTLTSRewardsHand(t *testing.T) {
	r, err := TLTSRewards([]float64{1, 1, 0, 1}, []float64{50, 150, 10, 300}, []float64{1, 0, 1, 1}, 100,
		TLTSOptions{Threshold: 0.5, LengthWeight: 0.5, FormatWeight: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	assertVec(t, "r", r, []float64{1.75, 0.75, 0.5, 1.0}, 1e-12)
}

// The budget curriculum across calls, through the registry with state:
// two correct responses of 40 and 80 tokens, B_0 = 100, decay 0.5, no
// format term. Call 1 (B = 100): 1 + 0.5·0.6 = 1.3, 1 + 0.5·0.2 = 1.1.
// Call 2 (B = 50): 1 + 0.5·(10/50) = 1.1, 1 + 0.5·(−30/50) = 0.7.
func TestTLTSCurriculumState(t *testing.T) {
	st := credit.NewState()
	sets := []string{"budget_start=100", "budget_min=10", "decay=0.5", "format="}
	batch := func() *rollout.Batch {
		return &rollout.Batch{Trajectories: []*rollout.Trajectory{traj("a", "g", 40, 1), traj("b", "g", 80, 1)}}
	}
	assertVec(t, "call 1", stageRewards(t, batch(), "tlts", st, sets...), []float64{1.3, 1.1}, 1e-12)
	assertVec(t, "call 2", stageRewards(t, batch(), "tlts", st, sets...), []float64{1.1, 0.7}, 1e-12)
	var step int
	var budget float64
	s := st.For("tlts")
	if _, err := s.Get("step", &step); err != nil || step != 2 {
		t.Fatalf("state step = %d (%v), want 2", step, err)
	}
	if _, err := s.Get("budget", &budget); err != nil || budget != 50 {
		t.Fatalf("state budget = %v (%v), want 50 (the budget of call 2)", budget, err)
	}
	// An explicit step overrides the state: step=1 → B = 50 again.
	assertVec(t, "step=1", stageRewards(t, batch(), "tlts", nil, append(sets, "step=1")...), []float64{1.1, 0.7}, 1e-12)
}

// AdaCtrl by hand (w_cal = w_len = 0.5, easy when accuracy ≥ 0.5).
// Group g1: outcomes 1,1,1,0 → accuracy 0.75, easy; L_max = 40.
//
//	easy tag, correct, L=10: 1 + 0.5 − 0.5·10/40 = 1.375
//	easy tag, correct, L=20: 1 + 0.5 − 0.5·20/40 = 1.25
//	hard tag, correct, L=30: 1 − 0.5             = 0.5
//	hard tag, wrong,   L=40: 0 − 0.5             = −0.5
//
// Group g2: outcomes 0,1 → accuracy 0.5, easy; L_max = 8.
//
//	hard tag, wrong,   L=8:  0 − 0.5             = −0.5
//	easy tag, correct, L=4:  1 + 0.5 − 0.5·4/8   = 1.25
func TestAdaCtrlHand(t *testing.T) {
	idx := []string{"g1", "g1", "g1", "g1", "g2", "g2"}
	r, err := AdaCtrlRewards([]float64{1, 1, 1, 0, 0, 1}, []float64{10, 20, 30, 40, 8, 4},
		[]bool{false, false, true, true, true, false}, idx,
		AdaCtrlOptions{Threshold: 0.5, EasyAccuracy: 0.5, CalibrationWeight: 0.5, LengthWeight: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{1.375, 1.25, 0.5, -0.5, -0.5, 1.25}
	assertVec(t, "r", r, want, 1e-12)
	// The same through the registry, tags as the paper writes them.
	b := &rollout.Batch{}
	tags := []string{"[Easy]", "[Easy]", "[Hard]", "[Hard]", "[Hard]", "[Easy]"}
	for i, n := range []int{10, 20, 30, 40, 8, 4} {
		tr := traj(string(rune('a'+i)), idx[i], n, []float64{1, 1, 1, 0, 0, 1}[i])
		tr.Features["difficulty_tag"] = tags[i]
		b.Trajectories = append(b.Trajectories, tr)
	}
	assertVec(t, "registry", stageRewards(t, b, "adactrl", nil), want, 1e-12)
	b.Trajectories[0].Features["difficulty_tag"] = "medium"
	m, _ := credit.Lookup("adactrl")
	if err := m.Assign(b, nil); err == nil || !strings.Contains(err.Error(), `traj_uid "a"`) {
		t.Fatalf("bad tag: %v", err)
	}
}

// Adaptive Deep Reasoning by hand (β = 0.5, θ = 0.5).
// Group a: short,short,long,long with outcomes 1,0,1,1 → short accuracy
// 0.5 → short preferred: 1.5, 0, 0.5, 0.5.
// Group b: short (wrong), long (correct) → short accuracy 0 → long: 0, 1.5.
// Group c: one long, correct, no short samples → long: 1.5.
func TestADRHand(t *testing.T) {
	r, err := ADRRewards([]float64{1, 0, 1, 1, 0, 1, 1}, []bool{true, true, false, false, true, false, false},
		[]string{"a", "a", "a", "a", "b", "b", "c"}, ADROptions{Threshold: 0.5, ShortAccuracy: 0.5, Bonus: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	assertVec(t, "r", r, []float64{1.5, 0, 0.5, 0.5, 0, 1.5, 1.5}, 1e-12)
}

// SCoRe by hand, α = 10: (r1, r2) = (0,1): 0 + 1 + 10 = 11; (1,1): 2;
// (0,0): 0; (1,0): 1 + 0 − 10 = −9. Without r1: 11, 1, 0, −10.
func TestSCoReHand(t *testing.T) {
	r1, r2 := []float64{0, 1, 0, 1}, []float64{1, 1, 0, 0}
	got, err := SCoReRewards(r1, r2, 10, true)
	if err != nil {
		t.Fatal(err)
	}
	assertVec(t, "with r1", got, []float64{11, 2, 0, -9}, 1e-12)
	got, _ = SCoReRewards(r1, r2, 10, false)
	assertVec(t, "without r1", got, []float64{11, 1, 0, -10}, 1e-12)
}

// SCoRe end to end with verl.grpo: one group with rewards 11, 2, 0, −9
// (the attempts above as two steps). Mean 1, deviations 10, 1, −1, −10,
// unbiased std √(202/3) = 8.2056890; advantages 10/8.2056890 = 1.2186666
// and 1/8.2056890 = 0.1218667 (ε = 1e-6 is below the tolerance).
func TestSCoReEndToEndGRPO(t *testing.T) {
	b := &rollout.Batch{}
	for i, p := range [][2]float64{{0, 1}, {1, 1}, {0, 0}, {1, 0}} {
		tr := traj(string(rune('a'+i)), "g", 4, 0)
		tr.Steps = []rollout.Step{{Start: 0, End: 2, Rewards: map[string]float64{"reward": p[0]}}, {Start: 2, End: 4, Rewards: map[string]float64{"reward": p[1]}}}
		b.Trajectories = append(b.Trajectories, tr)
	}
	if err := credit.Assign(b, "score"); err != nil {
		t.Fatal(err)
	}
	want := []float64{1.2186666, 0.1218667, -0.1218667, -1.2186666}
	for i, tr := range b.Trajectories {
		assertVec(t, tr.ID, tr.Advantages, []float64{want[i], want[i], want[i], want[i]}, 1e-6)
	}
}

// CRew by hand: answer tokens with log-probs −0.5 and −0.3.
// geo_mean: exp(−0.8/2) = exp(−0.4) = 0.6703200460;
// mean_prob: (e^−0.5 + e^−0.3)/2 = (0.6065306597 + 0.7408182207)/2 = 0.6736744402;
// product: exp(−0.8) = 0.4493289641.
func TestAnswerConfidenceHand(t *testing.T) {
	lp := []float64{-0.1, -2, -0.5, -0.3}
	ans := []bool{false, false, true, true}
	for agg, want := range map[string]float64{"geo_mean": 0.6703200460, "mean_prob": 0.6736744402, "product": 0.4493289641} {
		got, err := AnswerConfidence(lp, ans, agg)
		if err != nil || math.Abs(got-want) > 1e-9 {
			t.Fatalf("%s: got %v, %v; want %v", agg, got, err, want)
		}
	}
	if _, err := AnswerConfidence([]float64{0.1}, []bool{true}, "geo_mean"); err == nil {
		t.Fatal("positive log-prob accepted")
	}
}

// CRew through the registry: tagged answer tokens; an untagged response
// falls back to its last valid token (log-prob −0.2 → e^−0.2 = 0.8187307531);
// with outcome_weight 1 the outcome (1) is added.
func TestCRewRegistry(t *testing.T) {
	a := traj("a", "g", 4, 1)
	a.OldLogProbs = []float64{-0.1, -2, -0.5, -0.3}
	a.Tags = map[string][]int8{"answer": {0, 0, 1, 1}}
	bb := traj("b", "g", 3, 0)
	bb.OldLogProbs = []float64{-1, -0.2, -3}
	bb.Mask = []float64{1, 1, 0}
	b := &rollout.Batch{Trajectories: []*rollout.Trajectory{a, bb}}
	assertVec(t, "confidence", stageRewards(t, b, "crew", nil), []float64{0.6703200460, 0.8187307531}, 1e-9)
	assertVec(t, "with outcome", stageRewards(t, b, "crew", nil, "outcome_weight=1"), []float64{1.6703200460, 0.8187307531}, 1e-9)
}

// Welfare by hand: u = 0.64, m = 0.25. Cobb-Douglas w = 0.5: √0.16 = 0.4;
// w = 0.25: 0.64^0.25·0.25^0.75 = 0.8944272·0.3535534 = 0.3162278 (= √0.1);
// utilitarian 0.5: 0.445; rawlsian: 0.25; a zero payoff: 0.
func TestWelfareHand(t *testing.T) {
	for _, c := range []struct {
		u, m, w float64
		kind    string
		want    float64
	}{{0.64, 0.25, 0.5, "cobb_douglas", 0.4}, {0.64, 0.25, 0.25, "cobb_douglas", math.Sqrt(0.1)},
		{0.64, 0.25, 0.5, "utilitarian", 0.445}, {0.64, 0.25, 0.5, "rawlsian", 0.25}, {0, 0.9, 0.5, "cobb_douglas", 0}} {
		got, err := Welfare(c.u, c.m, c.w, c.kind)
		if err != nil || math.Abs(got-c.want) > 1e-12 {
			t.Fatalf("%+v: got %v, %v", c, got, err)
		}
	}
	if _, err := Welfare(-0.1, 1, 0.5, "cobb_douglas"); err == nil {
		t.Fatal("negative payoff accepted by Cobb-Douglas")
	}
}

// GTAlign through the registry: payoffs (0.64, 0.25) and (1, 0.81) →
// √0.16 = 0.4 and √0.81 = 0.9; with extra=format (0.5, 0): 0.9, 0.9.
func TestGTAlignRegistry(t *testing.T) {
	a, c := traj("a", "g", 2, 0), traj("c", "g", 2, 0)
	a.Rewards = map[string]float64{"user_payoff": 0.64, "model_payoff": 0.25, "format": 0.5}
	c.Rewards = map[string]float64{"user_payoff": 1, "model_payoff": 0.81, "format": 0}
	b := &rollout.Batch{Trajectories: []*rollout.Trajectory{a, c}}
	assertVec(t, "welfare", stageRewards(t, b, "gtalign", nil), []float64{0.4, 0.9}, 1e-12)
	assertVec(t, "with format", stageRewards(t, b, "gtalign", nil, "extra=format"), []float64{0.9, 0.9}, 1e-12)
}

// Auto-CEI by hand, N_t = 4, rewards +1 / −1 / 0.5:
// correct → 1; wrong → −1; refusal after 2 steps → 0.5·2/4 = 0.25;
// refusal after 6 steps → 0.5·min(1, 1.5) = 0.5.
// Curriculum: refusal share 0.5 > 0.2 → N_t = 5; share 0 → 4 − 1 = 3; at the floor 1 → 1.
func TestAutoCEIHand(t *testing.T) {
	ref := []bool{false, false, true, true}
	r, err := AutoCEIRewards([]float64{1, 0, 0, 0}, ref, []float64{3, 3, 2, 6}, 4, AutoCEIOptions{Threshold: 0.5, Correct: 1, Wrong: -1, Refusal: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	assertVec(t, "r", r, []float64{1, -1, 0.25, 0.5}, 1e-12)
	if got := AutoCEIUpdate(4, ref, 0.2, 1, 1); got != 5 {
		t.Fatalf("update above target: %v, want 5", got)
	}
	if got := AutoCEIUpdate(4, []bool{false, false}, 0.2, 1, 1); got != 3 {
		t.Fatalf("update below target: %v, want 3", got)
	}
	if got := AutoCEIUpdate(1, []bool{false}, 0.2, 1, 1); got != 1 {
		t.Fatalf("update at the floor: %v, want 1", got)
	}
}

// Auto-CEI's curriculum through the registry with state: two refusals
// after 2 steps and two correct answers (share 0.5 > 0.2).
// Call 1: N_t = 4 → refusal reward 0.5·2/4 = 0.25; then N_t = 5.
// Call 2: refusal reward 0.5·2/5 = 0.2; then N_t = 6.
func TestAutoCEIState(t *testing.T) {
	batch := func() *rollout.Batch {
		b := &rollout.Batch{}
		for i, refuse := range []bool{true, true, false, false} {
			tr := traj(string(rune('a'+i)), "g", 4, 1)
			tr.Features["refusal"] = refuse
			tr.Steps = []rollout.Step{{Start: 0, End: 2}, {Start: 2, End: 4}}
			b.Trajectories = append(b.Trajectories, tr)
		}
		return b
	}
	st := credit.NewState()
	assertVec(t, "call 1", stageRewards(t, batch(), "auto_cei", st), []float64{0.25, 0.25, 1, 1}, 1e-12)
	assertVec(t, "call 2", stageRewards(t, batch(), "auto_cei", st), []float64{0.2, 0.2, 1, 1}, 1e-12)
	var nt float64
	if _, err := st.For("auto_cei").Get("n_t", &nt); err != nil || nt != 6 {
		t.Fatalf("n_t = %v (%v), want 6", nt, err)
	}
}

// Mixture by hand: channels (1, 0) and (0, 1) with weights 3, 1 →
// 3/4 = 0.75 and 1/4 = 0.25. Gate (1, 0.4) at 0.5 with fail −1 → 0.75, −1.
func TestMixtureHand(t *testing.T) {
	r, err := Mixture([][]float64{{1, 0}, {0, 1}}, []float64{3, 1})
	if err != nil {
		t.Fatal(err)
	}
	assertVec(t, "mixture", r, []float64{0.75, 0.25}, 1e-12)
	g, err := Gated(r, []float64{1, 0.4}, 0.5, -1)
	if err != nil {
		t.Fatal(err)
	}
	assertVec(t, "gated", g, []float64{0.75, -1}, 1e-12)
	if _, err := Mixture([][]float64{{1}}, []float64{0}); err == nil {
		t.Fatal("zero weights accepted")
	}
}

// R³ and Retro* through the registry: relevance 0.8 / 0.2, outcome 0 / 1,
// format 1 / 0. r3 (0.5, 0.5): 0.4, 0.6. retro_star (relevance alone,
// gated by format): 0.8, 0 (fail_reward).
func TestR3RetroRegistry(t *testing.T) {
	a, c := traj("a", "g", 2, 0), traj("c", "g", 2, 1)
	a.Rewards["relevance"], a.Rewards["format"] = 0.8, 1
	c.Rewards["relevance"], c.Rewards["format"] = 0.2, 0
	b := &rollout.Batch{Trajectories: []*rollout.Trajectory{a, c}}
	assertVec(t, "r3", stageRewards(t, b, "r3", nil), []float64{0.4, 0.6}, 1e-12)
	assertVec(t, "retro_star", stageRewards(t, b, "retro_star", nil), []float64{0.8, 0}, 1e-12)
	m, _ := credit.Lookup("r3")
	if _, err := m.Parse([]string{"weights=1,x"}); err == nil {
		t.Fatal("bad weights accepted")
	}
	if err := credit.Assign(b, "r3", "weights=1,1,1"); err == nil || !strings.Contains(err.Error(), "3 weights for 2 channels") {
		t.Fatalf("weight count: %v", err)
	}
}

// ADCL by hand: p̂ a=0.2, b=0.9, c=0.5, d=0.9, e=0 → easy to hard (ties
// by id): b, d, c, a, e; sizes 2, 2 → [b d] [c a] [e] with difficulties
// 1 − p̂. EqualSizes(7, 3) = 3, 2, 2.
func TestADCLHand(t *testing.T) {
	got, err := ADCLPlan([]string{"a", "b", "c", "d", "e"}, []float64{0.2, 0.9, 0.5, 0.9, 0}, []int{2, 2})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"b", "d"}, {"c", "a"}, {"e"}}
	diff := [][]float64{{0.1, 0.1}, {0.5, 0.8}, {1}}
	if len(got) != len(want) {
		t.Fatalf("got %d batches, want 3: %+v", len(got), got)
	}
	for k := range want {
		if strings.Join(got[k].Prompts, ",") != strings.Join(want[k], ",") {
			t.Fatalf("batch %d: %v, want %v", k, got[k].Prompts, want[k])
		}
		assertVec(t, "difficulty", got[k].Difficulty, diff[k], 1e-12)
	}
	s, err := EqualSizes(7, 3)
	if err != nil || len(s) != 3 || s[0] != 3 || s[1] != 2 || s[2] != 2 {
		t.Fatalf("EqualSizes(7, 3) = %v, %v", s, err)
	}
	if _, err := ADCLPlan([]string{"a"}, []float64{1.5}, []int{1}); err == nil {
		t.Fatal("estimate outside [0, 1] accepted")
	}
	if _, err := ADCLPlan([]string{"a", "a"}, []float64{0.5, 0.5}, []int{1}); err == nil {
		t.Fatal("duplicate prompt accepted")
	}
}
