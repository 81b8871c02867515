package verl

import (
	"math"
	"testing"
)

func TestReMaxHand(t *testing.T) {
	r := [][]float64{
		{0, 1, 2}, // r·m = 0, 1, 0 (the reward on padding is dropped)
		{1, 0, 2}, // interior mask zero: r·m = 1, 0, 2
	}
	m := [][]float64{{1, 1, 0}, {1, 0, 1}}
	b := []float64{0.5, 1}
	adv, ret, err := ReMax(r, b, m)
	if err != nil {
		t.Fatal(err)
	}
	// G = reverse cumsum of r·m; A = G - b·m.
	assertRows(t, "returns", ret, [][]float64{{1, 1, 0}, {3, 2, 2}}, 0)
	assertRows(t, "advantages", adv, [][]float64{{0.5, 0.5, 0}, {2, 2, 1}}, 0)

	_, _, err = ReMax(r, []float64{1}, m)
	wantErr(t, err, "reward_baselines has 1 values")
	_, _, err = ReMax(r, []float64{1, math.NaN()}, m)
	wantErr(t, err, "reward_baselines row 1")
}
