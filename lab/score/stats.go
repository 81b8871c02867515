package score

import (
	"math"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"
)

// TQuantile is the p-quantile of Student's t distribution with df degrees
// of freedom (gonum's distuv.StudentsT; exact for every df, unlike a table
// that falls back to the normal 1.96 past df = 30).
func TQuantile(p, df float64) float64 {
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Quantile(p)
}

// tCDF is the CDF of Student's t with df degrees of freedom; ±Inf map to 1/0.
func tCDF(t, df float64) float64 {
	switch {
	case math.IsInf(t, 1):
		return 1
	case math.IsInf(t, -1):
		return 0
	}
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.CDF(t)
}

// finite drops NaN values.
func finite(x []float64) []float64 {
	v := make([]float64, 0, len(x))
	for _, a := range x {
		if !math.IsNaN(a) {
			v = append(v, a)
		}
	}
	return v
}

// meanSE returns the mean, the standard error s/√n and n of the non-NaN
// values (se NaN for n < 2).
func meanSE(x []float64) (m, se float64, n int) {
	v := finite(x)
	n = len(v)
	if n == 0 {
		return math.NaN(), math.NaN(), 0
	}
	m = Mean(v)
	if n < 2 {
		return m, math.NaN(), n
	}
	ss := 0.0
	for _, a := range v {
		ss += (a - m) * (a - m)
	}
	return m, math.Sqrt(ss/float64(n-1)) / math.Sqrt(float64(n)), n
}

// CI is the mean of x with the two-sided Student-t interval at the given
// confidence level, mean ± t_{(1+level)/2, n−1}·s/√n. NaN values are
// dropped; a single value gives an interval of zero width with N = 1,
// which callers read as "no interval"; no value gives NaN.
func CI(x []float64, level float64) Interval {
	m, se, n := meanSE(x)
	switch n {
	case 0:
		return Interval{Mean: math.NaN(), Lo: math.NaN(), Hi: math.NaN()}
	case 1:
		return Interval{Mean: m, Lo: m, Hi: m, N: 1}
	}
	h := TQuantile((1+level)/2, float64(n-1)) * se
	return Interval{Mean: m, Lo: m - h, Hi: m + h, N: n}
}

// CI95 is CI(x, 0.95).
func CI95(x []float64) Interval { return CI(x, 0.95) }

// Clip restricts an interval to the range [lo, hi] a metric can take (a
// success rate in [0, 1], a correlation in [−1, 1], a variance ≥ 0): the
// t interval is symmetric and can leave the range with few seeds; the
// part outside holds no possible value, so the clipped interval has at
// least the same coverage. Use ±Inf for an open side.
func (v Interval) Clip(lo, hi float64) Interval {
	if math.IsNaN(v.Mean) {
		return v
	}
	v.Lo = math.Min(math.Max(v.Lo, lo), hi)
	v.Hi = math.Max(math.Min(v.Hi, hi), lo)
	return v
}

// CI95In is CI95 clipped to the metric's range [lo, hi].
func CI95In(x []float64, lo, hi float64) Interval { return CI95(x).Clip(lo, hi) }

// TTest is the one-sample Student t test of H0: E[x] = null (use the
// per-seed differences for a paired test). It returns the two-sided
// p-value 2·P(T_{n−1} > |t|) with t = (x̄ − null)/(s/√n), and the mean.
// With zero spread the test is exact: p = 0 when x̄ ≠ null, 1 when equal.
// Fewer than 2 values give p = NaN.
func TTest(x []float64, null float64) (p, mean float64) {
	m, se, n := meanSE(x)
	if n < 2 {
		return math.NaN(), m
	}
	if se == 0 {
		if m == null {
			return 1, m
		}
		return 0, m
	}
	t := (m - null) / se
	return 2 * (1 - tCDF(math.Abs(t), float64(n-1))), m
}

// TOST is the two one-sided tests of equivalence (Schuirmann 1987),
// H0: |E[x]| ≥ margin against H1: |E[x]| < margin. Its p-value is
// max(1 − F((x̄ + δ)/se), F((x̄ − δ)/se)) with F the t_{n−1} CDF and
// se = s/√n; rejecting at level α is the same as the (1 − 2α) t interval
// lying inside (−δ, δ). NaN for fewer than 2 values or margin ≤ 0.
func TOST(x []float64, margin float64) float64 {
	m, se, n := meanSE(x)
	if n < 2 || !(margin > 0) {
		return math.NaN()
	}
	if se == 0 {
		if math.Abs(m) < margin {
			return 0
		}
		return 1
	}
	df := float64(n - 1)
	pLo := 1 - tCDF((m+margin)/se, df) // H0: mean ≤ −δ
	pHi := tCDF((m-margin)/se, df)     // H0: mean ≥ δ
	return math.Max(pLo, pHi)
}

// Holm returns Holm's step-down adjusted p-values (Holm 1979): with the m
// non-NaN p-values sorted ascending p_(1) ≤ … ≤ p_(m),
// adj_(i) = max_{j ≤ i} min(1, (m − j + 1)·p_(j)). Rejecting adj < α
// controls the family-wise error rate at α. NaN entries stay NaN and do
// not count in m.
func Holm(p []float64) []float64 {
	adj := make([]float64, len(p))
	var idx []int
	for i, v := range p {
		adj[i] = math.NaN()
		if !math.IsNaN(v) {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return p[idx[a]] < p[idx[b]] })
	m := len(idx)
	run := 0.0
	for j, i := range idx {
		v := math.Min(1, float64(m-j)*p[i])
		run = math.Max(run, v)
		adj[i] = run
	}
	return adj
}
