package loss

import (
	"math"
	"testing"
)

// d = logprob - ref = [1, -1].
var (
	klLP  = [][]float64{{0, -1}}
	klRef = [][]float64{{-1, 0}}
)

func TestKLPenaltyHand(t *testing.T) {
	e := math.E
	cases := []struct {
		mode      string
		kl, grad  []float64
		corrected bool
	}{
		{"kl", []float64{1, -1}, []float64{1, 1}, false},
		{"k1", []float64{1, -1}, []float64{1, 1}, false},
		{"abs", []float64{1, 1}, []float64{1, -1}, false},
		{"mse", []float64{0.5, 0.5}, []float64{1, -1}, false},
		{"k2", []float64{0.5, 0.5}, []float64{1, -1}, false},
		// x = -d = [-1, 1]: e^x - x - 1 = [1/e, e-2]; ∂ = 1 - e^x.
		{"low_var_kl", []float64{1 / e, e - 2}, []float64{1 - 1/e, 1 - e}, false},
		{"k3", []float64{1 / e, e - 2}, []float64{1 - 1/e, 1 - e}, false},
		// Corrected '+': value of the base mode, gradient of k2 (= d).
		{"k3+", []float64{1 / e, e - 2}, []float64{1, -1}, true},
		{"low_var_kl+", []float64{1 / e, e - 2}, []float64{1, -1}, true},
		{"k1+", []float64{1, -1}, []float64{1, -1}, true},
		{"abs+", []float64{1, 1}, []float64{1, -1}, true},
		{"k2+", []float64{0.5, 0.5}, []float64{1, -1}, true},
	}
	for _, c := range cases {
		r, err := KLPenalty(klLP, klRef, c.mode, KLPenaltyOptions{Corrected: c.corrected})
		if err != nil {
			t.Fatalf("%s: %v", c.mode, err)
		}
		approxMat(t, c.mode+" kl", r.KL, [][]float64{c.kl}, 1e-12)
		approxMat(t, c.mode+" grad", r.Grad, [][]float64{c.grad}, 1e-12)
	}
}

func TestKLPenaltyClamps(t *testing.T) {
	// d = -25: x = clamp(25, ±20) = 20 → clamp(e^20 - 21, ±10) = 10, ∂ = 0.
	// d = -3: x = 3, e^3 - 4 = 16.09 → 10, ∂ = 0.
	// d = 30: x = -20, e^-20 + 19 → 10, ∂ = 0. d = 2: x = -2, e^-2 + 1 = 1.1353.
	r, err := KLPenalty([][]float64{{-25, -3, 30, 2}}, [][]float64{{0, 0, 0, 0}}, "k3", KLPenaltyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	approxMat(t, "kl", r.KL, [][]float64{{10, 10, 10, math.Exp(-2) + 1}}, 1e-12)
	approxMat(t, "grad", r.Grad, [][]float64{{0, 0, 0, 1 - math.Exp(-2)}}, 1e-12)
	// k1 has no clamp at all.
	r, _ = KLPenalty([][]float64{{-25}}, [][]float64{{0}}, "k1", KLPenaltyOptions{})
	approx(t, "k1", r.KL[0][0], -25, 0)
}

// The pinned snapshot raises on every '+' mode (DEFECT reproduced by default).
func TestKLPenaltyFaithfulErrors(t *testing.T) {
	for _, mode := range []string{"k1+", "k3+", "low_var_kl+", "mse+", "k2+"} {
		_, err := KLPenalty(klLP, klRef, mode, KLPenaltyOptions{})
		wantErr(t, err, "not implemented at the pinned snapshot")
	}
	_, err := KLPenalty(klLP, klRef, "full", KLPenaltyOptions{Corrected: true})
	wantErr(t, err, "\"full\" is not implemented")
	_, err = KLPenalty(klLP, klRef, "k4", KLPenaltyOptions{})
	wantErr(t, err, "unknown mode")
	_, err = KLPenalty(klLP, [][]float64{{0}}, "k1", KLPenaltyOptions{})
	wantErr(t, err, "ref_logprob row 0 has 1 values, logprob has 2")
	_, err = KLPenalty([][]float64{{math.Inf(-1), 0}}, klRef, "k1", KLPenaltyOptions{})
	wantErr(t, err, "logprob row 0 column 0")
}

func TestApproxKLHand(t *testing.T) {
	e := math.E
	cases := []struct {
		est      string
		kl, grad []float64
	}{
		{"k1", []float64{1, -1}, []float64{1, 1}},
		{"k2", []float64{0.5, 0.5}, []float64{1, -1}},
		// e^-d - 1 + d: d=1 → 1/e, d=-1 → e-2; ∂ = 1 - e^-d.
		{"k3", []float64{1 / e, e - 2}, []float64{1 - 1/e, 1 - e}},
	}
	for _, c := range cases {
		r, err := ApproxKL(klLP, klRef, c.est)
		if err != nil {
			t.Fatal(err)
		}
		approxMat(t, c.est+" kl", r.KL, [][]float64{c.kl}, 1e-12)
		approxMat(t, c.est+" grad", r.Grad, [][]float64{c.grad}, 1e-12)
	}
	// Clamp to ±10: k1 at d=25 and d=-12, k3 at d=-5 (e^5 - 6 = 142.4).
	r, _ := ApproxKL([][]float64{{25, -12}}, [][]float64{{0, 0}}, "k1")
	approxMat(t, "k1 clamp", r.KL, [][]float64{{10, -10}}, 0)
	approxMat(t, "k1 clamp grad", r.Grad, [][]float64{{0, 0}}, 0)
	r, _ = ApproxKL([][]float64{{-5}}, [][]float64{{0}}, "k3")
	approxMat(t, "k3 clamp", r.KL, [][]float64{{10}}, 0)
	approxMat(t, "k3 clamp grad", r.Grad, [][]float64{{0}}, 0)
	_, err := ApproxKL(klLP, klRef, "k4")
	wantErr(t, err, "invalid kl_estimator")
}
