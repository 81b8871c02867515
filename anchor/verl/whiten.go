package verl

import (
	"fmt"
	"math"

	"github.com/credo-rl/credo/internal/arrays"
)

// whitenStats accumulates the mask-weighted mean and sum of squared
// deviations of a batch row by row, combining rows with the pairwise update
// of Chan, Golub & LeVeque. Each row is visited twice while it is hot in
// cache, so the batch costs one pass over memory and stays exact in float64
// even when the values are large and their spread is small.
type whitenStats struct {
	w, mean, m2 float64
}

// addRow folds in the values x weighted by m. The sums use four
// independent accumulators so that they are not bound by addition latency.
func addRow[F Float](s *whitenStats, x, m []F) {
	x = x[:len(m)]
	var w0, w1, w2, w3, s0, s1, s2, s3 float64
	t := 0
	for ; t+4 <= len(m); t += 4 {
		w0 += float64(m[t])
		w1 += float64(m[t+1])
		w2 += float64(m[t+2])
		w3 += float64(m[t+3])
		s0 += float64(x[t]) * float64(m[t])
		s1 += float64(x[t+1]) * float64(m[t+1])
		s2 += float64(x[t+2]) * float64(m[t+2])
		s3 += float64(x[t+3]) * float64(m[t+3])
	}
	for ; t < len(m); t++ {
		w0 += float64(m[t])
		s0 += float64(x[t]) * float64(m[t])
	}
	rw := (w0 + w1) + (w2 + w3)
	if rw == 0 {
		return
	}
	rmean := ((s0 + s1) + (s2 + s3)) / rw
	var q0, q1, q2, q3 float64
	t = 0
	for ; t+4 <= len(m); t += 4 {
		d0 := float64(x[t]) - rmean
		d1 := float64(x[t+1]) - rmean
		d2 := float64(x[t+2]) - rmean
		d3 := float64(x[t+3]) - rmean
		q0 += d0 * d0 * float64(m[t])
		q1 += d1 * d1 * float64(m[t+1])
		q2 += d2 * d2 * float64(m[t+2])
		q3 += d3 * d3 * float64(m[t+3])
	}
	for ; t < len(m); t++ {
		d := float64(x[t]) - rmean
		q0 += d * d * float64(m[t])
	}
	s.merge(rw, rmean, (q0+q1)+(q2+q3))
}

// merge folds in a block of total weight w, mean and squared deviations m2.
func (s *whitenStats) merge(w, mean, m2 float64) {
	if w == 0 {
		return
	}
	tot := s.w + w
	d := mean - s.mean
	s.mean += d * w / tot
	s.m2 += m2 + d*d*s.w*w/tot
	s.w = tot
}

// params returns verl's masked_whiten centre and scale:
//
//	mean  = Σ x·m / (Σ m + 1e-8)
//	var   = Σ (x-mean)²·m / (Σ m + 1e-8) · Σm/(Σm - 1)     (masked_var, unbiased)
//	scale = 1/sqrt(var + 1e-8)                               (torch.rsqrt)
//
// It fails, like masked_var, when the mask sums to 0 or to 1, and also when
// fractional mask weights summing below 1 make the variance negative (the
// reference would return NaN).
func (s *whitenStats) params(est string) (mean, scale float64, err error) {
	W := s.w
	if W == 0 {
		return 0, 0, fmt.Errorf("%s: response_mask sums to 0 over the batch; whitening needs at least 2 tokens", est)
	}
	if W == 1 {
		return 0, 0, fmt.Errorf("%s: response_mask sums to 1 over the batch; the unbiased variance divides by 0", est)
	}
	mean = s.mean * W / (W + 1e-8)
	d := s.mean - mean
	v := (s.m2 + W*d*d) / (W + 1e-8) * W / (W - 1)
	if !(v+1e-8 > 0) || !arrays.Finite(v) {
		// Only reachable with fractional or negative mask weights (Σm < 1).
		return 0, 0, fmt.Errorf("%s: masked variance is %v (mask sum %v); whitening needs a positive variance", est, v, W)
	}
	return mean, 1 / math.Sqrt(v+1e-8), nil
}

// MaskedWhiten is verl's masked_whiten(values, mask) with shift_mean=True:
//
//	out[i][t] = (x[i][t] - mean) / sqrt(var + 1e-8)
//
// with the mean and the UNBIASED variance taken over all tokens of the batch
// weighted by mask (so longer rows weigh more). Every position is
// transformed, including those where mask is 0 (verl does not re-mask; the
// estimators that want zeros there multiply by the mask afterwards). It
// fails when the mask sums to 0 or 1 (masked_var raises), or on non-finite
// input.
//
// Reference: volcengine/verl@b178a3cd56f58b2d502255daba591e92833930a7
// verl/utils/torch_functional.py::masked_whiten (+ masked_mean, masked_var).
func MaskedWhiten(values, mask [][]float64) ([][]float64, error) {
	const est = "verl.masked_whiten"
	if err := checkLike(est, "mask", mask, "values", values); err != nil {
		return nil, err
	}
	var st whitenStats
	for i, row := range values {
		s, ms := 0.0, 0.0
		for t, x := range row {
			s += x
			ms += mask[i][t]
		}
		if !arrays.Finite(s) {
			return nil, errNonFinite(est, "values", i)
		}
		if !arrays.Finite(ms) {
			return nil, errNonFinite(est, "mask", i)
		}
		addRow(&st, row, mask[i])
	}
	mean, scale, err := st.params(est)
	if err != nil {
		return nil, err
	}
	out := allocLike(values)
	for i, row := range values {
		o := out[i]
		for t, x := range row {
			o[t] = (x - mean) * scale
		}
	}
	return out, nil
}
