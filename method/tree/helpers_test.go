package tree

import (
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9+1e-9*math.Abs(b) }

func checkRows(t *testing.T, name string, got, want [][]float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d", name, len(got), len(want))
	}
	for i := range want {
		if len(got[i]) != len(want[i]) {
			t.Fatalf("%s row %d: %v, want %v", name, i, got[i], want[i])
		}
		for j := range want[i] {
			if !near(got[i][j], want[i][j]) {
				t.Fatalf("%s row %d: %v, want %v", name, i, got[i], want[i])
			}
		}
	}
}

func ones(tokens [][]int64) [][]float64 {
	out := make([][]float64, len(tokens))
	for i, r := range tokens {
		out[i] = make([]float64, len(r))
		for j := range out[i] {
			out[i][j] = 1
		}
	}
	return out
}

// lastReward places score i on the last token of row i.
func lastReward(tokens [][]int64, scores []float64) [][]float64 {
	out := make([][]float64, len(tokens))
	for i, r := range tokens {
		out[i] = make([]float64, len(r))
		if len(r) > 0 {
			out[i][len(r)-1] = scores[i]
		}
	}
	return out
}
