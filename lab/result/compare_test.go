package result

import (
	"math"
	"strings"
	"testing"
)

// f2 is Student's t CDF with 2 degrees of freedom in closed form,
// F(t) = 1/2 + t/(2√(2+t²)): the expected p-values below are computed
// from it by hand, independently of gonum.
func f2(t float64) float64 { return 0.5 + t/(2*math.Sqrt(2+t*t)) }

func zeros(n int) []float64 { return make([]float64, n) }

func TestPairedAgreeDisagree(t *testing.T) {
	// d = 0.2, 0.3, 0.25: mean 0.25, s = 0.05, t = 0.25/(0.05/√3) = 5√3.
	d := []float64{0.2, 0.3, 0.25}
	wantP := 2 * (1 - f2(5*math.Sqrt(3)))
	f := Paired("c", "m", "env", "A", "B", "success", zeros(3), d, true)
	if f.Verdict != Agree || math.Abs(float64(f.P)-wantP) > 1e-9 || f.Margin != marginUnit || f.Env != "env" {
		t.Fatalf("agree: %+v (want p %g)", f, wantP)
	}
	// The same data against the claim "B lower": significant the wrong way.
	if f := Paired("c", "m", "env", "A", "B", "success", zeros(3), d, false); f.Verdict != Disagree {
		t.Fatalf("disagree: %+v", f)
	}
}

func TestPairedHolm(t *testing.T) {
	// Alone each finding has p = 0.0131 < 0.05; four of them in one
	// experiment: Holm multiplies the smallest by 4 → 0.052 > 0.05, so none
	// is significant, and the means (0.25) are far outside the margin, so
	// none is equivalent either.
	d := []float64{0.2, 0.3, 0.25}
	p := 2 * (1 - f2(5*math.Sqrt(3)))
	fs := make([]Finding, 4)
	for i := range fs {
		fs[i] = Paired("c", "m", "env", "A", "B", "success", zeros(3), d, true)
	}
	Settle(fs)
	for _, f := range fs {
		if f.Verdict != Inconclusive || math.Abs(float64(f.PAdj)-4*p) > 1e-9 {
			t.Fatalf("Holm over 4: %+v (want adjusted p %g)", f, 4*p)
		}
	}
}

func TestPairedEquivalent(t *testing.T) {
	// d = −0.01, 0, 0.01, margin 0.05: TOST p = 1 − F(0.05/(0.01/√3)) =
	// 1 − F(5√3) (both sides equal); the difference test has p = 1.
	d := []float64{-0.01, 0, 0.01}
	f := Paired("c", "m", "env", "A", "B", "pearson", zeros(3), d, true)
	want := 1 - f2(5*math.Sqrt(3))
	if f.Verdict != Equivalent || math.Abs(float64(f.PEquiv)-want) > 1e-9 || float64(f.P) != 1 {
		t.Fatalf("equivalent: %+v (want TOST p %g)", f, want)
	}
	// Significant but below the margin: equivalent, not agree.
	f = Paired("c", "m", "env", "A", "B", "pearson", zeros(3), []float64{0.02, 0.021, 0.022}, true)
	if f.Verdict != Equivalent {
		t.Fatalf("tiny but significant: %+v", f)
	}
	// Noisy: inconclusive.
	f = Paired("c", "m", "env", "A", "B", "pearson", zeros(3), []float64{1, -1, 0.5}, true)
	if f.Verdict != Inconclusive {
		t.Fatalf("noisy: %+v", f)
	}
	// One seed: no test.
	f = Paired("c", "m", "env", "A", "B", "pearson", zeros(1), []float64{0.3}, true)
	if f.Verdict != Inconclusive || !math.IsNaN(float64(f.P)) {
		t.Fatalf("one seed: %+v", f)
	}
}

func TestPairedClipsToRange(t *testing.T) {
	// Success rates 0, 0, 1: the t interval [−1.10, 1.77] is clipped to [0, 1].
	f := Paired("c", "m", "env", "A", "B", "success", []float64{0, 0, 1}, []float64{0, 0, 1}, true)
	if f.ValueA.Lo != 0 || f.ValueA.Hi != 1 {
		t.Fatalf("A's interval %+v", *f.ValueA)
	}
	r := RowOf("env", "m", "success", []float64{0, 0, 1})
	if r.Value.Lo != 0 || r.Value.Hi != 1 {
		t.Fatalf("row interval %+v", r.Value)
	}
}

func TestNonInferior(t *testing.T) {
	// d = 0.02, 0.05, 0: mean 0.07/3, H0: mean = −0.1.
	d := []float64{0.02, 0.05, 0}
	m := 0.07 / 3
	ss := 0.0
	for _, x := range d {
		ss += (x - m) * (x - m)
	}
	se := math.Sqrt(ss/2) / math.Sqrt(3)
	want := 2 * (1 - f2((m+0.1)/se))
	// A at 0.5, B = A + d: away from the ends of true_reward's [0, 1]
	va, vb := []float64{0.5, 0.5, 0.5}, []float64{0.52, 0.55, 0.5}
	f := NonInferior("c", "m", "env", "A", "B", "true_reward", va, vb, 0.1)
	if f.Verdict != Agree || math.Abs(float64(f.P)-want) > 1e-9 {
		t.Fatalf("non-inferior: %+v (want p %g)", f, want)
	}
	f = NonInferior("c", "m", "env", "A", "B", "true_reward", va, []float64{0.2, 0.15, 0.18}, 0.1)
	if f.Verdict != Disagree {
		t.Fatalf("inferior: %+v", f)
	}
}

// TestCeiling: two methods that both solve the task (success within the
// margin of 1) or both reach equilibrium (exploitability within the margin
// of 0) are not called equivalent: the task cannot separate them.
func TestCeiling(t *testing.T) {
	f := Paired("c", "m", "env", "A", "B", "success", []float64{0.98, 0.99, 1, 0.97}, []float64{0.99, 1, 0.99, 0.98}, true)
	if f.Verdict != Inconclusive || f.Bound != "the upper bound 1.000" || !strings.Contains(f.Detail, "cannot separate") {
		t.Fatalf("both at the ceiling: %+v", f)
	}
	f = Paired("c", "m", "env", "A", "B", "exploitability", []float64{0.004, 0.002, 0.003}, []float64{0.003, 0.002, 0.004}, false)
	if f.Verdict != Inconclusive || f.Bound != "the lower bound 0.000" {
		t.Fatalf("both at the floor: %+v", f)
	}
	// the same spread away from the bound is an equivalence
	f = Paired("c", "m", "env", "A", "B", "success", []float64{0.58, 0.59, 0.6, 0.57}, []float64{0.59, 0.6, 0.59, 0.58}, true)
	if f.Verdict != Equivalent || f.Bound != "" {
		t.Fatalf("away from the bound: %+v", f)
	}
	// one method at the ceiling, the other far below: a real difference
	f = Paired("c", "m", "env", "A", "B", "success", []float64{0.98, 0.99, 1, 0.97}, []float64{0.5, 0.45, 0.55, 0.52}, true)
	if f.Verdict != Disagree || f.Bound != "" {
		t.Fatalf("one at the ceiling: %+v", f)
	}
	// non-inferiority of two methods at the ceiling is not shown by the task
	f = NonInferior("c", "m", "env", "A", "B", "true_reward", []float64{0.99, 1, 0.98}, []float64{1, 0.99, 0.99}, 0.1)
	if f.Verdict != Inconclusive || f.Bound == "" {
		t.Fatalf("non-inferiority at the ceiling: %+v", f)
	}
}

func TestResultCounts(t *testing.T) {
	r := &Result{Findings: []Finding{{Verdict: Agree}, {Verdict: Agree}, {Verdict: Equivalent}, {Verdict: Inconclusive}}}
	c := r.Counts()
	if c != (Counts{Agree: 2, Equivalent: 1, Inconclusive: 1}) || r.Verdict() != Mixed || c.String() != "2 agree, 1 equivalent, 1 inconclusive" {
		t.Fatalf("counts %+v %q %q", c, r.Verdict(), c.String())
	}
	r = &Result{Findings: []Finding{{Verdict: Disagree}, {Verdict: Disagree}}}
	if r.Verdict() != Disagree {
		t.Fatal(r.Verdict())
	}
}
