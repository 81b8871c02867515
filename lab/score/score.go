package score

import (
	"encoding/json"
	"math"
	"sort"
)

// Mean is the arithmetic mean (NaN for no values).
func Mean(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// Pearson is the sample correlation Σ(x−x̄)(y−ȳ)/√(Σ(x−x̄)²·Σ(y−ȳ)²). It is
// NaN when either vector is constant or the lengths differ.
func Pearson(x, y []float64) float64 {
	if len(x) != len(y) || len(x) < 2 {
		return math.NaN()
	}
	mx, my := Mean(x), Mean(y)
	var sxy, sxx, syy float64
	for i := range x {
		dx, dy := x[i]-mx, y[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	if sxx == 0 || syy == 0 {
		return math.NaN()
	}
	return sxy / math.Sqrt(sxx*syy)
}

// Ranks returns the ranks of x (1-based; ties get their average rank).
func Ranks(x []float64) []float64 {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return x[idx[a]] < x[idx[b]] })
	r := make([]float64, len(x))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && x[idx[j+1]] == x[idx[i]] {
			j++
		}
		avg := float64(i+j)/2 + 1
		for k := i; k <= j; k++ {
			r[idx[k]] = avg
		}
		i = j + 1
	}
	return r
}

// Spearman is the Pearson correlation of the ranks.
func Spearman(x, y []float64) float64 { return Pearson(Ranks(x), Ranks(y)) }

// SignAgreement is the share of samples with |truth| > tol whose credit has
// the sign of the truth; a credit of exactly 0 counts one half. NaN when no
// sample has |truth| > tol.
func SignAgreement(est, truth []float64, tol float64) float64 {
	n, s := 0, 0.0
	for i := range truth {
		if math.Abs(truth[i]) <= tol {
			continue
		}
		n++
		switch {
		case est[i] == 0:
			s += 0.5
		case (est[i] > 0) == (truth[i] > 0):
			s++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return s / float64(n)
}

// BestScale is c* = argmin_c Σ(c·est − truth)² = Σ est·truth / Σ est²
// (0 when est is all zero): the rescaling that makes the method's credit
// comparable with A^π (group-normalised methods divide by a std).
func BestScale(est, truth []float64) float64 {
	var num, den float64
	for i := range est {
		num += est[i] * truth[i]
		den += est[i] * est[i]
	}
	if den == 0 {
		return 0
	}
	return num / den
}

// Decomposition splits the mean squared error of the rescaled credit,
// (1/N)Σ(c·est_i − truth_i)², into squared bias and variance over cells:
//
//	Bias2 = Σ_k (n_k/N)·(c·m_k − A_k)²     (m_k the mean credit of cell k)
//	Var   = Σ_k (n_k/N)·c²·v_k             (v_k the population variance of cell k)
//
// so that MSE = Bias2 + Var exactly. Rel* divide by E[A²] = (1/N)Σ truth²;
// with c = BestScale, RelMSE = 1 − (Σ est·truth)²/(Σ est²·Σ truth²) ∈ [0, 1].
type Decomposition struct {
	Scale                   float64
	MSE, Bias2, Var         float64
	RelMSE, RelBias, RelVar float64
	MeanSquareTruth         float64
	Cells                   int
}

// Decompose computes the decomposition with the rescaling c (use
// BestScale(est, truth), or 1 for the raw credit). Samples of one cell must
// have equal truth; the cell's truth is taken as the mean of its samples'.
func Decompose(est, truth []float64, cell []string, c float64) Decomposition {
	type acc struct {
		n          float64
		se, se2, a float64
	}
	cells := map[string]*acc{}
	var order []string
	N := float64(len(est))
	d := Decomposition{Scale: c}
	for i := range est {
		k := cell[i]
		a := cells[k]
		if a == nil {
			a = &acc{}
			cells[k] = a
			order = append(order, k)
		}
		x := c * est[i]
		a.n++
		a.se += x
		a.se2 += x * x
		a.a += truth[i]
		e := x - truth[i]
		d.MSE += e * e / N
		d.MeanSquareTruth += truth[i] * truth[i] / N
	}
	for _, k := range order {
		a := cells[k]
		m := a.se / a.n
		tr := a.a / a.n
		v := a.se2/a.n - m*m
		if v < 0 {
			v = 0
		}
		d.Bias2 += a.n / N * (m - tr) * (m - tr)
		d.Var += a.n / N * v
	}
	d.Cells = len(order)
	if d.MeanSquareTruth > 0 {
		d.RelMSE = d.MSE / d.MeanSquareTruth
		d.RelBias = d.Bias2 / d.MeanSquareTruth
		d.RelVar = d.Var / d.MeanSquareTruth
	} else {
		d.RelMSE, d.RelBias, d.RelVar = math.NaN(), math.NaN(), math.NaN()
	}
	return d
}

// Cosine is the cosine similarity of two sparse vectors keyed by state key
// (missing keys are zero). NaN when either is the zero vector.
func Cosine(a, b map[string][]float64) float64 {
	var dot, na, nb float64
	for _, k := range SortedKeys(a) {
		x, y := a[k], b[k]
		for i, v := range x {
			na += v * v
			if i < len(y) {
				dot += v * y[i]
			}
		}
	}
	for _, k := range SortedKeys(b) {
		for _, v := range b[k] {
			nb += v * v
		}
	}
	if na == 0 || nb == 0 {
		return math.NaN()
	}
	return dot / math.Sqrt(na*nb)
}

// SortedKeys lists a sparse vector's keys in order (sums over them are
// then reproducible to the last bit).
func SortedKeys(a map[string][]float64) []string {
	ks := make([]string, 0, len(a))
	for k := range a {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Norm is the Euclidean norm of a sparse vector.
func Norm(a map[string][]float64) float64 {
	s := 0.0
	for _, k := range SortedKeys(a) {
		for _, v := range a[k] {
			s += v * v
		}
	}
	return math.Sqrt(s)
}

// Credit gathers the credit-accuracy metrics of one method on one environment.
type Credit struct {
	N        int     `json:"n"`
	Pearson  float64 `json:"pearson"`
	Spearman float64 `json:"spearman"`
	Sign     float64 `json:"sign_agreement"`
	Decomposition
}

// CreditMetrics computes every credit metric of the samples.
func CreditMetrics(est, truth []float64, cell []string, tol float64) Credit {
	c := BestScale(est, truth)
	return Credit{
		N:             len(est),
		Pearson:       Pearson(est, truth),
		Spearman:      Spearman(est, truth),
		Sign:          SignAgreement(est, truth, tol),
		Decomposition: Decompose(est, truth, cell, c),
	}
}

// Interval is a mean with a 95% confidence interval.
type Interval struct {
	Mean float64 `json:"mean"`
	Lo   float64 `json:"lo"`
	Hi   float64 `json:"hi"`
	N    int     `json:"n"`
}

// MarshalJSON writes non-finite numbers as null (encoding/json rejects them).
func (v Interval) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Mean Float `json:"mean"`
		Lo   Float `json:"lo"`
		Hi   Float `json:"hi"`
		N    int   `json:"n"`
	}{Float(v.Mean), Float(v.Lo), Float(v.Hi), v.N})
}

// UnmarshalJSON reads null as NaN, so that a report read back from
// results.json keeps its undefined values undefined (encoding/json would
// leave 0). ±Inf also travel as null; lab/result's Report.NonFinite
// restores them exactly.
func (v *Interval) UnmarshalJSON(b []byte) error {
	var w struct {
		Mean Float `json:"mean"`
		Lo   Float `json:"lo"`
		Hi   Float `json:"hi"`
		N    int   `json:"n"`
	}
	w.Mean, w.Lo, w.Hi = Float(math.NaN()), Float(math.NaN()), Float(math.NaN())
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*v = Interval{Mean: float64(w.Mean), Lo: float64(w.Lo), Hi: float64(w.Hi), N: w.N}
	return nil
}

// Float is a float64 that marshals NaN and ±Inf as JSON null.
type Float float64

// UnmarshalJSON reads null as NaN.
func (f *Float) UnmarshalJSON(b []byte) error {
	var x *float64
	if err := json.Unmarshal(b, &x); err != nil {
		return err
	}
	if x == nil {
		*f = Float(math.NaN())
	} else {
		*f = Float(*x)
	}
	return nil
}

// MarshalJSON implements json.Marshaler.
func (f Float) MarshalJSON() ([]byte, error) {
	x := float64(f)
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(x)
}

// Floats is a []float64 that marshals NaN and ±Inf as JSON null.
type Floats []float64

// MarshalJSON implements json.Marshaler.
func (f Floats) MarshalJSON() ([]byte, error) {
	if f == nil {
		return []byte("null"), nil
	}
	out := make([]Float, len(f))
	for i, x := range f {
		out[i] = Float(x)
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads null as NaN.
func (f *Floats) UnmarshalJSON(b []byte) error {
	var xs []*float64
	if err := json.Unmarshal(b, &xs); err != nil {
		return err
	}
	*f = make(Floats, len(xs))
	for i, x := range xs {
		if x == nil {
			(*f)[i] = math.NaN()
		} else {
			(*f)[i] = *x
		}
	}
	return nil
}
