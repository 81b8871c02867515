package token

import (
	"math"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func assertRows(t *testing.T, name string, got, want [][]float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d", name, len(got), len(want))
	}
	for i := range want {
		if len(got[i]) != len(want[i]) {
			t.Fatalf("%s row %d: %d values, want %d", name, i, len(got[i]), len(want[i]))
		}
		for k := range want[i] {
			if !near(got[i][k], want[i][k], 1e-9) {
				t.Fatalf("%s[%d][%d] = %.12g, want %.12g (row %v)", name, i, k, got[i][k], want[i][k], got[i])
			}
		}
	}
}

// lcg is a tiny deterministic generator for property tests.
type lcg uint64

func (s *lcg) float() float64 {
	*s = *s*6364136223846793005 + 1442695040888963407
	return float64(uint64(*s)>>11) / (1 << 53)
}

func randRows(s *lcg, lens []int, lo, hi float64) [][]float64 {
	out := make([][]float64, len(lens))
	for i, n := range lens {
		out[i] = make([]float64, n)
		for k := range out[i] {
			out[i][k] = lo + (hi-lo)*s.float()
		}
	}
	return out
}
