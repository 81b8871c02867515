package score

import (
	"math"
	"testing"
)

func near(t *testing.T, name string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-9 {
		t.Errorf("%s = %.12g, want %.12g", name, got, want)
	}
}

func TestPearson(t *testing.T) {
	// x = [1,2,3], y = [2,4,7]: dx = [−1,0,1], dy = [−7/3,−1/3,8/3],
	// Σdxdy = 5, Σdx² = 2, Σdy² = 114/9, r = 5/√(228/9) = 15/√228.
	near(t, "pearson", Pearson([]float64{1, 2, 3}, []float64{2, 4, 7}), 15/math.Sqrt(228))
	near(t, "anti", Pearson([]float64{1, 2, 3}, []float64{3, 2, 1}), -1)
	if !math.IsNaN(Pearson([]float64{1, 1, 1}, []float64{1, 2, 3})) {
		t.Error("constant vector: want NaN")
	}
}

func TestSpearman(t *testing.T) {
	// Ranks of [1,1,2] are [1.5,1.5,3]; of [10,20,30] [1,2,3]:
	// dx = [−0.5,−0.5,1], dy = [−1,0,1]: Σ = 1.5, Σdx² = 1.5, Σdy² = 2 → 1.5/√3.
	near(t, "spearman ties", Spearman([]float64{1, 1, 2}, []float64{10, 20, 30}), 1.5/math.Sqrt(3))
	near(t, "spearman monotone", Spearman([]float64{1, 5, 9}, []float64{0, 1, 100}), 1)
}

func TestSignAgreement(t *testing.T) {
	// truth ≠ 0 at the first three: agree (1), disagree (0), est = 0 (½) → 1.5/3.
	near(t, "sign", SignAgreement([]float64{1, -1, 0, 2}, []float64{0.5, 0.5, -1, 0}, 0), 0.5)
	if !math.IsNaN(SignAgreement([]float64{1}, []float64{0}, 0)) {
		t.Error("no non-zero truth: want NaN")
	}
}

func TestBestScale(t *testing.T) {
	// c = Σ est·truth / Σ est² = (2 + 8)/(1 + 4) = 2.
	near(t, "scale", BestScale([]float64{1, 2}, []float64{2, 4}), 2)
	near(t, "zero", BestScale([]float64{0, 0}, []float64{2, 4}), 0)
}

func TestDecompose(t *testing.T) {
	// cells a = {1, 3} with truth 1, b = {2} with truth 2, c = 1:
	// a: mean 2, bias² 1, variance 1; b: bias 0, variance 0.
	// Bias2 = 2/3, Var = 2/3, MSE = (0 + 4 + 0)/3 = 4/3, E[A²] = (1+1+4)/3 = 2.
	d := Decompose([]float64{1, 3, 2}, []float64{1, 1, 2}, []string{"a", "a", "b"}, 1)
	near(t, "bias2", d.Bias2, 2.0/3)
	near(t, "var", d.Var, 2.0/3)
	near(t, "mse", d.MSE, 4.0/3)
	near(t, "mse = bias2 + var", d.MSE, d.Bias2+d.Var)
	near(t, "relmse", d.RelMSE, 2.0/3)
	if d.Cells != 2 {
		t.Errorf("cells = %d, want 2", d.Cells)
	}
	// With the best scale the relative MSE is 1 − cos²(est, truth):
	// est = [1, 0], truth = [1, 1]: c = 1, MSE = (0 + 1)/2, E[A²] = 1 → ½ = 1 − ½.
	e, tr := []float64{1, 0}, []float64{1, 1}
	d = Decompose(e, tr, []string{"x", "y"}, BestScale(e, tr))
	near(t, "relmse best", d.RelMSE, 0.5)
}

func TestCosine(t *testing.T) {
	a := map[string][]float64{"s": {1, 0}}
	b := map[string][]float64{"s": {1, 1}, "u": {0, 0}}
	near(t, "cos", Cosine(a, b), 1/math.Sqrt(2))
	c := map[string][]float64{"u": {3, 4}}
	near(t, "orthogonal keys", Cosine(a, c), 0)
	near(t, "norm", Norm(c), 5)
	if !math.IsNaN(Cosine(a, map[string][]float64{})) {
		t.Error("zero vector: want NaN")
	}
}

func TestCI95(t *testing.T) {
	// mean 2, s = 1, t(0.975, 2) = 0.95/√(2·0.975·0.025) ≈ 4.3027
	// (closed form for 2 df): half-width t/√3.
	q := 0.95 / math.Sqrt(2*0.975*0.025)
	iv := CI95([]float64{1, 2, 3})
	near(t, "mean", iv.Mean, 2)
	near(t, "hi", iv.Hi, 2+q/math.Sqrt(3))
	near(t, "lo", iv.Lo, 2-q/math.Sqrt(3))
	if iv.N != 3 {
		t.Errorf("n = %d", iv.N)
	}
	one := CI95([]float64{5, math.NaN()})
	if one.N != 1 || one.Mean != 5 || one.Lo != 5 {
		t.Errorf("single value: %+v", one)
	}
}

func TestCreditMetricsPerfect(t *testing.T) {
	// A rescaled copy of the truth is a perfect estimator: correlation 1,
	// sign agreement 1, relative MSE 0 after rescaling.
	tr := []float64{1, -2, 0.5, -0.5}
	est := []float64{2, -4, 1, -1}
	c := CreditMetrics(est, tr, []string{"a", "b", "c", "d"}, 0)
	near(t, "pearson", c.Pearson, 1)
	near(t, "sign", c.Sign, 1)
	near(t, "scale", c.Scale, 0.5)
	near(t, "relmse", c.RelMSE, 0)
}
