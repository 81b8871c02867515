package openrlhf

import (
	"math"
	"testing"
)

func TestComputeReward(t *testing.T) {
	r := []float64{2, 20}
	kl := [][]float64{{0.1, 0.2, 0.3}, {0.5, 0, 0}}
	mask := [][]float64{{1, 1, 0}, {0, 0, 0}}
	got, err := ComputeReward(r, kl, mask, 0.1, &DefaultRewardClip)
	if err != nil {
		t.Fatal(err)
	}
	// row 0: -0.1*kl everywhere, r=2 on the last mask position (1).
	// row 1: empty mask -> r clamped to 10 on position T-1 = 2.
	wantMat(t, "reward", got, [][]float64{{-0.01, -0.02 + 2, -0.03}, {-0.05, 0, 10}})
	if kl[0][1] != 0.2 || r[1] != 20 {
		t.Fatal("inputs were modified")
	}

	// kl_coef <= 0 disables the KL term; nil clip keeps r.
	got, err = ComputeReward(r, kl, mask, -1, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantMat(t, "reward", got, [][]float64{{0, 2, 0}, {0, 0, 20}})

	// interior zero: last non-zero wins.
	got, _ = ComputeReward([]float64{1}, [][]float64{{0, 0, 0, 0}}, [][]float64{{1, 0, 1, 0}}, 0.01, nil)
	wantMat(t, "reward", got, [][]float64{{0, 0, 1, 0}})
}

func TestComputeRewardErrors(t *testing.T) {
	_, err := ComputeReward([]float64{1, 2}, [][]float64{{0, 0}, {0, 0, 0}}, [][]float64{{1, 1}, {1, 1}}, 0.1, nil)
	wantErr(t, err, "action_mask row 1 has 2 values, kl has 3")
	_, err = ComputeReward([]float64{1}, [][]float64{{0}, {0}}, [][]float64{{1}, {1}}, 0.1, nil)
	wantErr(t, err, "r has 1 values, kl has 2 rows")
	_, err = ComputeReward([]float64{math.NaN()}, [][]float64{{0}}, [][]float64{{1}}, 0.1, nil)
	wantErr(t, err, "r[0] is NaN")
	_, err = ComputeReward([]float64{1}, [][]float64{{0, math.Inf(1)}}, [][]float64{{1, 1}}, 0.1, nil)
	wantErr(t, err, "kl row 0 position 1")
}
