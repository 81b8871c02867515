package group

import (
	"math"
	"testing"

	"github.com/credo-rl/credo/anchor/verl"
	"github.com/credo-rl/credo/internal/groups"
)

// One prompt, four completions, two reward functions (correctness
// [1,0,1,0], a raw length penalty [-120,-100,-60,-80]), weights [1, 1].
//
// sum_then_normalize, group scaling: R = [-119,-100,-59,-80], μ = -89.5,
// deviations [-29.5,-10.5,30.5,9.5], squares sum 2001, unbiased σ =
// sqrt(2001/3) = 25.826343; A = dev/(σ + 1e-4)
// = [-1.1422401, -0.4065600, 1.1809601, 0.3678400].
//
// normalize_then_sum: function 1: μ 0.5, σ = sqrt(1/3) = 0.5773503,
// z = ±0.5/(σ+1e-4) = ±0.8658754; function 2: μ -90, σ = sqrt(2000/3) =
// 25.819889, z = [-30,-10,30,10]/(σ+1e-4) = [-1.1618905,-0.3872968,1.1618905,0.3872968];
// R = z1 + z2 = [-0.2960151,-1.2531723,2.0277659,-0.4785786] (mean 0),
// σ_R = 1.4142, A = R/(σ_R+1e-4) = [-0.2093180,-0.8861424,1.4338726,-0.3384122].
func TestTRLHand(t *testing.T) {
	rpf := [][]float64{{1, -120}, {0, -100}, {1, -60}, {0, -80}}
	idx := []string{"p", "p", "p", "p"}
	a, err := TRLAdvantages(rpf, idx, DefaultTRLOptions())
	if err != nil {
		t.Fatal(err)
	}
	assertVec(t, "sum_then_normalize", a, []float64{-1.1422401, -0.4065600, 1.1809601, 0.3678400}, 1e-6)
	opt := DefaultTRLOptions()
	opt.Aggregation = NormalizeThenSum
	a, err = TRLAdvantages(rpf, idx, opt)
	if err != nil {
		t.Fatal(err)
	}
	assertVec(t, "normalize_then_sum", a, []float64{-0.2093180, -0.8861424, 1.4338726, -0.3384122}, 1e-6)
	// Weights [2, 0] make it a function of correctness alone: R = [2,0,2,0],
	// μ = 1, σ = sqrt(4/3) = 1.1547005, A = ±1/(σ+1e-4) = ±0.8659504.
	opt = DefaultTRLOptions()
	opt.Weights = []float64{2, 0}
	a, _ = TRLAdvantages(rpf, idx, opt)
	assertVec(t, "weights", a, []float64{0.8659504, -0.8659504, 0.8659504, -0.8659504}, 1e-6)
}

// Scaling modes with two groups: p = [1, 0, 0], q = [3, 5].
//
//	none:  A = R - group mean: [2/3, -1/3, -1/3, -1, 1]
//	batch: σ_batch of [1,0,0,3,5]: μ = 1.8, squares 0.64+3.24+3.24+1.44+10.24 = 18.8,
//	       σ = sqrt(18.8/4) = 2.1679483; A = (R - group mean)/(σ+1e-4)
//	group: p: σ = sqrt((4/9+1/9+1/9)/2) = 0.5773503; q: σ = sqrt(2) = 1.4142136
func TestTRLScaling(t *testing.T) {
	rpf := [][]float64{{1}, {0}, {0}, {3}, {5}}
	idx := []string{"p", "p", "p", "q", "q"}
	opt := DefaultTRLOptions()
	opt.ScaleRewards = ScaleNone
	a, _ := TRLAdvantages(rpf, idx, opt)
	assertVec(t, "none", a, []float64{2.0 / 3, -1.0 / 3, -1.0 / 3, -1, 1}, 1e-12)
	opt.ScaleRewards = ScaleBatch
	a, _ = TRLAdvantages(rpf, idx, opt)
	const sb = 2.1679483 + 1e-4
	assertVec(t, "batch", a, []float64{2.0 / 3 / sb, -1.0 / 3 / sb, -1.0 / 3 / sb, -1 / sb, 1 / sb}, 1e-6)
	opt.ScaleRewards = ScaleGroup
	a, _ = TRLAdvantages(rpf, idx, opt)
	const sp, sq = 0.5773503 + 1e-4, 1.4142136 + 1e-4
	assertVec(t, "group", a, []float64{2.0 / 3 / sp, -1.0 / 3 / sp, -1.0 / 3 / sp, -1 / sq, 1 / sq}, 1e-6)
	opt.ScaleRewards = "true"
	_, err := TRLAdvantages(rpf, idx, opt)
	assertErr(t, "bad scale_rewards", err)
	opt = DefaultTRLOptions()
	opt.Aggregation = "max"
	_, err = TRLAdvantages(rpf, idx, opt)
	assertErr(t, "bad aggregation", err)
}

// None (NaN) rewards: a function that returned None is left out of the
// sum; a completion no function scored gets 0; a group of one gets 0.
//
//	group p: rows [1, NaN], [NaN, NaN], [0, 2] → R = [1, NaN, 2]; nanmean 1.5,
//	  nanstd of [1, 2] = 0.7071068 → A = [-0.5/(σ+1e-4), 0, 0.5/(σ+1e-4)]
//	group q: one row → A = 0
func TestTRLNaN(t *testing.T) {
	n := math.NaN()
	rpf := [][]float64{{1, n}, {n, n}, {0, 2}, {5, 5}}
	idx := []string{"p", "p", "p", "q"}
	a, err := TRLAdvantages(rpf, idx, DefaultTRLOptions())
	if err != nil {
		t.Fatal(err)
	}
	const s = 0.7071068 + 1e-4
	assertVec(t, "nan", a, []float64{-0.5 / s, 0, 0.5 / s, 0}, 1e-6)
	for i, x := range a {
		if math.IsNaN(x) {
			t.Fatalf("row %d is NaN", i)
		}
	}
	opt := DefaultTRLOptions()
	opt.Aggregation = NormalizeThenSum
	a, _ = TRLAdvantages(rpf, idx, opt)
	if a[1] != 0 {
		t.Fatalf("unscorable row gets %v, want 0", a[1])
	}
	_, err = TRLAdvantages([][]float64{{math.Inf(1)}}, []string{"a"}, DefaultTRLOptions())
	assertErr(t, "Inf reward", err)
	_, err = TRLAdvantages([][]float64{{1}, {1, 2}}, []string{"a", "a"}, DefaultTRLOptions())
	assertErr(t, "ragged functions", err)
	opt = DefaultTRLOptions()
	opt.Weights = []float64{1, 2}
	_, err = TRLAdvantages([][]float64{{1}}, []string{"a"}, opt)
	assertErr(t, "weight count", err)
}

// Property: one reward function, group scaling, groups of two or more:
// TRL's advantage is verl's GRPO with ε = 1e-4 instead of 1e-6.
func TestTRLMatchesGRPO(t *testing.T) {
	r := []float64{1, 0, 0, 1, 1, 0.5, 2, 2, 3}
	idx := []string{"a", "a", "b", "b", "b", "c", "c", "c", "c"}
	rpf := make([][]float64, len(r))
	for i, x := range r {
		rpf[i] = []float64{x}
	}
	a, err := TRLAdvantages(rpf, idx, DefaultTRLOptions())
	if err != nil {
		t.Fatal(err)
	}
	g, n := groups.Index(idx)
	want, _ := verl.GRPOScalar(r, g, n, verl.GRPOOptions{Epsilon: 1e-4, NormByStd: true})
	assertVec(t, "grpo", a, want, 1e-12)
}
