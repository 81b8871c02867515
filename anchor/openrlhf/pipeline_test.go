package openrlhf

import (
	"fmt"
	"github.com/credo-rl/credo/internal/arrays"
	"math"
	"testing"
)

func TestComputeAdvantagesAndReturnsReinforceBaseline(t *testing.T) {
	exps := []Experience{{
		Index:      []int{0, 1},
		Rewards:    []float64{1, 0},
		KL:         [][]float64{{0, 0}, {0, 0}},
		ActionMask: [][]float64{{1, 1}, {1, 0}},
	}}
	opt := DefaultOptions()
	opt.Estimator = EstimatorReinforceBaseline
	opt.NSamplesPerPrompt = 2
	opt.Gamma = 0.5 // forced to 1
	res, err := ComputeAdvantagesAndReturns(exps, opt)
	if err != nil {
		t.Fatal(err)
	}
	e := res.Experiences[0]
	if res.GammaUsed != 1 {
		t.Errorf("GammaUsed = %v, want 1", res.GammaUsed)
	}
	// shaped rewards [0.5, −0.5] on the last action token:
	// token rewards [[0, .5], [−.5, 0]]; returns (γ = 1) [[.5, .5], [−.5, 0]].
	wantMat(t, "returns", e.Returns, [][]float64{{0.5, 0.5}, {-0.5, 0}})
	wantVec(t, "return sums", e.ReturnSums, []float64{0.5, -0.5})
	wantVec(t, "rewards after penalty", e.RewardsAfterLengthPenalty, []float64{1, 0})
	// whitening over the 3 action tokens {.5, .5, −.5}: μ = 1/6,
	// σ² = (2·(1/3)² + (2/3)²)/3 = 2/9, rstd = 3/√2; the padding (0) too.
	r := 3 / math.Sqrt2
	wantMat(t, "advantages", e.Advantages, [][]float64{{r / 3, r / 3}, {-2 * r / 3, -r / 6}})
}

func TestComputeAdvantagesAndReturnsGAE(t *testing.T) {
	// One row, the spec's GAE vector, reward 1 placed on the last action
	// token (5), no KL; n = 1, no whitening check here (single token set).
	exps := []Experience{{
		Index:      []int{0},
		Rewards:    []float64{1},
		KL:         [][]float64{{0, 0, 0, 0, 0, 0, 0}},
		Values:     [][]float64{{.1, .2, .3, .4, .5, .6, .7}},
		ActionMask: [][]float64{{1, 1, 0, 0, 1, 1, 0}},
	}}
	opt := DefaultOptions()
	res, err := ComputeAdvantagesAndReturns(exps, opt)
	if err != nil {
		t.Fatal(err)
	}
	wantMat(t, "returns", res.Experiences[0].Returns, [][]float64{{0.8296505, 0.86279, 0.9082, 0.956, 0.98, 1.0, 0}})
	// advantages are whitened over the 4 action tokens {.7296505, .66279, .48, .4}.
	a := []float64{0.7296505, 0.66279, 0.9082, 0.956, 0.48, 0.4, 0}
	mu := (a[0] + a[1] + a[4] + a[5]) / 4
	v := 0.0
	for _, k := range []int{0, 1, 4, 5} {
		v += (a[k] - mu) * (a[k] - mu) / 4
	}
	want := make([]float64, len(a))
	for i := range a {
		want[i] = (a[i] - mu) / math.Sqrt(v)
	}
	wantMat(t, "advantages", res.Experiences[0].Advantages, [][]float64{want})
}

func TestComputeAdvantagesAndReturnsErrors(t *testing.T) {
	exp := Experience{Index: []int{0, 1}, Rewards: []float64{1, 0}, KL: [][]float64{{0}, {0}}, ActionMask: [][]float64{{1}, {1}}}
	opt := DefaultOptions()
	_, err := ComputeAdvantagesAndReturns([]Experience{exp}, opt)
	wantErr(t, err, "experience 0 values is missing")
	opt.Estimator = "ppo"
	_, err = ComputeAdvantagesAndReturns([]Experience{exp}, opt)
	wantErr(t, err, "unknown advantage estimator")
	opt.Estimator = EstimatorRLOO
	opt.NSamplesPerPrompt = 2
	bad := exp
	bad.ActionMask = [][]float64{{1}, {1, 1}}
	_, err = ComputeAdvantagesAndReturns([]Experience{bad}, opt)
	wantErr(t, err, "experience 0 action_mask row 1 has 2 values, experience 0 kl has 1")
	_, err = ComputeAdvantagesAndReturns([]Experience{exp, exp}, opt)
	wantErr(t, err, "appears twice")
}

func TestIntoVariants(t *testing.T) {
	v, r, m := benchRows(3, 10)
	a1, r1, _ := GAE(v, r, m, 0.9, 0.8)
	a2, r2 := arrays.Like(r), arrays.Like(r)
	if err := GAEInto(a2, r2, v, r, m, 0.9, 0.8); err != nil {
		t.Fatal(err)
	}
	wantMat(t, "adv", a2, a1)
	wantMat(t, "ret", r2, r1)
	c1, _ := CumulativeReturns(r, m, 0.9)
	if err := CumulativeReturnsInto(r, r, m, 0.9); err != nil { // in place
		t.Fatal(err)
	}
	wantMat(t, "cum", r, c1)
	r[1][3] = math.NaN()
	wantErr(t, CumulativeReturnsInto(arrays.Like(r), r, m, 0.9), "rewards row 1 position 3 is NaN")
}

func ExampleComputeAdvantagesAndReturns() {
	// Two prompts × two samples in one micro-batch, rows in rollout order.
	exps := []Experience{{
		Index:      []int{0, 1, 2, 3},
		Rewards:    []float64{1, 0, 1, 1},
		KL:         [][]float64{{0, 0, 0}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0}},
		ActionMask: [][]float64{{1, 1, 1}, {1, 1, 0}, {1, 0, 0}, {1, 1, 1}},
	}}
	opt := DefaultOptions()
	opt.Estimator = EstimatorRLOO
	opt.NSamplesPerPrompt = 2
	res, err := ComputeAdvantagesAndReturns(exps, opt)
	if err != nil {
		panic(err)
	}
	for _, row := range res.Experiences[0].Advantages {
		fmt.Println(row)
	}
	// Output:
	// [1 1 1]
	// [-1 -1 0]
	// [0 0 0]
	// [0 0 0]
}

// n_samples_per_prompt = 1 with rloo is rejected by default and gives the
// reference's NaN (leave-one-out baseline 0/0) with PropagateNaN.
func TestPropagateNaNRLOOSingleSample(t *testing.T) {
	exps := []Experience{{
		Index:      []int{0, 1},
		Rewards:    []float64{1, 0},
		KL:         [][]float64{{0, 0}, {0, 0}},
		ActionMask: [][]float64{{1, 0}, {1, 1}},
	}}
	opt := DefaultOptions()
	opt.Estimator = EstimatorRLOO
	_, err := ComputeAdvantagesAndReturns(exps, opt)
	wantErr(t, err, "needs n_samples_per_prompt > 1")
	opt.PropagateNaN = true
	res, err := ComputeAdvantagesAndReturns(exps, opt)
	if err != nil {
		t.Fatal(err)
	}
	// The NaN reward sits on the last action token; padding after it
	// returns 0, everything up to it NaN.
	got := res.Experiences[0].Returns
	if !math.IsNaN(got[0][0]) || got[0][1] != 0 || !math.IsNaN(got[1][0]) || !math.IsNaN(got[1][1]) {
		t.Errorf("returns = %v, want [[NaN 0] [NaN NaN]]", got)
	}
}

// All-zero action masks: an error by default; with PropagateNaN the
// whitening mean is 0/0 and every advantage NaN, returns stay finite.
func TestPropagateNaNEmptyMasks(t *testing.T) {
	exps := []Experience{{
		Index:      []int{0},
		Rewards:    []float64{1},
		KL:         [][]float64{{0, 0}},
		Values:     [][]float64{{1, 1}},
		ActionMask: [][]float64{{0, 0}},
	}}
	opt := DefaultOptions()
	_, err := ComputeAdvantagesAndReturns(exps, opt)
	wantErr(t, err, "action masks are all zero")
	opt.PropagateNaN = true
	res, err := ComputeAdvantagesAndReturns(exps, opt)
	if err != nil {
		t.Fatal(err)
	}
	e := res.Experiences[0]
	for t2, a := range e.Advantages[0] {
		if !math.IsNaN(a) || e.Returns[0][t2] != 0 {
			t.Errorf("t=%d: advantage %v, return %v; want NaN, 0", t2, a, e.Returns[0][t2])
		}
	}
}
