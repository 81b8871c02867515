package loss

import (
	"math"
	"math/rand/v2"
	"testing"
)

// AFT by hand. Two chains, s = (0, −1), ranks (1, 0), γ = 0.5, λ = 1:
// Align = log(1 + e^{−1}) = 0.3132616875; ∂Align/∂s = (−σ(−1), +σ(−1)) with
// σ(−1) = 0.2689414214. B = 0 − 0.5 = −0.5 > s_1 = −1: Boundary = 0.5 and
// ∂/∂s_1 −= 1. Loss = 0.8132616875; grad = (−0.2689414214, −0.7310585786).
//
// Three ranks, s = (0, 0, 0), ranks (2, 1, 0): three pairs, each e = 1,
// Z = 4, Align = log 4 = 1.3862943611; grad = (−2/4, (1 − 1)/4, 2/4) =
// (−0.5, 0, 0.5); B = −0.5 lies below every score: Boundary = 0.
func TestAFTLossHand(t *testing.T) {
	r, err := AFTLoss([]float64{0, -1}, []int{1, 0}, AFTOptions{Margin: 0.5, BoundaryWeight: 1})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(r.Align-0.3132616875) > 1e-9 || math.Abs(r.Boundary-0.5) > 1e-12 || math.Abs(r.Loss-0.8132616875) > 1e-9 {
		t.Fatalf("two chains: %+v", r)
	}
	assertClose(t, "two chains grad", r.Grad, []float64{-0.2689414214, -0.7310585786}, 1e-9)
	r, err = AFTLoss([]float64{0, 0, 0}, []int{2, 1, 0}, AFTOptions{Margin: 0.5, BoundaryWeight: 1})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(r.Loss-math.Log(4)) > 1e-12 || r.Boundary != 0 {
		t.Fatalf("three ranks: %+v", r)
	}
	assertClose(t, "three ranks grad", r.Grad, []float64{-0.5, 0, 0.5}, 1e-12)
	// One rank only: no pair, no negative: loss 0, gradient 0.
	r, _ = AFTLoss([]float64{-1, -2}, []int{0, 0}, AFTOptions{Margin: 0.5, BoundaryWeight: 1})
	if r.Loss != 0 || r.Grad[0] != 0 || r.Grad[1] != 0 {
		t.Fatalf("one rank: %+v", r)
	}
	// Far apart scores do not overflow.
	r, err = AFTLoss([]float64{-800, 0}, []int{1, 0}, AFTOptions{})
	if err != nil || math.Abs(r.Loss-800) > 1e-9 || math.IsNaN(r.Grad[0]) {
		t.Fatalf("far apart: %+v, %v", r, err)
	}
	if _, err := AFTLoss([]float64{math.NaN()}, []int{0}, AFTOptions{}); err == nil {
		t.Fatal("NaN score accepted")
	}
}

func assertClose(t *testing.T, name string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %v, want %v", name, got, want)
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > tol {
			t.Fatalf("%s[%d]: got %.10g, want %.10g", name, i, got[i], want[i])
		}
	}
}

// Finite differences of AFTTokenLoss with respect to the log-probs; the
// boundary B is detached, so the surrogate freezes it at the base point
// (by adjusting the margin so that B stays put when the top chains move).
func TestAFTGradCheck(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 1))
	for trial := 0; trial < 20; trial++ {
		k := 2 + rng.IntN(4)
		logp := make([][]float64, k)
		mask := make([][]float64, k)
		ranks := make([]int, k)
		for i := range logp {
			n := 1 + rng.IntN(5)
			logp[i] = make([]float64, n)
			mask[i] = make([]float64, n)
			for t := range logp[i] {
				logp[i][t] = -3 * rng.Float64()
				mask[i][t] = 1
				if t > 0 && rng.IntN(4) == 0 {
					mask[i][t] = 0
				}
			}
			ranks[i] = rng.IntN(3)
		}
		opt := AFTOptions{Margin: 0.3, BoundaryWeight: 0.7}
		_, g, err := AFTTokenLoss(logp, mask, ranks, opt)
		if err != nil {
			t.Fatal(err)
		}
		// B at the base point; stay away from the boundary's kink.
		top, bmin := ranks[0], math.Inf(1)
		for _, r := range ranks {
			top = max(top, r)
		}
		scores := make([]float64, k)
		for i := range logp {
			var s, m float64
			for t := range logp[i] {
				s += mask[i][t] * logp[i][t]
				m += mask[i][t]
			}
			scores[i] = s / m
			if ranks[i] == top {
				bmin = math.Min(bmin, scores[i])
			}
		}
		b0 := bmin - opt.Margin
		kink := false
		for i, s := range scores {
			kink = kink || ranks[i] < top && math.Abs(s-b0) < 1e-3
		}
		if kink {
			continue
		}
		f := func(x [][]float64) float64 {
			// Recompute with the boundary frozen at b0: margin' = min_top(x) − b0.
			sc := make([]float64, k)
			mt := math.Inf(1)
			for i := range x {
				var s, m float64
				for t := range x[i] {
					s += mask[i][t] * x[i][t]
					m += mask[i][t]
				}
				sc[i] = s / m
				if ranks[i] == top {
					mt = math.Min(mt, sc[i])
				}
			}
			r, err := AFTLoss(sc, ranks, AFTOptions{Margin: mt - b0, BoundaryWeight: opt.BoundaryWeight})
			if err != nil {
				t.Fatal(err)
			}
			return r.Loss
		}
		fdCheck(t, "aft", logp, f, g)
	}
}
