package process

import (
	"math/rand/v2"
	"testing"
)

func TestClipDeltaHand(t *testing.T) {
	r := []float64{0.9, 0.5, 0.7}
	// Clip, eta 0.8: min(0.1, 0), min(-0.3, 0), min(-0.1, 0).
	c, _ := Clip(r, 0.8)
	checkVec(t, "clip", c, []float64{0, -0.3, -0.1}, 1e-12)
	// Delta: 0.9-0.5, 0.5-0.7, 0.7; total 0.9 = r_1.
	d, _ := Delta(r)
	checkVec(t, "delta", d, []float64{0.4, -0.2, 0.7}, 1e-12)
	// Delta returns are the step scores themselves.
	checkVec(t, "delta returns", Returns(d), r, 1e-12)
	// Clip then Delta: [0-(-0.3), -0.3-(-0.1), -0.1] = [0.3, -0.2, -0.1].
	cd, _ := Refine(r, 0.8, RefineClipDelta)
	checkVec(t, "clip_delta", cd, []float64{0.3, -0.2, -0.1}, 1e-12)
	if _, err := Refine(r, 0, "max"); err == nil {
		t.Error("unknown refinement accepted")
	}
}

// Properties (spec): Delta's cumulative reward telescopes to the first
// step's reward, whatever the number of steps; Clip's is <= 0 and never
// grows when steps are appended (no reward from repeating steps).
func TestClipDeltaBounded(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := 0; trial < 200; trial++ {
		r := make([]float64, 1+rng.IntN(10))
		for k := range r {
			r[k] = rng.Float64()*2 - 1
		}
		d, _ := Delta(r)
		if !near(sum(d), r[0], 1e-12) {
			t.Fatalf("Delta total %v of %v, want r_1 = %v", sum(d), r, r[0])
		}
		eta := rng.Float64() - 0.5
		c, _ := Clip(r, eta)
		more, _ := Clip(append(append([]float64{}, r...), r...), eta)
		if sum(c) > 0 || sum(more) > sum(c)+1e-12 {
			t.Fatalf("Clip totals %v, %v (repeated) for %v", sum(c), sum(more), r)
		}
		cd, _ := Refine(r, eta, RefineClipDelta)
		if !near(sum(cd), min(r[0]-eta, 0), 1e-12) {
			t.Fatalf("clip_delta total %v, want %v", sum(cd), min(r[0]-eta, 0))
		}
	}
}
