package group

import (
	"fmt"
	"math"

	"github.com/credo-rl/credo/internal/arrays"
	"github.com/credo-rl/credo/internal/groups"
)

// checkRows verifies that a per-row input has one value per row.
func checkRows(est, name string, n int, refName string, rows int) error {
	if n != rows {
		return fmt.Errorf("%s: %s has %d values, %s has %d", est, name, n, refName, rows)
	}
	return nil
}

// checkFinite rejects NaN and ±Inf in a per-row input.
func checkFinite(est, name string, xs []float64) error {
	for i, x := range xs {
		if !arrays.Finite(x) {
			return fmt.Errorf("%s: %s row %d is %v, want a finite number", est, name, i, x)
		}
	}
	return nil
}

// index converts string group ids to dense numbers after checking the count.
func denseIndex(est string, ids []string, refName string, rows int) ([]int, int, error) {
	if err := checkRows(est, "index", len(ids), refName, rows); err != nil {
		return nil, 0, err
	}
	g, n := groups.Index(ids)
	return g, n, nil
}

// groupMeans returns the plain mean and the size of each of n groups.
func groupMeans(x []float64, g []int, n int) (mean []float64, count []int) {
	mean = make([]float64, n)
	count = make([]int, n)
	for i, v := range x {
		mean[g[i]] += v
		count[g[i]]++
	}
	for k, c := range count {
		if c > 0 {
			mean[k] /= float64(c)
		}
	}
	return mean, count
}

// Broadcast writes a per-row value onto the tokens of each row:
//
//	out[i][t] = a[i] · mask[i][t]
//
// the usual way a per-response advantage becomes a per-token one. mask may
// be ragged; the result is freshly allocated (one backing array).
func Broadcast(a []float64, mask [][]float64) ([][]float64, error) {
	const est = "group.Broadcast"
	if err := checkRows(est, "advantages", len(a), "mask rows", len(mask)); err != nil {
		return nil, err
	}
	n := 0
	for _, m := range mask {
		n += len(m)
	}
	buf := make([]float64, n)
	out := make([][]float64, len(mask))
	for i, m := range mask {
		row := buf[:len(m):len(m)]
		buf = buf[len(m):]
		ai := a[i]
		n := len(m) &^ 3
		for t := 0; t < n; t += 4 {
			w := m[t : t+4 : t+4]
			o := row[t : t+4 : t+4]
			o[0] = ai * w[0]
			o[1] = ai * w[1]
			o[2] = ai * w[2]
			o[3] = ai * w[3]
		}
		for t := n; t < len(m); t++ {
			row[t] = ai * m[t]
		}
		out[i] = row
	}
	return out, nil
}

// logSigmoid returns log σ(x) = -log(1 + e^{-x}) without overflow.
func logSigmoid(x float64) float64 {
	if x >= 0 {
		return -math.Log1p(math.Exp(-x))
	}
	return x - math.Log1p(math.Exp(x))
}
