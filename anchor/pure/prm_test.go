package pure

import (
	"math"
	"math/rand/v2"
	"testing"
)

// softmax([0, ln 3]) = [1/4, 3/4], so pr = 0.5; the mirror gives −0.5.
var (
	good = [2]float64{0, math.Log(3)}
	bad  = [2]float64{math.Log(3), 0}
)

func TestProcessRewardFromLogits(t *testing.T) {
	logits := [][][2]float64{{good, bad}, {good, bad}}
	mask := [][]float64{{1, 1}, {1, 0}}
	pr, outcome, err := ProcessRewardFromLogits(logits, mask, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	// row 0, T = 1: w = softmax(−0.5, 0.5) = [1/(1+e), e/(1+e)] = [0.268941, 0.731059];
	// process = [0.1344707, −0.3655293], outcome −0.2310586.
	// row 1: single valid step -> weight 1.
	wantMat(t, "process", pr, [][]float64{{0.1344707, -0.3655293}, {0.5, 0}})
	wantVec(t, "outcome", outcome, []float64{-0.2310586, 0.5})

	pr, outcome, _ = ProcessRewardFromLogits(logits, mask, 1, true)
	wantMat(t, "uniform", pr, [][]float64{{0.25, -0.25}, {0.5, 0}})
	wantVec(t, "uniform outcome", outcome, []float64{0, 0.5})
}

// A row with no valid step is NaN, as in the reference (softmax of −inf).
func TestProcessRewardFromLogitsEmptyRow(t *testing.T) {
	for _, uniform := range []bool{false, true} {
		pr, outcome, err := ProcessRewardFromLogits([][][2]float64{{good, bad}}, [][]float64{{0, 0}}, 0.1, uniform)
		if err != nil {
			t.Fatal(err)
		}
		if !math.IsNaN(outcome[0]) || !math.IsNaN(pr[0][0]) || !math.IsNaN(pr[0][1]) {
			t.Errorf("uniform=%v: got %v %v, want NaN", uniform, pr, outcome)
		}
	}
}

// As T -> 0 the outcome approaches min_k pr_k; the weights sum to one.
func TestProcessRewardFromLogitsSoftmin(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	logits := make([][][2]float64, 20)
	mask := make([][]float64, 20)
	for i := range logits {
		logits[i] = make([][2]float64, 6)
		mask[i] = make([]float64, 6)
		for k := range logits[i] {
			logits[i][k] = [2]float64{3 * rng.NormFloat64(), 3 * rng.NormFloat64()}
			if k == 0 || rng.IntN(3) > 0 {
				mask[i][k] = 1
			}
		}
	}
	_, outcome, err := ProcessRewardFromLogits(logits, mask, 1e-4, false)
	if err != nil {
		t.Fatal(err)
	}
	for i := range logits {
		lo := math.Inf(1)
		for k, l := range logits[i] {
			if mask[i][k] != 0 {
				lo = math.Min(lo, stepScore(l))
			}
		}
		if math.Abs(outcome[i]-lo) > 1e-3 {
			t.Errorf("row %d: outcome %v, min %v", i, outcome[i], lo)
		}
	}
}

func TestProcessRewardFromLogitsErrors(t *testing.T) {
	_, _, err := ProcessRewardFromLogits([][][2]float64{{good}}, [][]float64{{1, 1}}, 0.1, false)
	wantErr(t, err, "reward_mask row 0 has 2 values, logits has 1 steps")
	_, _, err = ProcessRewardFromLogits([][][2]float64{{good}}, [][]float64{{1}}, 0, false)
	wantErr(t, err, "temperature must be positive")
	_, _, err = ProcessRewardFromLogits([][][2]float64{{{math.NaN(), 0}}}, [][]float64{{1}}, 0.1, false)
	wantErr(t, err, "logits row 0 step 0")
}
