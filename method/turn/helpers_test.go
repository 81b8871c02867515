package turn

import (
	"math"
	"testing"
)

const tol = 1e-9

func near(a, b, eps float64) bool { return math.Abs(a-b) <= eps*(1+math.Abs(b)) }

func checkVec(t *testing.T, name string, got, want []float64, eps float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d values %v, want %d %v", name, len(got), got, len(want), want)
	}
	for i := range want {
		if !near(got[i], want[i], eps) {
			t.Fatalf("%s[%d] = %v, want %v (all: %v)", name, i, got[i], want[i], got)
		}
	}
}

func checkRows(t *testing.T, name string, got, want [][]float64, eps float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d rows, want %d", name, len(got), len(want))
	}
	for i := range want {
		checkVec(t, name, got[i], want[i], eps)
	}
}
