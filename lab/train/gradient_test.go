package train

import (
	"math"
	"testing"
)

// Two batches' gradients, {a: [1, 0]} and {a: [3, 0], b: [2]}: the mean is
// a = [2, 0], b = [1] (b counts as 0 in the first batch). The unbiased
// variances per component are a₀: ((1−2)² + (3−2)²)/1 = 2, a₁: 0,
// b₀: ((0−1)² + (2−1)²)/1 = 2, so the total is 4; the squared norm of the
// mean is 4 + 0 + 1 = 5, the relative variance 4/5.
func TestGradVarianceByHand(t *testing.T) {
	gs := []map[string][]float64{
		{"a": {1, 0}},
		{"a": {3, 0}, "b": {2}},
	}
	tot, rel := GradVariance(gs)
	if tot != 4 || math.Abs(rel-0.8) > 1e-12 {
		t.Fatalf("total %v relative %v, want 4 and 0.8", tot, rel)
	}
	if tot, rel := GradVariance(gs[:1]); !math.IsNaN(tot) || !math.IsNaN(rel) {
		t.Fatalf("one batch: %v %v, want NaN (no variance from one sample)", tot, rel)
	}
}

func TestNaNMean(t *testing.T) {
	if m := NaNMean([]float64{1, math.NaN(), 2}); m != 1.5 {
		t.Fatalf("NaNMean = %v, want 1.5", m)
	}
	if m := NaNMean([]float64{math.NaN()}); !math.IsNaN(m) {
		t.Fatalf("NaNMean of no values = %v, want NaN", m)
	}
}
