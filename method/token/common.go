package token

import (
	"fmt"

	"github.com/credo-rl/credo/internal/arrays"
)

// checkRows verifies that x has the row lengths of ref (x may be nil only
// when optional is true) and that every value is finite.
func checkRows(est, name string, x [][]float64, refName string, ref [][]float64, optional bool) error {
	if x == nil {
		if optional {
			return nil
		}
		return fmt.Errorf("%s: %s is missing (want %d rows like %s)", est, name, len(ref), refName)
	}
	if len(x) != len(ref) {
		return fmt.Errorf("%s: %s has %d rows, %s has %d", est, name, len(x), refName, len(ref))
	}
	for i, row := range x {
		if len(row) != len(ref[i]) {
			return fmt.Errorf("%s: %s row %d has %d values, %s has %d", est, name, i, len(row), refName, len(ref[i]))
		}
		for t, v := range row {
			if !arrays.Finite(v) {
				return fmt.Errorf("%s: %s row %d position %d is %v, want a finite number", est, name, i, t, v)
			}
		}
	}
	return nil
}

// checkFinite verifies that every value of x is finite.
func checkFinite(est, name string, x [][]float64) error {
	return checkRows(est, name, x, name, x, false)
}

// checkParam rejects a non-finite hyper-parameter.
func checkParam(est, name string, x float64) error {
	if !arrays.Finite(x) {
		return fmt.Errorf("%s: %s = %v, want a finite number", est, name, x)
	}
	return nil
}

// allocLike returns zeroed rows with the lengths of like, in one backing array.
func allocLike(like [][]float64) [][]float64 {
	n := 0
	for _, r := range like {
		n += len(r)
	}
	buf := make([]float64, n)
	out := make([][]float64, len(like))
	for i, r := range like {
		out[i] = buf[:len(r):len(r)]
		buf = buf[len(r):]
	}
	return out
}

// maskAt returns mask[i][t], or 1 when mask is nil.
func maskAt(mask [][]float64, i, t int) float64 {
	if mask == nil {
		return 1
	}
	return mask[i][t]
}
