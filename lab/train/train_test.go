package train

import (
	"math"
	"testing"

	"github.com/credo-rl/credo/lab/internal/toyenv"
	"github.com/credo-rl/credo/lab/policy"
	"github.com/credo-rl/credo/lab/sample"
	"github.com/credo-rl/credo/rollout"
)

// twoTokens is one trajectory of two tokens on the corridor, at a
// uniform tabular policy (3 actions): (start 0, t 0, right) with
// advantage 1 and (start 1, t 1, left) with advantage −2.
func twoTokens(t *testing.T) (*policy.Tabular, *sample.Built) {
	t.Helper()
	e := toyenv.NewCorridor()
	pol := policy.NewTabular(e, 0, 1)
	s0, s1 := e.StartDist()[0].S, e.StartDist()[1].S
	lp := math.Log(1.0 / 3)
	tr := &rollout.Trajectory{ID: "x", Tokens: []int64{1, 0}, Mask: []float64{1, 1}, OldLogProbs: []float64{lp, lp},
		Advantages: []float64{1, -2}, Rewards: map[string]float64{"outcome": 0}}
	b := &sample.Built{Batch: &rollout.Batch{Trajectories: []*rollout.Trajectory{tr}},
		Tokens: [][]sample.Token{{{S: s0, T: 0, A: 1}, {S: s1, T: 1, A: 0}}}, Ep: []int{0}, Role: []int{0}}
	return pol, b
}

func TestReinforceGradientByHand(t *testing.T) {
	pol, b := twoTokens(t)
	u := Update{Loss: Reinforce, Config: DefaultUpdate().Config}
	res, err := LossGrad(pol, b, u)
	if err != nil {
		t.Fatal(err)
	}
	// GPG, token-mean over 2 tokens: ∂loss/∂log π_j = −A_j/2.
	if g := res.GradLogProb[0]; g[0] != -0.5 || g[1] != 1 {
		t.Fatalf("∂loss/∂log π = %v, want [−0.5 1]", g)
	}
	// Softmax: ∂log π(a)/∂z = e_a − π with π = 1/3 each.
	g := ParamGrad(pol, b, res.GradLogProb)
	tok := b.Tokens[0]
	o0, o1 := pol.Offset(tok[0].S, 0), pol.Offset(tok[1].S, 1)
	want0 := []float64{1.0 / 6, -1.0 / 3, 1.0 / 6}  // −0.5·(e_1 − 1/3)
	want1 := []float64{2.0 / 3, -1.0 / 3, -1.0 / 3} // +1·(e_0 − 1/3)
	for a := 0; a < 3; a++ {
		if math.Abs(g[o0+a]-want0[a]) > 1e-12 || math.Abs(g[o1+a]-want1[a]) > 1e-12 {
			t.Fatalf("gradient at a=%d: %g %g, want %g %g", a, g[o0+a], g[o1+a], want0[a], want1[a])
		}
	}
	// Step: Adam's first step is −lr·sign(g) on each coordinate.
	opt := policy.NewAdam(0.1)
	st, err := Step(pol, opt, b, u)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(st.GradNorm-math.Sqrt(5.0/6)) > 1e-12 {
		t.Fatalf("grad norm %g, want √(5/6)", st.GradNorm)
	}
	p := pol.Params()
	for a := 0; a < 3; a++ {
		if math.Abs(p[o0+a]+0.1*math.Copysign(1, want0[a])) > 1e-6 || math.Abs(p[o1+a]+0.1*math.Copysign(1, want1[a])) > 1e-6 {
			t.Fatalf("params after one step at a=%d: %g %g", a, p[o0+a], p[o1+a])
		}
	}
}

func TestWeightAndMCReturns(t *testing.T) {
	tr := &rollout.Trajectory{Mask: []float64{1, 0, 1}, LossWeights: []float64{0.5, 1, 2}}
	if Weight(tr, 0) != 0.5 || Weight(tr, 1) != 0 || Weight(tr, 2) != 2 {
		t.Fatalf("weights %g %g %g", Weight(tr, 0), Weight(tr, 1), Weight(tr, 2))
	}
	b := &sample.Built{Batch: &rollout.Batch{Trajectories: []*rollout.Trajectory{
		{Tokens: make([]int64, 4), TokenRewards: []float64{0, 1, 0, 2}},
		{Tokens: make([]int64, 3), Rewards: map[string]float64{"outcome": 0.7}},
	}}}
	r := MCReturns(b)
	want := [][]float64{{3, 3, 2, 2}, {0.7, 0.7, 0.7}}
	for i := range want {
		for j := range want[i] {
			if r[i][j] != want[i][j] {
				t.Fatalf("returns %v, want %v", r, want)
			}
		}
	}
}

func TestNewMethodOverrides(t *testing.T) {
	m, err := NewMethod("verl.grpo", map[string]any{"norm_adv_by_std_in_grpo": false, "no_such_parameter": 1})
	if err != nil {
		t.Fatal(err)
	}
	if m.Values["norm_adv_by_std_in_grpo"] != false {
		t.Fatalf("override not applied: %v", m.Values)
	}
	if _, err := NewMethod("verl.grpo", map[string]any{"norm_adv_by_std_in_grpo": 1.0}); err == nil {
		t.Fatal("a float for a bool parameter was accepted")
	}
	if _, err := NewMethod("no.such.method", nil); err == nil {
		t.Fatal("unknown method accepted")
	}
}

func TestUpdateCriticMovesTowardsReturns(t *testing.T) {
	_, b := twoTokens(t)
	b.Batch.Trajectories[0].TokenRewards = []float64{0, 1}
	c := newTestTable()
	if err := UpdateCritic(c, b, 1, false); err != nil {
		t.Fatal(err)
	}
	// Monte Carlo returns-to-go are 1 and 1: one Adam step of lr 0.1 from 0.
	for _, tok := range b.Tokens[0] {
		if v := c.V(tok.S, tok.T, 0); math.Abs(v-0.1) > 1e-6 {
			t.Fatalf("V after one step = %g", v)
		}
	}
}
