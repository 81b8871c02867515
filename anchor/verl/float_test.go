package verl

import (
	"math"
	"testing"
)

func to32(x [][]float64) [][]float32 {
	out := make([][]float32, len(x))
	for i, r := range x {
		out[i] = make([]float32, len(r))
		for t, v := range r {
			out[i][t] = float32(v)
		}
	}
	return out
}

func like32(x [][]float64) [][]float32 {
	out := make([][]float32, len(x))
	for i, r := range x {
		out[i] = make([]float32, len(r))
	}
	return out
}

func near32(t *testing.T, what string, got [][]float32, want [][]float64, tol float64) {
	t.Helper()
	for i := range want {
		for k := range want[i] {
			if d := math.Abs(float64(got[i][k]) - want[i][k]); d > tol*(1+math.Abs(want[i][k])) {
				t.Fatalf("%s[%d][%d] = %v, want %v", what, i, k, got[i][k], want[i][k])
			}
		}
	}
}

// TestIntoOfFloat32 checks that the float32 instantiations agree with the
// float64 functions to float32 rounding, on a ragged batch with a
// fractional mask weight.
func TestIntoOfFloat32(t *testing.T) {
	r := [][]float64{{0, 0, 1}, {0.5, 0, 0, -1}, {0, 2}}
	v := [][]float64{{0.1, 0.2, 0.3}, {1, -1, 0.5, 0}, {0.25, 0.75}}
	m := [][]float64{{1, 1, 1}, {1, 1, 0.5, 0}, {1, 1}}
	wa, wr, err := GAE(r, v, m, 0.99, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	a, g := like32(r), like32(r)
	if err := GAEIntoOf(a, g, to32(r), to32(v), to32(m), 0.99, 0.95); err != nil {
		t.Fatal(err)
	}
	near32(t, "gae advantages", a, wa, 1e-5)
	near32(t, "gae returns", g, wr, 1e-6)

	wa, wr, err = ReinforcePlusPlus(r, m, 0.9)
	if err != nil {
		t.Fatal(err)
	}
	if err := ReinforcePlusPlusIntoOf(a, g, to32(r), to32(m), 0.9, nil); err != nil {
		t.Fatal(err)
	}
	near32(t, "reinforce++ advantages", a, wa, 1e-5)
	near32(t, "reinforce++ returns", g, wr, 1e-6)

	bad := to32(r)
	bad[1][2] = float32(math.NaN())
	if err := GAEIntoOf(a, g, bad, to32(v), to32(m), 0.99, 0.95); err == nil {
		t.Fatal("a NaN reward was accepted")
	}
}
