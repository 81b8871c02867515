package turn

import (
	"math"
	"testing"
)

func TestSotopiaAttributedReward(t *testing.T) {
	// (3/3)·9 = 9, (1/3)·9 = 3, 0 → 0, invalid (−1) → −1.
	for _, c := range []struct{ a, want float64 }{{3, 9}, {1, 3}, {0, 0}, {-1, -1}} {
		if got := SotopiaAttributedReward(c.a, 3, 9); !near(got, c.want, 1e-12) {
			t.Fatalf("attribution %v: %v, want %v", c.a, got, c.want)
		}
	}
}

func TestCombineRewardsHand(t *testing.T) {
	x := [][]float64{{8, 2, 6}, {2, 4, 0}}
	// Equal weights = mean: 16/3, 2.
	got, err := CombineRewards(x, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkVec(t, "mean", got, []float64{16.0 / 3, 2}, 1e-12)
	// Weights 0.5, 0.25, 0.25: 4 + 0.5 + 1.5 = 6; 1 + 1 + 0 = 2.
	got, _ = CombineRewards(x, []float64{0.5, 0.25, 0.25})
	checkVec(t, "weighted", got, []float64{6, 2}, 1e-12)
	if _, err := CombineRewards(x, []float64{1}); err == nil {
		t.Fatal("weight count mismatch accepted")
	}
	if _, err := CombineRewards([][]float64{{1, 2}, {1}}, nil); err == nil {
		t.Fatal("ragged dimensions accepted")
	}
}

func TestSotopiaRLHand(t *testing.T) {
	// Weights (1, 0.5): combined = [6, 3, 6, 1.5]. Set 0 = {6, 3, 6}: mean 5,
	// unbiased var (1 + 4 + 1)/2 = 3 → [1, −2, 1]/√3; set 1 = {1.5} → 0.
	x := [][]float64{{6, 0}, {2, 2}, {4, 4}, {1, 1}}
	opt := SotopiaOptions{Weights: []float64{1, 0.5}, NormByStd: true}
	adv, comb, err := SotopiaRL(x, []int{0, 0, 0, 1}, 2, opt)
	if err != nil {
		t.Fatal(err)
	}
	s := math.Sqrt(3)
	checkVec(t, "combined", comb, []float64{6, 3, 6, 1.5}, 1e-12)
	checkVec(t, "adv", adv, []float64{1 / s, -2 / s, 1 / s, 0}, 1e-12)
	// No sets: the combined reward itself.
	adv, _, _ = SotopiaRL(x, nil, 0, opt)
	checkVec(t, "none", adv, []float64{6, 3, 6, 1.5}, 1e-12)
}
