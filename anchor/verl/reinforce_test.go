package verl

import (
	"math"
	"testing"
)

func TestReinforcePlusPlusHand(t *testing.T) {
	// gamma 0.5, all valid: G = [1 + 0.5·(0 + 0.5·2), 0 + 0.5·2, 2] = [1.5, 1, 2].
	// Interior mask zero: G[2] = 2; G[1] = 0 + 0.5·2 = 1, then the running
	// return is reset by mask 0; G[0] = 1 + 0.5·0 = 1.
	r := [][]float64{{1, 0, 2}, {1, 0, 2}}
	m := [][]float64{{1, 1, 1}, {1, 0, 1}}
	adv, ret, err := ReinforcePlusPlus(r, m, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	assertRows(t, "returns", ret, [][]float64{{1.5, 1, 2}, {1, 1, 2}}, 0)
	// Whitening over the 5 masked tokens 1.5, 1, 2, 1, 2: mean 7.5/5 = 1.5,
	// squared deviations 0, .25, .25, .25, .25 -> 1/5 · 5/4 = 0.25 (unbiased),
	// scale 1/sqrt(0.25+1e-8) ~ 2. (Hand values ignore the +1e-8 of verl's
	// masked_mean denominator, an O(1e-8) effect, hence the 1e-7 tolerance.)
	s := 1 / math.Sqrt(0.25+1e-8)
	want := [][]float64{{0, -0.5 * s, 0.5 * s}, {-0.5 * s, 0, 0.5 * s}}
	assertRows(t, "advantages", adv, want, 1e-7)

	_, _, err = ReinforcePlusPlus([][]float64{{1}}, [][]float64{{1}}, 1)
	wantErr(t, err, "sums to 1")
}

// Group "a": row 0 score 1 over 1 token, row 1 score 3 over 3 tokens; mean 2,
// so a = -1 and +1. The token-weighted whitening sees -1 once and +1 three
// times: mean (−1+3)/4 = 0.5, squared deviations 2.25 + 3·0.25 = 3, variance
// 3/4 · 4/3 = 1. A = (-1.5) and (0.5, 0.5, 0.5): NOT zero-mean per group.
func TestReinforcePlusPlusBaselineHand(t *testing.T) {
	r := [][]float64{{1, 0}, {0, 0, 3}}
	m := [][]float64{{1, 0}, {1, 1, 1}}
	adv, ret, err := ReinforcePlusPlusBaseline(r, m, []string{"a", "a"})
	if err != nil {
		t.Fatal(err)
	}
	s := 1 / math.Sqrt(1+1e-8)
	want := [][]float64{{-1.5 * s, 0}, {0.5 * s, 0.5 * s, 0.5 * s}}
	assertRows(t, "advantages", adv, want, 1e-7)
	assertRows(t, "returns", ret, want, 1e-7)

	a, err := ReinforcePlusPlusBaselineScalar([]float64{1, 3, 7}, []int{0, 0, 1}, 2)
	if err != nil {
		t.Fatal(err)
	}
	assertVec(t, "scalar", a, []float64{-1, 1, 7}, 0) // singleton keeps its score
}

// With a weighted mask the closed-form per-row statistics must agree with
// MaskedWhiten applied to the tiled values.
func TestReinforcePlusPlusBaselineWeightedMask(t *testing.T) {
	r := [][]float64{{1, 0, 0}, {0, 2}, {5}}
	m := [][]float64{{0.5, 1, 0}, {2, 0.25}, {1}}
	idx := []string{"a", "a", "b"}
	adv, _, err := ReinforcePlusPlusBaseline(r, m, idx)
	if err != nil {
		t.Fatal(err)
	}
	a := []float64{-0.5, 0.5, 5} // group a mean 1.5; b singleton
	x := make([][]float64, len(m))
	for i := range m {
		x[i] = make([]float64, len(m[i]))
		for j := range m[i] {
			x[i][j] = a[i] * m[i][j]
		}
	}
	w, err := MaskedWhiten(x, m)
	if err != nil {
		t.Fatal(err)
	}
	for i := range w {
		for j := range w[i] {
			w[i][j] *= m[i][j]
		}
	}
	assertRows(t, "weighted", adv, w, 1e-12)
}

func TestMaskedWhitenHand(t *testing.T) {
	// Masked values 1, 2, 3: mean 2, unbiased variance 1. The masked position
	// (100) is transformed too: (100 - 2)/sqrt(1 + 1e-8).
	out, err := MaskedWhiten([][]float64{{1, 2}, {3, 100}}, [][]float64{{1, 1}, {1, 0}})
	if err != nil {
		t.Fatal(err)
	}
	s := 1 / math.Sqrt(1+1e-8)
	assertRows(t, "whitened", out, [][]float64{{-s, 0}, {s, 98 * s}}, 1e-6)
	// The same, spelling out verl's masked_mean denominators Σm + 1e-8.
	mean := 6 / (3 + 1e-8)
	v := ((1-mean)*(1-mean) + (2-mean)*(2-mean) + (3-mean)*(3-mean)) / (3 + 1e-8) * 3 / 2
	s = 1 / math.Sqrt(v+1e-8)
	assertRows(t, "exact", out, [][]float64{{(1 - mean) * s, (2 - mean) * s}, {(3 - mean) * s, (100 - mean) * s}}, 1e-13)
	_, err = MaskedWhiten([][]float64{{1, 2}}, [][]float64{{0, 0}})
	wantErr(t, err, "sums to 0")
}
