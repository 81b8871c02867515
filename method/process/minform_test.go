package process

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/credo-rl/credo/anchor/pure"
)

// Spec methods.md §6 worked numbers: T = 0.1, r = [0.9, 0.8, -0.6, 0.7].
var worked = []float64{0.9, 0.8, -0.6, 0.7}

func TestMinFormWorkedNumbers(t *testing.T) {
	// weights ≈ [0, 0, 1, 0] (exp(-15), exp(-14), 1, exp(-13) before
	// normalisation); returns (reverse cumsum) ≈ [-0.6, -0.6, -0.6, 0].
	w, err := MinFormWeights(worked, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	checkVec(t, "weights", w, []float64{0, 0, 1, 0}, 1e-5)
	r, _ := MinForm(worked, 0.1, FormMin)
	checkVec(t, "min-form returns", Returns(r), []float64{-0.6, -0.6, -0.6, 0}, 1e-5)
	// T = 0 is the exact limit.
	r, _ = MinForm(worked, 0, FormMin)
	checkVec(t, "T=0 r*", r, []float64{0, 0, -0.6, 0}, 0)
	// Sum-form returns = [1.8, 0.9, 0.1, 0.7].
	r, _ = MinForm(worked, 0.1, FormSum)
	checkVec(t, "sum-form returns", Returns(r), []float64{1.8, 0.9, 0.1, 0.7}, 1e-12)
	// Mean form (disable_weighted_reward): r/4; total = mean = 0.45.
	r, _ = MinForm(worked, 0.1, FormMean)
	checkVec(t, "mean-form", r, []float64{0.225, 0.2, -0.15, 0.175}, 1e-12)
	// Future minimum at T = 0: G_k = min_{j>=k} r_j = [-0.6, -0.6, -0.6, 0.7],
	// r* = G_k - G_{k+1} = [0, 0, -1.3, 0.7].
	r, _ = MinForm(worked, 0, FormFutureMin)
	checkVec(t, "future_min r*", r, []float64{0, 0, -1.3, 0.7}, 1e-12)
	checkVec(t, "future_min returns", Returns(r), []float64{-0.6, -0.6, -0.6, 0.7}, 1e-12)
}

// Property (spec): temperature -> 0 equals the true minimum form: the
// min form's total is min_k r_k and the future_min return G_k is
// min_{j>=k} r_j; T -> infinity gives the mean form.
func TestMinFormLimits(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 200; trial++ {
		K := 1 + rng.IntN(8)
		r := make([]float64, K)
		for k := range r {
			r[k] = float64(rng.IntN(21)-10) / 10 // gaps >= 0.1
		}
		mn := math.Inf(1)
		for _, x := range r {
			mn = math.Min(mn, x)
		}
		for _, T := range []float64{0, 1e-4} {
			m, err := MinForm(r, T, FormMin)
			if err != nil {
				t.Fatal(err)
			}
			if !near(sum(m), mn, 1e-12) {
				t.Fatalf("T=%v: min-form total %v of %v, want min %v", T, sum(m), r, mn)
			}
			f, _ := MinForm(r, T, FormFutureMin)
			g := Returns(f)
			for k := range r {
				fm := math.Inf(1)
				for _, x := range r[k:] {
					fm = math.Min(fm, x)
				}
				if !near(g[k], fm, 1e-12) {
					t.Fatalf("T=%v: future_min return %v of %v at %d, want %v", T, g, r, k, fm)
				}
			}
		}
		hot, _ := MinForm(r, 1e9, FormMin)
		mean, _ := MinForm(r, 1e9, FormMean)
		checkVec(t, "T=1e9 vs mean", hot, mean, 1e-8)
		// Sum-form comparison: the min form's total never exceeds the mean of
		// the rewards (softmin weights favour small rewards), and the
		// sum-form total grows with repeated good steps while the min form's
		// does not.
		m, _ := MinForm(r, 0.1, FormMin)
		if sum(m) > sum(mean)+1e-12 {
			t.Fatalf("min-form total %v above the mean %v for %v", sum(m), sum(mean), r)
		}
		rep := append(append([]float64{}, r...), 1, 1, 1)
		m0, _ := MinForm(r, 0, FormMin)
		m2, _ := MinForm(rep, 0, FormMin)
		s1, _ := MinForm(r, 0, FormSum)
		s2, _ := MinForm(rep, 0, FormSum)
		if sum(m2) != sum(m0) || !near(sum(s2), sum(s1)+3, 1e-12) {
			t.Fatalf("repeating a good step: min %v -> %v, sum %v -> %v", sum(m0), sum(m2), sum(s1), sum(s2))
		}
	}
}

// Cross-check with the anchor: PURE's turn_process_reward_logits_to_reward
// at T = 0.1 gives the min form of pr = softmax(l)[1] - softmax(l)[0].
func TestMinFormMatchesPUREAnchor(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 50; trial++ {
		K := 1 + rng.IntN(6)
		logits := make([][2]float64, K)
		mask := make([]float64, K)
		r := make([]float64, K)
		for k := range logits {
			logits[k] = [2]float64{rng.NormFloat64(), rng.NormFloat64()}
			mask[k] = 1
			e0, e1 := math.Exp(logits[k][0]), math.Exp(logits[k][1])
			r[k] = e1/(e0+e1) - e0/(e0+e1)
		}
		want, _, err := pure.ProcessRewardFromLogits([][][2]float64{logits}, [][]float64{mask}, pure.DefaultTemperature, false)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := MinForm(r, pure.DefaultTemperature, FormMin)
		checkVec(t, "min form vs anchor", got, want[0], 1e-12)
	}
}

func TestMinFormErrors(t *testing.T) {
	if _, err := MinForm(worked, -1, FormMin); err == nil {
		t.Error("negative temperature accepted")
	}
	if _, err := MinForm([]float64{math.NaN()}, 0.1, FormSum); err == nil {
		t.Error("NaN accepted")
	}
	if _, err := MinForm(worked, 0.1, "max"); err == nil {
		t.Error("unknown form accepted")
	}
	if r, err := MinForm(nil, 0.1, FormFutureMin); err != nil || len(r) != 0 {
		t.Errorf("empty: %v %v", r, err)
	}
}
