package igpo

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

func check(t *testing.T, name string, got, want [][]float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d", name, len(got), len(want))
	}
	for i := range want {
		if len(got[i]) != len(want[i]) {
			t.Fatalf("%s: row %d has %d values, want %d", name, i, len(got[i]), len(want[i]))
		}
		for j := range want[i] {
			if math.Abs(got[i][j]-want[i][j]) > tol {
				t.Errorf("%s[%d][%d] = %.9g, want %.9g", name, i, j, got[i][j], want[i][j])
			}
		}
	}
}

// Two rows of prompt group u.
// Row 0: IG reward 0.5 at position 1, F1 reward 1 at position 5 (= 6-1).
// Row 1: IG reward -0.5 at position 2, F1 position 3 (= 4-1) with reward 0.
var (
	rw = [][]float64{{0, 0.5, 0, 0, 0, 1}, {0, 0, -0.5, 0, 0, 0}}
	mk = [][]float64{{1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 0, 0}}
	ix = []string{"u", "u"}
)

func TestJointNoStd(t *testing.T) {
	// Joint values {0.5, 1, -0.5, 0}: mean 0.25 -> n = 0.25, 0.75 | -0.75, -0.25.
	// γ=1: row 0 A(5)=0.75, A(1)=1.0 -> [1 1 .75 .75 .75 .75];
	//      row 1 A(3)=-0.25, A(2)=-1.0 -> [-1 -1 -1 -.25 0 0] (tail masked).
	o := DefaultOptions()
	o.NormByStd = false
	got, err := GRPOTurnLevel(rw, mk, ix, o)
	if err != nil {
		t.Fatal(err)
	}
	check(t, "gamma1", got, [][]float64{{1, 1, 0.75, 0.75, 0.75, 0.75}, {-1, -1, -1, -0.25, 0, 0}}, 1e-12)
	// γ=0.5: A(1) = 0.25 + 0.5*0.75 = 0.625; A(2) = -0.75 + 0.5*(-0.25) = -0.875.
	o.Gamma = 0.5
	got, err = GRPOTurnLevel(rw, mk, ix, o)
	if err != nil {
		t.Fatal(err)
	}
	check(t, "gamma0.5", got, [][]float64{{0.625, 0.625, 0.75, 0.75, 0.75, 0.75}, {-0.875, -0.875, -0.875, -0.25, 0, 0}}, 1e-12)
}

func TestSeparateNoStd(t *testing.T) {
	// F1 set {1, 0}: mean 0.5; IG set {0.5, -0.5}: mean 0.
	// Row 0: n(1)=0.5, n(5)=0.5 -> A(5)=0.5, A(1)=1; row 1: n(2)=-0.5, n(3)=-0.5.
	o := DefaultOptions()
	o.NormByStd = false
	o.Mode = Separate
	got, err := GRPOTurnLevel(rw, mk, ix, o)
	if err != nil {
		t.Fatal(err)
	}
	check(t, "separate", got, [][]float64{{1, 1, 0.5, 0.5, 0.5, 0.5}, {-1, -1, -1, -0.5, 0, 0}}, 1e-12)
}

func TestStdAndSingleton(t *testing.T) {
	// Group u: single-token rows with F1 rewards 1 and 3: mean 2, population
	// var 1, σ = sqrt(1+1e-8), A = ±1/(σ+1e-6) = ±0.999998995.
	// Group v: one row, one reward position: count 1 -> σ = 1 and the mean is
	// the value itself, so A = 0.
	got, err := GRPOTurnLevel([][]float64{{1}, {3}, {7}}, [][]float64{{1}, {1}, {1}}, []string{"u", "u", "v"}, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	a := 1 / (math.Sqrt(1+1e-8) + 1e-6)
	check(t, "std", got, [][]float64{{-a}, {a}, {0}}, 1e-12)
}

func TestCurriculumWeights(t *testing.T) {
	// Weights 2 (F1) and 0.5 (IG): values {0.25, 2, -0.25, 0}, mean 0.5:
	// row 0: n(1) = -0.25, n(5) = 1.5 -> A(1) = 1.25; row 1: n(2) = -0.75, n(3) = -0.5.
	o := DefaultOptions()
	o.NormByStd = false
	o.CurriculumF1Weight, o.CurriculumIGWeight = 2, 0.5
	got, err := GRPOTurnLevel(rw, mk, ix, o)
	if err != nil {
		t.Fatal(err)
	}
	check(t, "curriculum", got, [][]float64{{1.25, 1.25, 1.5, 1.5, 1.5, 1.5}, {-1.25, -1.25, -1.25, -0.5, 0, 0}}, 1e-12)
}

func TestFinalRewardPosition(t *testing.T) {
	for _, c := range []struct {
		mask                []float64
		faithful, corrected int
	}{
		{[]float64{1, 1, 1, 0, 0}, 2, 2},
		{[]float64{1, 1, 0, 1, 1}, 3, 4},  // interior zero: sum-1 = 3 lands early
		{[]float64{1, 1, 0, 0, 1}, -1, 4}, // sum-1 = 2 is masked: no F1 at all
		{[]float64{0, 0}, -1, -1},
		{nil, -1, -1},
	} {
		if got := FinalRewardPosition(c.mask, false); got != c.faithful {
			t.Errorf("faithful %v = %d, want %d", c.mask, got, c.faithful)
		}
		if got := FinalRewardPosition(c.mask, true); got != c.corrected {
			t.Errorf("corrected %v = %d, want %d", c.mask, got, c.corrected)
		}
	}
}

func TestCorrectedFinalPosition(t *testing.T) {
	// One row, observation token at position 2: mask [1 1 0 1 1], rewards
	// IG 0.2 at 1 and the outcome 1.0 at 4 (the true last token).
	r := [][]float64{{0, 0.2, 0, 0, 1}}
	m := [][]float64{{1, 1, 0, 1, 1}}
	o := DefaultOptions()
	o.NormByStd = false
	// Faithful: F1 at 3 (reward 0), and 1.0 at 4 becomes an IG position.
	// Values {0.2, 0, 1}: mean 0.4 -> n = -0.2, -0.4, 0.6; A(4)=0.6,
	// A(3)=0.2, A(1)=0; t=2 is masked -> [0 0 0 0.2 0.6].
	got, err := GRPOTurnLevel(r, m, []string{"u"}, o)
	if err != nil {
		t.Fatal(err)
	}
	check(t, "faithful", got, [][]float64{{0, 0, 0, 0.2, 0.6}}, 1e-12)
	// Corrected: F1 at 4; values {0.2, 1}: mean 0.6 -> n = -0.4, 0.4;
	// A(4)=0.4, A(1)=0 -> [0 0 0 0.4 0.4].
	o.Corrected = true
	got, err = GRPOTurnLevel(r, m, []string{"u"}, o)
	if err != nil {
		t.Fatal(err)
	}
	check(t, "corrected", got, [][]float64{{0, 0, 0, 0.4, 0.4}}, 1e-12)
}

func TestNormalisedValuesSumToZero(t *testing.T) {
	// Property: with γ=0 and no std scaling, each boundary carries its
	// centred reward, so the values at the boundaries of a prompt group sum
	// to zero (joint mode; groups with at least one boundary).
	rng := rand.New(rand.NewSource(11))
	const b, T = 24, 12
	r := make([][]float64, b)
	m := make([][]float64, b)
	idx := make([]string, b)
	for i := range r {
		r[i], m[i] = make([]float64, T), make([]float64, T)
		n := 1 + rng.Intn(T)
		for t := 0; t < n; t++ {
			if rng.Intn(5) > 0 {
				m[i][t] = 1
			}
			if rng.Intn(3) == 0 {
				r[i][t] = rng.NormFloat64()
			}
		}
		idx[i] = fmt.Sprint(rng.Intn(4))
	}
	o := DefaultOptions()
	o.NormByStd, o.Gamma = false, 0
	got, err := GRPOTurnLevel(r, m, idx, o)
	if err != nil {
		t.Fatal(err)
	}
	sum := map[string]float64{}
	for i := range r {
		f := FinalRewardPosition(m[i], false)
		for t := range r[i] {
			if m[i][t] == 1 && (t == f || r[i][t] != 0) {
				sum[idx[i]] += got[i][t]
			}
		}
	}
	for k, s := range sum {
		if math.Abs(s) > 1e-12 {
			t.Errorf("group %s: boundary values sum to %v", k, s)
		}
	}
}

func TestErrors(t *testing.T) {
	if _, err := GRPOTurnLevel([][]float64{{1, 2}}, [][]float64{{1}}, []string{"u"}, DefaultOptions()); err == nil {
		t.Error("ragged mismatch: want an error")
	}
	if _, err := GRPOTurnLevel([][]float64{{1}}, [][]float64{{1}}, nil, DefaultOptions()); err == nil {
		t.Error("index length: want an error")
	}
	if _, err := GRPOTurnLevel([][]float64{{math.NaN()}}, [][]float64{{1}}, []string{"u"}, DefaultOptions()); err == nil {
		t.Error("NaN reward at a reward position: want an error")
	}
	if _, err := GRPOTurnLevel([][]float64{{1}}, [][]float64{{math.Inf(1)}}, []string{"u"}, DefaultOptions()); err == nil {
		t.Error("infinite mask: want an error")
	}
}

func ExampleGRPOTurnLevel() {
	// Two responses to one prompt, each with an information-gain reward at
	// the end of its first turn and an F1 reward on its last token.
	rewards := [][]float64{{0, 0.5, 0, 1}, {0, -0.5, 0, 0}}
	mask := [][]float64{{1, 1, 1, 1}, {1, 1, 1, 1}}
	o := DefaultOptions()
	o.NormByStd = false
	adv, _ := GRPOTurnLevel(rewards, mask, []string{"q", "q"}, o)
	fmt.Println(adv)
	// Output:
	// [[1 1 0.75 0.75] [-1 -1 -0.25 -0.25]]
}
