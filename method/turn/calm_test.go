package turn

import (
	"math"
	"testing"
)

func TestCALMShapedRewardsHand(t *testing.T) {
	// r_aux = 0.1, threshold 0.5: labels 1 and 0.6 earn the bonus, 0 and 0.4 do not.
	env := [][]float64{{0, 0, 1}, {0.5, 0}}
	lab := [][]float64{{1, 0, 0.6}, {0.4, 1}}
	got, err := CALMShapedRewards(env, lab, DefaultCALMOptions())
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, "shaped", got, [][]float64{{0.1, 0, 1.1}, {0.5, 0.1}}, 1e-12)
	// r_aux = 0 leaves the environment reward unchanged.
	got, _ = CALMShapedRewards(env, lab, CALMOptions{AuxReward: 0, Threshold: 0.5})
	checkRows(t, "no bonus", got, env, 0)
	if _, err := CALMShapedRewards(env, lab[:1], DefaultCALMOptions()); err == nil {
		t.Fatal("row mismatch accepted")
	}
	if _, err := CALMShapedRewards([][]float64{{0}}, [][]float64{{math.NaN()}}, DefaultCALMOptions()); err == nil {
		t.Fatal("NaN label accepted")
	}
}
