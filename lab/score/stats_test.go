package score

import (
	"math"
	"testing"
)

// Expected values are closed forms, not outputs of the code under test:
// Student's t with 2 degrees of freedom has F(t) = 1/2 + t/(2√(2+t²)) and
// quantile (2p−1)/√(2p(1−p)); with 1 degree of freedom it is the Cauchy
// distribution, quantile tan(π(p−1/2)). Larger df are checked against
// printed t tables (3 decimals).

func nearTol(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol || math.IsNaN(got) != math.IsNaN(want) {
		t.Fatalf("%s = %.10g, want %.10g", what, got, want)
	}
}

func TestTQuantile(t *testing.T) {
	nearTol(t, "t(0.975, 1)", TQuantile(0.975, 1), math.Tan(math.Pi*0.475), 1e-9)
	nearTol(t, "t(0.975, 2)", TQuantile(0.975, 2), 0.95/math.Sqrt(2*0.975*0.025), 1e-9)
	// Printed tables: df 40 → 2.021, df 100 → 1.984, df 30 → 2.042. The old
	// hand table switched to 1.96 past df = 30.
	nearTol(t, "t(0.975, 30)", TQuantile(0.975, 30), 2.042, 5e-4)
	nearTol(t, "t(0.975, 40)", TQuantile(0.975, 40), 2.021, 5e-4)
	nearTol(t, "t(0.975, 100)", TQuantile(0.975, 100), 1.984, 5e-4)
}

func TestCI95Exact(t *testing.T) {
	q := 0.95 / math.Sqrt(2*0.975*0.025) // t(0.975, 2)
	iv := CI95([]float64{1, 2, 3, math.NaN()})
	se := 1 / math.Sqrt(3)
	nearTol(t, "mean", iv.Mean, 2, 1e-12)
	nearTol(t, "lo", iv.Lo, 2-q*se, 1e-9)
	nearTol(t, "hi", iv.Hi, 2+q*se, 1e-9)
	if iv.N != 3 {
		t.Fatalf("N = %d", iv.N)
	}
	// 41 values: df = 40, no normal fallback.
	x := make([]float64, 41)
	for i := range x {
		x[i] = float64(i % 2) // mean 20/41, s² = (20·21/41)/40
	}
	iv = CI95(x)
	m := 20.0 / 41
	s := math.Sqrt((20 * 21.0 / 41) / 40)
	nearTol(t, "half-width df 40", iv.Hi-iv.Mean, 2.021*s/math.Sqrt(41), 5e-4*s/math.Sqrt(41)+1e-12)
	nearTol(t, "mean df 40", iv.Mean, m, 1e-12)
	if one := CI95([]float64{0.5}); one.N != 1 || one.Lo != 0.5 || one.Hi != 0.5 {
		t.Fatalf("one value: %+v", one)
	}
	if none := CI95(nil); !math.IsNaN(none.Mean) || none.N != 0 {
		t.Fatalf("no value: %+v", none)
	}
}

func TestClip(t *testing.T) {
	// A success rate of 0, 0, 1: the t interval 1/3 ± 4.303·(0.577/√3)
	// = [−1.101, 1.768] leaves [0, 1] on both sides.
	raw := CI95([]float64{0, 0, 1})
	nearTol(t, "raw lo", raw.Lo, -1.1008842432498207, 1e-9)
	iv := CI95In([]float64{0, 0, 1}, 0, 1)
	if iv.Lo != 0 || iv.Hi != 1 || iv.Mean != raw.Mean {
		t.Fatalf("clipped: %+v", iv)
	}
	iv = Interval{Mean: 0.2, Lo: -0.1, Hi: 0.5, N: 3}.Clip(0, math.Inf(1))
	if iv.Lo != 0 || iv.Hi != 0.5 {
		t.Fatalf("half-open clip: %+v", iv)
	}
	if nan := (Interval{Mean: math.NaN(), Lo: math.NaN(), Hi: math.NaN()}).Clip(0, 1); !math.IsNaN(nan.Lo) {
		t.Fatalf("NaN interval clipped to %+v", nan)
	}
}

func TestTTest(t *testing.T) {
	// x = 1, 2, 3: t = 2/(1/√3) = √12 with 2 df; p = 2(1 − F(√12)).
	tt := math.Sqrt(12)
	want := 2 * (1 - (0.5 + tt/(2*math.Sqrt(2+tt*tt))))
	p, m := TTest([]float64{1, 2, 3}, 0)
	nearTol(t, "p", p, want, 1e-9)
	nearTol(t, "p (hand)", p, 0.0741799, 1e-6)
	nearTol(t, "mean", m, 2, 0)
	// Shifting the null shifts t: null 2 gives t = 0, p = 1.
	p, _ = TTest([]float64{1, 2, 3}, 2)
	nearTol(t, "p at the mean", p, 1, 1e-12)
	// No spread: exact.
	if p, _ := TTest([]float64{0.1, 0.1}, 0); p != 0 {
		t.Fatalf("constant ≠ null: p = %g", p)
	}
	if p, _ := TTest([]float64{0, 0}, 0); p != 1 {
		t.Fatalf("constant = null: p = %g", p)
	}
	if p, _ := TTest([]float64{1}, 0); !math.IsNaN(p) {
		t.Fatalf("one value: p = %g", p)
	}
}

func TestTOST(t *testing.T) {
	// x = 0.1, 0.2, 0.3, δ = 1: se = 0.1/√3; the binding side is
	// F((0.2 − 1)/se) with 2 df.
	se := 0.1 / math.Sqrt(3)
	z := -0.8 / se
	want := 0.5 + z/(2*math.Sqrt(2+z*z))
	nearTol(t, "tost", TOST([]float64{0.1, 0.2, 0.3}, 1), want, 1e-9)
	nearTol(t, "tost (hand)", TOST([]float64{0.1, 0.2, 0.3}, 1), 0.0025840, 1e-6)
	// A mean outside the margin cannot be shown equivalent.
	if p := TOST([]float64{1.9, 2, 2.1}, 1); p < 0.5 {
		t.Fatalf("mean 2, margin 1: p = %g", p)
	}
	if p := TOST([]float64{0.2, 0.2}, 0.5); p != 0 {
		t.Fatalf("constant inside the margin: p = %g", p)
	}
	if p := TOST([]float64{0.1, 0.2}, 0); !math.IsNaN(p) {
		t.Fatalf("zero margin: p = %g", p)
	}
}

func TestHolm(t *testing.T) {
	// m = 4: sorted 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06,
	// 0.04·1 = 0.04 → raised to the running max 0.06.
	got := Holm([]float64{0.01, 0.04, math.NaN(), 0.03, 0.005})
	want := []float64{0.03, 0.06, math.NaN(), 0.06, 0.02}
	for i := range want {
		nearTol(t, "holm", got[i], want[i], 1e-12)
	}
	// Capped at 1.
	got = Holm([]float64{0.6, 0.7})
	nearTol(t, "cap", got[0], 1, 0)
	nearTol(t, "cap", got[1], 1, 0)
	if len(Holm(nil)) != 0 {
		t.Fatal("empty")
	}
}
