package pure

import (
	"fmt"
	"math"
	"testing"
)

// Two samples of one prompt, PRM only, step baseline, no KL (equal
// log-probs), no normalisation.
func smallExperience() Experience {
	return Experience{
		Logits:       [][][2]float64{{good, good}, {bad, good}},
		ScoreMask:    [][]float64{{1, 0}, {1, 1}},
		RewardMask:   [][]float64{{0, 0, 1}, {1, 0, 1}},
		ActionMask:   [][]float64{{1, 1, 1}, {1, 1, 1}},
		LogProbs:     [][]float64{{-1, -1, -1}, {-1, -1, -1}},
		BaseLogProbs: [][]float64{{-1, -1, -1}, {-1, -1, -1}},
		Solved:       []float64{1, 0},
		HaveAnswers:  []bool{true, false},
	}
}

func TestCreditAssignment(t *testing.T) {
	opt := DefaultOptions(2)
	opt.RewardMode = ModePRM
	opt.DisableAdvantageNormalization = true
	res, err := CreditAssignment([]Experience{smallExperience()}, opt)
	if err != nil {
		t.Fatal(err)
	}
	e := res.Experiences[0]
	// row 0: one step, pr = 0.5. row 1: pr = [−0.5, 0.5], T = 0.1:
	// w = [1, e^−10]/(1 + e^−10) = [0.9999546, 0.0000454];
	// steps [−0.4999773, 0.0000227], R_1 = −0.4999546.
	e10 := math.Exp(-10)
	w0, w1 := 1/(1+e10), e10/(1+e10)
	wantMat(t, "steps", e.StepProcessReward, [][]float64{{0.5, 0}, {-0.5 * w0, 0.5 * w1}})
	r1 := -0.5*w0 + 0.5*w1
	wantVec(t, "reward", e.Reward, []float64{0.5, r1})
	// per-step averages a = [0.5, R_1/2]; b_0 = a_1, b_1 = a_0.
	b0, b1 := r1/2, 0.5
	wantMat(t, "after baseline", e.ProcessRewardsAfterBaseline,
		[][]float64{{0, 0, 0.5 - b0}, {-0.5*w0 - b1, 0, 0.5*w1 - b1}})
	// returns: reverse sums, zeroed at the step ends.
	wantMat(t, "returns", e.Returns, [][]float64{{0.5 - b0, 0.5 - b0, 0}, {0, 0.5*w1 - b1, 0}})
	wantMat(t, "advantages", e.Advantages, e.Returns)
	wantVec(t, "return", e.Return, []float64{0.5 - b0, -0.5*w0 + 0.5*w1 - 2*b1})
	// row 0: R > 0 and solved -> match; row 1 has no answer.
	wantVec(t, "match", e.Match, []float64{1, -1})
	if res.AdvantagesNormalized != nil {
		t.Error("normalisation was disabled")
	}
}

func TestCreditAssignmentVRAndNormalisation(t *testing.T) {
	opt := DefaultOptions(2) // PRMVR
	opt.VerifiableRewardCoef = 0.5
	plain := opt
	plain.RewardMode = ModePRM
	a, err := CreditAssignment([]Experience{smallExperience()}, opt)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := CreditAssignment([]Experience{smallExperience()}, plain)
	// solved [1, 0]: VR − LOO = [1, −1] × 0.5 at EOS (position 2).
	for i, d := range []float64{0.5, -0.5} {
		got := a.Experiences[0].ProcessRewardsAfterBaseline[i][2] - b.Experiences[0].ProcessRewardsAfterBaseline[i][2]
		if math.Abs(got-d) > 1e-12 {
			t.Errorf("row %d: VR adds %v, want %v", i, got, d)
		}
	}
	want, _ := NormalizeAdvantages(a.Experiences[0].Advantages, [][]float64{{1, 1, 1}, {1, 1, 1}}, false)
	wantMat(t, "normalised", a.AdvantagesNormalized, want)
}

func TestCreditAssignmentErrors(t *testing.T) {
	opt := DefaultOptions(2)
	e := smallExperience()
	e.RewardMask = [][]float64{{0, 1, 1}, {1, 0, 1}}
	_, err := CreditAssignment([]Experience{e}, opt)
	wantErr(t, err, "experience 0 score_mask row 0 has 1 valid steps but reward_mask has 2 step-end tokens")
	opt.RewardMode = "ORM"
	_, err = CreditAssignment([]Experience{smallExperience()}, opt)
	wantErr(t, err, "unknown reward_mode")
	opt = DefaultOptions(4)
	_, err = CreditAssignment([]Experience{smallExperience()}, opt)
	wantErr(t, err, "2 rows cannot be split into groups")
}

func ExampleCreditAssignment() {
	opt := DefaultOptions(2)
	opt.RewardMode = ModeVR // verifiable reward only: no PRM logits needed
	res, err := CreditAssignment([]Experience{{
		ScoreMask:    [][]float64{{1}, {1}},
		RewardMask:   [][]float64{{0, 1}, {0, 1}},
		ActionMask:   [][]float64{{1, 1}, {1, 1}},
		LogProbs:     [][]float64{{0, 0}, {0, 0}},
		BaseLogProbs: [][]float64{{0, 0}, {0, 0}},
		Solved:       []float64{1, 0},
		HaveAnswers:  []bool{true, true},
	}}, opt)
	if err != nil {
		panic(err)
	}
	e := res.Experiences[0]
	fmt.Println("rewards:   ", e.ProcessRewardsAfterBaseline)
	fmt.Println("advantages:", e.Advantages)
	fmt.Println("normalised:", res.AdvantagesNormalized)
	// Output:
	// rewards:    [[0 1] [0 -1]]
	// advantages: [[1 0] [-1 0]]
	// normalised: [[1 0] [-1 0]]
}

// n_samples_per_prompt = 1 is rejected by default; with PropagateNaN every
// leave-one-out baseline is 0/0 = NaN, as in the reference.
func TestCreditAssignmentPropagateNaNSingleSample(t *testing.T) {
	e := smallExperience()
	opt := DefaultOptions(1)
	opt.RewardMode = ModePRM
	if _, err := CreditAssignment([]Experience{e}, opt); err == nil {
		t.Fatal("n_samples_per_prompt=1: want an error by default")
	}
	opt.PropagateNaN = true
	res, err := CreditAssignment([]Experience{e}, opt)
	if err != nil {
		t.Fatal(err)
	}
	x := res.Experiences[0]
	// Step-end tokens get r − NaN; other tokens stay 0.
	if p := x.ProcessRewardsAfterBaseline[0]; p[0] != 0 || p[1] != 0 || !math.IsNaN(p[2]) {
		t.Errorf("row 0 after baseline = %v, want [0 0 NaN]", p)
	}
	// Normalised: NaN where the advantage is not 0, 0 where it is.
	for i, row := range res.AdvantagesNormalized {
		for t2, a := range row {
			if adv := x.Advantages[i][t2]; (adv == 0) != (a == 0) || (adv != 0 && !math.IsNaN(a)) {
				t.Errorf("normalised[%d][%d] = %v for advantage %v", i, t2, a, adv)
			}
		}
	}
}

// The faithful normalisation with a zero count (every kept advantage 0) is
// all zero in both modes.
func TestNormalizeZeroCountIEEE(t *testing.T) {
	adv := [][]float64{{0, 0}, {0}}
	mask := [][]float64{{1, 1}, {1}}
	for _, ieee := range []bool{false, true} {
		out, err := normalize("test", adv, mask, []int{2, 1}, false, ieee)
		if err != nil {
			t.Fatal(err)
		}
		wantMat(t, "normalised", out, [][]float64{{0, 0}, {0}})
	}
}
