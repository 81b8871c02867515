package group

import (
	"math"
	"testing"
)

// Group p: outcomes [1,1,0,0], thinking [0.2,0.4,0.9,0.7]:
//
//	μ_c = 0.3, μ_w = 0.8 → γ = e^{-0.5} = 0.6065307
//
// group q: outcomes [1,0], thinking [0.9,0.1]: μ_c >= μ_w → γ = 1;
// group r: all correct → γ = 1 (no evidence).
func TestTrustWeightsHand(t *testing.T) {
	o := []float64{1, 1, 0, 0, 1, 0, 1, 1}
	th := []float64{0.2, 0.4, 0.9, 0.7, 0.9, 0.1, 0.3, 0.5}
	idx := []string{"p", "p", "p", "p", "q", "q", "r", "r"}
	g, err := TrustWeights(o, th, idx, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	const e = 0.6065307
	assertVec(t, "gamma", g, []float64{e, e, e, e, 1, 1, 1, 1}, 1e-6)

	// R = o + α·anneal·γ·t with α = 2, T = 10, step 5: weight 2·e^{-0.5} = 1.2130613.
	r, err := TrustRewards(o, th, idx, 5, TrustOptions{Alpha: 2, Threshold: 0.5, AnnealT: 10})
	if err != nil {
		t.Fatal(err)
	}
	const w = 1.2130613
	assertVec(t, "rewards", r, []float64{
		1 + w*e*0.2, 1 + w*e*0.4, w * e * 0.9, w * e * 0.7,
		1 + w*0.9, w * 0.1, 1 + w*0.3, 1 + w*0.5}, 1e-6)
}

func TestTrustAnneal(t *testing.T) {
	if TrustAnneal(100, 0) != 1 || TrustAnneal(0, 50) != 1 {
		t.Fatal("anneal off or at step 0 must be 1")
	}
	if !near(TrustAnneal(50, 50), math.Exp(-1), 1e-15) {
		t.Fatalf("anneal(50, 50) = %v, want e^-1", TrustAnneal(50, 50))
	}
	// Monotone decreasing in the step.
	prev := 2.0
	for s := 0; s < 10; s++ {
		a := TrustAnneal(s, 3)
		if a >= prev {
			t.Fatalf("anneal not decreasing at step %d", s)
		}
		prev = a
	}
}

func TestTrustErrors(t *testing.T) {
	_, err := TrustWeights([]float64{1}, []float64{1, 2}, []string{"a"}, 0.5)
	assertErr(t, "thinking length", err)
	_, err = TrustWeights([]float64{1, 0}, []float64{1, nan()}, []string{"a", "a"}, 0.5)
	assertErr(t, "NaN thinking", err)
	_, err = TrustRewards([]float64{1}, []float64{1}, []string{"a"}, -1, DefaultTrustOptions())
	assertErr(t, "negative step", err)
}
