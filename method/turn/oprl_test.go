package turn

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestImplicitStepRewardsHand(t *testing.T) {
	// β = 0.1; step 0 = tokens 0, 1: (−1 + 1.5) + (−2 + 2) = 0.5 → 0.05;
	// step 1 = tokens 2 (mask 0, skipped), 3: −1 + 0.5 = −0.5 → −0.05.
	phi := []float64{-1, -2, -0.5, -1}
	old := []float64{-1.5, -2, -1, -0.5}
	mask := []float64{1, 1, 0, 1}
	r, err := ImplicitStepRewards(phi, old, mask, []Span{{Start: 0, End: 2}, {Start: 2, End: 4}}, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	checkVec(t, "r", r, []float64{0.05, -0.05}, 1e-12)
	if _, err := ImplicitStepRewards(phi, old[:3], nil, nil, 0.1); err == nil {
		t.Fatal("length mismatch accepted")
	}
	if _, err := ImplicitStepRewards(phi, old, nil, []Span{{Start: 0, End: 5}}, 0.1); err == nil {
		t.Fatal("span outside tokens accepted")
	}
}

func TestOPRLHand(t *testing.T) {
	// Rows 0, 1 in group g (outcomes 1, 0), row 2 alone in group h (outcome 1).
	// Episode part (eps = 0): g mean 0.5, unbiased std √0.5 → ±0.5/√0.5;
	// h is a singleton → keeps its raw score 1.
	// Step part (group sets): g steps {0.05, −0.05, 0.2}, h steps {0.3, 0.1}.
	outcome := []float64{1, 0, 1}
	grp := []string{"g", "g", "h"}
	sr := [][]float64{{0.05, -0.05}, {0.2}, {0.3, 0.1}}
	opt := DefaultOPRLOptions()
	opt.Epsilon = 0
	opt.StepCoef = 0.5
	got, err := OPRL(outcome, grp, sr, opt)
	if err != nil {
		t.Fatal(err)
	}
	ae := 0.5 / math.Sqrt(0.5)
	mg := 0.2 / 3
	sg := math.Sqrt((sq(0.05-mg) + sq(-0.05-mg) + sq(0.2-mg)) / 2)
	sh := math.Sqrt((sq(0.1) + sq(-0.1)) / 1)
	want := [][]float64{
		{ae + 0.5*(0.05-mg)/sg, ae + 0.5*(-0.05-mg)/sg},
		{-ae + 0.5*(0.2-mg)/sg},
		{1 + 0.5*0.1/sh, 1 - 0.5*0.1/sh},
	}
	checkRows(t, "A", got, want, 1e-12)

	// Batch sets and the return signal (γ = 1): x = [[0, −0.05], [0.2], [0.4, 0.1]].
	opt.StepNorm, opt.Signal, opt.Gamma = NormBatch, OPRLReturn, 1
	got, err = OPRL(outcome, grp, sr, opt)
	if err != nil {
		t.Fatal(err)
	}
	x := []float64{0, -0.05, 0.2, 0.4, 0.1}
	m := (0 - 0.05 + 0.2 + 0.4 + 0.1) / 5
	ss := 0.0
	for _, v := range x {
		ss += sq(v - m)
	}
	s := math.Sqrt(ss / 4)
	z := func(v float64) float64 { return 0.5 * (v - m) / s }
	checkRows(t, "batch/return", got, [][]float64{{ae + z(0), ae + z(-0.05)}, {-ae + z(0.2)}, {1 + z(0.4), 1 + z(0.1)}}, 1e-12)
}

func sq(x float64) float64 { return x * x }

// With β = 0 the step rewards vanish and OPRL equals its episode part.
func TestOPRLBetaZeroIsEpisodePart(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 20; trial++ {
		n := 1 + rng.IntN(6)
		outcome := make([]float64, n)
		grp := make([]string, n)
		sr := make([][]float64, n)
		for i := range outcome {
			outcome[i] = float64(rng.IntN(2))
			grp[i] = string(rune('a' + rng.IntN(2)))
			L := 8
			phi, old := make([]float64, L), make([]float64, L)
			for j := range phi {
				phi[j], old[j] = -rng.Float64()*3, -rng.Float64()*3
			}
			var err error
			if sr[i], err = ImplicitStepRewards(phi, old, nil, []Span{{Start: 0, End: 3}, {Start: 3, End: 8}}, 0); err != nil {
				t.Fatal(err)
			}
		}
		for _, norm := range []Norm{NormGroup, NormBatch, NormNone} {
			opt := DefaultOPRLOptions()
			opt.Beta, opt.StepNorm = 0, norm
			got, err := OPRL(outcome, grp, sr, opt)
			if err != nil {
				t.Fatal(err)
			}
			opt.StepCoef = 0 // the episode part alone
			ep, _ := OPRL(outcome, grp, sr, opt)
			checkRows(t, "beta0", got, ep, 0)
		}
	}
}

func TestPRMDPOLossHand(t *testing.T) {
	// Pair 0: β(Δ⁺ − Δ⁻) = 0.5·2 = 1 → −log σ(1) = log(1 + e^{−1}).
	// Pair 1: 0 → log 2.
	got, err := PRMDPOLoss([]float64{2, 0}, []float64{0, 0}, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	want := (math.Log(1+math.Exp(-1)) + math.Log(2)) / 2
	if !near(got, want, 1e-12) {
		t.Fatalf("loss = %v, want %v", got, want)
	}
	if _, err := PRMDPOLoss(nil, nil, 1); err == nil {
		t.Fatal("empty pairs accepted")
	}
	// Large margins do not overflow.
	if l, _ := PRMDPOLoss([]float64{-2000}, []float64{0}, 1); !near(l, 2000, 1e-12) {
		t.Fatalf("loss of a large wrong margin = %v, want 2000", l)
	}
}
