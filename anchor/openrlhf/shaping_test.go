package openrlhf

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The group of the spec (§2): rewards [1,0,0,1,1,0,0,0], n = 8, μ = 0.375,
// σ_unbiased = 0.5175491695.
func TestShapeGroupRewardsSpecVector(t *testing.T) {
	r := []float64{1, 0, 0, 1, 1, 0, 0, 0}
	idx := []int{0, 1, 2, 3, 4, 5, 6, 7}
	cases := []struct {
		est      Estimator
		one, off float64
	}{
		// rloo: 1 − 2/7 = 0.7142857; 0 − 3/7 = −0.4285714.
		{EstimatorRLOO, 0.7142857142857143, -0.42857142857142855},
		// r − μ.
		{EstimatorReinforceBaseline, 0.625, -0.375},
		{EstimatorDrGRPO, 0.625, -0.375},
		// (r − μ)/(σ + 1e-9): 0.625/0.5175491705 = 1.2076147.
		{EstimatorGroupNorm, 1.2076147, -0.7245688},
		{EstimatorGAE, 1, 0},
		{EstimatorReinforce, 1, 0},
	}
	for _, c := range cases {
		got, err := ShapeGroupRewards(r, idx, 8, c.est)
		if err != nil {
			t.Fatal(err)
		}
		for i, x := range r {
			want := c.off
			if x == 1 {
				want = c.one
			}
			if math.Abs(got[i]-want) > 1e-6 {
				t.Errorf("%s: row %d = %.9g, want %.9g", c.est, i, got[i], want)
			}
		}
	}
}

// Groups follow index/n, not the row order: rows 0 and 3 (positions 2, 3)
// form group 1, rows 1 and 2 (positions 1, 0) group 0.
func TestShapeGroupRewardsIndex(t *testing.T) {
	r := []float64{4, 1, 3, 8}
	idx := []int{2, 1, 0, 3}
	got, err := ShapeGroupRewards(r, idx, 2, EstimatorReinforceBaseline)
	if err != nil {
		t.Fatal(err)
	}
	// group 1: {4, 8}, mean 6; group 0: {1, 3}, mean 2.
	wantVec(t, "shaped", got, []float64{-2, -1, 1, 2})
}

// rloo, reinforce_baseline and group_norm advantages sum to zero per group.
func TestShapeGroupRewardsZeroSum(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const n, groups = 6, 7
	r := make([]float64, n*groups)
	idx := rng.Perm(n * groups)
	for i := range r {
		r[i] = rng.NormFloat64()
	}
	for _, est := range []Estimator{EstimatorRLOO, EstimatorReinforceBaseline, EstimatorGroupNorm} {
		got, err := ShapeGroupRewards(r, idx, n, est)
		if err != nil {
			t.Fatal(err)
		}
		sum := make([]float64, groups)
		for k, a := range got {
			sum[idx[k]/n] += a
		}
		for g, s := range sum {
			if math.Abs(s) > 1e-9 {
				t.Errorf("%s: group %d sums to %g", est, g, s)
			}
		}
	}
}

func TestShapeGroupRewardsErrors(t *testing.T) {
	_, err := ShapeGroupRewards([]float64{1, 2}, []int{0, 0}, 2, EstimatorRLOO)
	wantErr(t, err, "index[1] = 0 appears twice")
	_, err = ShapeGroupRewards([]float64{1, 2}, []int{0, 2}, 2, EstimatorRLOO)
	wantErr(t, err, "index[1] = 2 is outside [0, 2)")
	_, err = ShapeGroupRewards([]float64{1, 2, 3}, []int{0, 1, 2}, 2, EstimatorRLOO)
	wantErr(t, err, "3 rows cannot be reshaped")
	_, err = ShapeGroupRewards([]float64{1, 2}, []int{0, 1}, 1, EstimatorGroupNorm)
	wantErr(t, err, "needs n_samples_per_prompt > 1")
	got, err := ShapeGroupRewards([]float64{1, 2}, []int{0, 1}, 1, EstimatorReinforceBaseline)
	if err != nil {
		t.Fatal(err)
	}
	wantVec(t, "n=1 reinforce_baseline", got, []float64{0, 0})
	_, err = ShapeGroupRewards([]float64{1}, []int{0}, 1, "grpo")
	wantErr(t, err, `unknown advantage estimator "grpo"`)
}

func TestOverlongPenalty(t *testing.T) {
	// expected = 16 − 4 = 12: len 10 -> none; 14 -> exceed 2 -> −0.5;
	// 20 -> exceed min(8, 4) = 4 -> −1 (× factor 1).
	got, err := OverlongPenalty([]float64{1, 1, 1}, []float64{10, 14, 20}, 16, 4, 1)
	if err != nil {
		t.Fatal(err)
	}
	wantVec(t, "rewards", got, []float64{1, 0.5, 0})
	_, err = OverlongPenalty([]float64{1}, []float64{1}, 2, 4, 1)
	wantErr(t, err, "max_new_tokens (2) must be >= overlong_buffer_len (4)")
}

func TestStopProperlyPenalty(t *testing.T) {
	r := []float64{2, 2, -4}
	tr := []bool{true, false, true}
	got, _ := StopProperlyPenalty(r, tr, 0.5)
	wantVec(t, "coef 0.5", got, []float64{1, 2, -2})
	got, _ = StopProperlyPenalty(r, tr, -0.5)
	wantVec(t, "coef -0.5", got, []float64{-0.5, 2, -0.5})
}

// A zero or negative buffer passes the reference's assertion and penalises
// nothing (exceed = min(len − max, buffer) <= 0).
func TestOverlongPenaltyZeroBuffer(t *testing.T) {
	for _, b := range []float64{0, -2} {
		got, err := OverlongPenalty([]float64{1, 0.5}, []float64{100, 3}, 4, b, 1)
		if err != nil {
			t.Fatal(err)
		}
		wantVec(t, "rewards", got, []float64{1, 0.5})
	}
}
