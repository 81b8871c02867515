package pure

import (
	"math"
	"testing"
)

// Two samples of one prompt.
var (
	tokPR = [][]float64{{0.2, 0, 0.4}, {0, -0.6}}
	tokRM = [][]float64{{1, 0, 1}, {0, 1}}
)

func TestStepBaseline(t *testing.T) {
	// R = [0.6, −0.6], K = [2, 1]: per-step averages [0.3, −0.6];
	// b_0 = −0.6, b_1 = 0.3, subtracted at the step ends only.
	got, err := StepBaseline(tokPR, tokRM, []float64{2, 1}, 2)
	if err != nil {
		t.Fatal(err)
	}
	wantMat(t, "step", got, [][]float64{{0.8, 0, 1.0}, {0, -0.9}})
	_, err = StepBaseline(tokPR, tokRM, []float64{2, 0}, 2)
	wantErr(t, err, "row 1 has 0 steps")
	_, err = StepBaseline(tokPR, tokRM, []float64{2, 1}, 1)
	wantErr(t, err, "must be >= 2")
}

func TestTokenBaseline(t *testing.T) {
	// lengths [3, 2]; c_0 = R_1/L_1 = −0.3, c_1 = R_0/L_0 = 0.2;
	// step lengths row 0 [1, 2], row 1 [2].
	got, err := TokenBaseline(tokPR, tokRM, []float64{3, 2}, [][]float64{{1, 2}, {2}}, 2)
	if err != nil {
		t.Fatal(err)
	}
	wantMat(t, "token", got, [][]float64{{0.5, 0, 1.0}, {0, -1.0}})
	_, err = TokenBaseline(tokPR, tokRM, []float64{3, 2}, [][]float64{{1}, {2}}, 2)
	wantErr(t, err, "row 0 has 2 step ends in reward_mask but 1 step lengths")
}

func TestAddVerifiableReward(t *testing.T) {
	// solved [1, 0] -> v = [0, −1]; v − LOO mean = [1, −1]; × 0.5.
	// Row 1 has an empty action mask: EOS = (longest row) − 1 = 2, beyond
	// its length 2, so the reward is dropped (reference quirk).
	pr := [][]float64{{0, 0, 0}, {0, 0}}
	am := [][]float64{{1, 1, 0}, {0, 0}}
	got, err := AddVerifiableReward(pr, am, []float64{1, 0}, 2, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	wantMat(t, "vr", got, [][]float64{{0, 0.5, 0}, {0, 0}})
	// Same-length rows: the empty row gets it on its last position.
	got, _ = AddVerifiableReward([][]float64{{0, 0}, {0, 0}}, [][]float64{{1, 0}, {0, 0}}, []float64{1, 0}, 2, 1)
	wantMat(t, "vr", got, [][]float64{{1, 0}, {0, -1}})
}

// The leave-one-out verifiable rewards of a group sum to zero:
// Σ_i (v_i − mean_{j≠i} v_j) = S − (n·S − S)/(n − 1) = 0.
func TestAddVerifiableRewardZeroSum(t *testing.T) {
	solved := []float64{1, 0, 0, 1, 1, 1}
	pr := make([][]float64, 6)
	am := make([][]float64, 6)
	for i := range pr {
		pr[i], am[i] = []float64{0, 0}, []float64{1, 1}
	}
	got, _ := AddVerifiableReward(pr, am, solved, 3, 1)
	for g := 0; g < 6; g += 3 {
		s := got[g][1] + got[g+1][1] + got[g+2][1]
		if math.Abs(s) > 1e-12 {
			t.Errorf("group %d sums to %g", g/3, s)
		}
	}
}
