package verl

import (
	"math"
	"testing"
)

// full returns rows of the given lengths filled with x.
func full(x float64, lens ...int) [][]float64 {
	out := make([][]float64, len(lens))
	for i, l := range lens {
		out[i] = make([]float64, l)
		for t := range out[i] {
			out[i][t] = x
		}
	}
	return out
}

// With pi = 0.5 and sum_pi_squared = 0.5 every step has w = 1 - 1 + 0.5 = 0.5,
// so W = 0.5, 1.0, 1.5 along a fully valid row. Epsilon 0 keeps the
// arithmetic exact.
func TestOptimalTokenBaselineHand(t *testing.T) {
	r := [][]float64{{0, 0, 1}, {0, 0}}
	m := [][]float64{{1, 1, 1}, {1, 1}}
	lp := full(math.Log(0.5), 3, 2)
	sp := full(0.5, 3, 2)
	idx := []string{"a", "a"}
	// G0 = 1, 1, 1; G1 = 0, 0. t=0: B = (1·0.5 + 0)/(0.5+0.5) = 0.5; t=1:
	// (1·1 + 0)/2 = 0.5; t=2: only row 0, B = 1·1.5/1.5 = 1.
	adv, ret, err := OptimalTokenBaseline(r, m, idx, lp, sp, nil, OTBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	assertRows(t, "returns", ret, [][]float64{{1, 1, 1}, {0, 0}}, 0)
	assertRows(t, "advantages", adv, [][]float64{{0.5, 0.5, 0}, {-0.5, -0.5}}, 1e-12)

	// Zero tail: row 0 is the unique longest (3 > 2), its baseline is 0 from
	// position 2 on, so A0[2] = G0[2] = 1.
	adv, _, err = OptimalTokenBaseline(r, m, idx, lp, sp, nil, OTBOptions{HandleZeroTail: true})
	if err != nil {
		t.Fatal(err)
	}
	assertRows(t, "zero tail", adv, [][]float64{{0.5, 0.5, 1}, {-0.5, -0.5}}, 1e-12)

	// IS weights scale w by rho²: rho = 2 on row 1 gives W1 = 2, 4 and
	// B_0 = (1·0.5)/(0.5+2) = 0.2, B_1 = (1·1)/(1+4) = 0.2.
	isw := [][]float64{{1, 1, 1}, {2, 2}}
	adv, _, err = OptimalTokenBaseline(r, m, idx, lp, sp, isw, OTBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	assertRows(t, "IS", adv, [][]float64{{0.8, 0.8, 0}, {-0.2, -0.2}}, 1e-12)

	// A singleton group has baseline 0.
	adv, _, _ = OptimalTokenBaseline(r, m, []string{"a", "b"}, lp, sp, nil, OTBOptions{})
	assertRows(t, "singletons", adv, [][]float64{{1, 1, 1}, {0, 0}}, 0)
}

// Row 0 has an observation token at position 1. OTB aligns by absolute
// position; TIR-OTB aligns the k-th VALID tokens.
func TestTIROptimalTokenBaselineCompaction(t *testing.T) {
	r := [][]float64{{0, 0, 1}, {0, 0, 0}}
	m := [][]float64{{1, 0, 1}, {1, 1, 0}}
	lp := full(math.Log(0.5), 3, 3)
	sp := full(0.5, 3, 3)
	idx := []string{"a", "a"}
	// G0 = 1, 1, 1 (r·m reverse cumsum), G1 = 0. W0 = 0.5, 0.5, 1.0 (the
	// masked step adds nothing); W1 = 0.5, 1.0, 1.0.
	// TIR: valid tokens of row 0 are positions 0, 2 -> R0 = 1, 1, W0 = 0.5, 1;
	// row 1 positions 0, 1 -> R1 = 0, 0, W1 = 0.5, 1. B = 0.5, 0.5.
	adv, ret, err := TIROptimalTokenBaseline(r, m, idx, lp, sp, nil, OTBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	assertRows(t, "returns", ret, [][]float64{{1, 1, 1}, {0, 0, 0}}, 0)
	assertRows(t, "TIR", adv, [][]float64{{0.5, 0, 0.5}, {-0.5, -0.5, 0}}, 1e-12)
	// OTB by absolute position: t=1 only row 1 is valid (B = 0); t=2 only
	// row 0 (B = 1·1/1 = 1).
	adv, _, err = OptimalTokenBaseline(r, m, idx, lp, sp, nil, OTBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	assertRows(t, "OTB", adv, [][]float64{{0.5, 0, 0}, {-0.5, 0, 0}}, 1e-12)
}

func TestTIROptimalTokenBaselineEdges(t *testing.T) {
	// A row with no valid token leaves its group, which becomes a singleton:
	// baseline 0, A = G at the valid positions.
	r := [][]float64{{0, 2}, {1, 1}}
	m := [][]float64{{1, 1}, {0, 0}}
	lp := full(math.Log(0.5), 2, 2)
	sp := full(0.5, 2, 2)
	adv, _, err := TIROptimalTokenBaseline(r, m, []string{"a", "a"}, lp, sp, nil, DefaultOTBOptions())
	if err != nil {
		t.Fatal(err)
	}
	assertRows(t, "empty row", adv, [][]float64{{2, 2}, {0, 0}}, 0)

	// Zero tail on compacted indices: row 0 has 3 valid tokens, row 1 has 1,
	// so row 0's baseline is 0 from its 2nd valid token (index 1) on.
	r = [][]float64{{0, 0, 0, 1}, {0, 0, 0, 0}}
	m = [][]float64{{1, 0, 1, 1}, {0, 1, 0, 0}}
	lp = full(math.Log(0.5), 4, 4)
	sp = full(0.5, 4, 4)
	adv, _, err = TIROptimalTokenBaseline(r, m, []string{"a", "a"}, lp, sp, nil, OTBOptions{HandleZeroTail: true})
	if err != nil {
		t.Fatal(err)
	}
	// k=0: B = (1·0.5 + 0·0.5)/1 = 0.5 -> A0 = 0.5 at position 0, A1 = -0.5.
	assertRows(t, "zero tail", adv, [][]float64{{0.5, 0, 1, 1}, {0, -0.5, 0, 0}}, 1e-12)

	_, _, err = TIROptimalTokenBaseline(r, [][]float64{{1, 0.5, 1, 1}, {0, 1, 0, 0}}, []string{"a", "a"}, lp, sp, nil, DefaultOTBOptions())
	wantErr(t, err, "want 0 or 1")
}
