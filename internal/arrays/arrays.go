package arrays

import (
	"fmt"
	"math"
)

// Like allocates a ragged matrix with the row lengths of rows, backed by a
// single slice.
func Like(rows [][]float64) [][]float64 {
	n := 0
	for _, r := range rows {
		n += len(r)
	}
	buf := make([]float64, n)
	out := make([][]float64, len(rows))
	off := 0
	for i, r := range rows {
		out[i] = buf[off : off+len(r) : off+len(r)]
		off += len(r)
	}
	return out
}

// SameShape checks that b has the row count and row lengths of a.
func SameShape(fn, aName string, a [][]float64, bName string, b [][]float64) error {
	if len(b) != len(a) {
		return fmt.Errorf("%s: %s has %d rows, %s has %d", fn, bName, len(b), aName, len(a))
	}
	for i := range a {
		if len(b[i]) != len(a[i]) {
			return fmt.Errorf("%s: %s row %d has %d values, %s has %d", fn, bName, i, len(b[i]), aName, len(a[i]))
		}
	}
	return nil
}

// FiniteMatrix reports the first non-finite value of m.
func FiniteMatrix(fn, name string, m [][]float64) error {
	for i, row := range m {
		var acc float64
		for _, v := range row {
			acc += v * 0
		}
		if acc != 0 || math.IsNaN(acc) {
			for t, v := range row {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return fmt.Errorf("%s: %s row %d position %d is %v", fn, name, i, t, v)
				}
			}
		}
	}
	return nil
}

// FiniteVector reports the first non-finite value of v.
func FiniteVector(fn, name string, v []float64) error {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%s: %s[%d] is %v", fn, name, i, x)
		}
	}
	return nil
}

// FiniteScalar reports x when it is not finite.
func FiniteScalar(fn, name string, x float64) error {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return fmt.Errorf("%s: %s is %v", fn, name, x)
	}
	return nil
}

// FirstNonFinite returns the error for the first non-finite value among the
// named matrices (the slow path after a fused check failed).
func FirstNonFinite(fn string, names []string, ms ...[][]float64) error {
	for k, m := range ms {
		if err := FiniteMatrix(fn, names[k], m); err != nil {
			return err
		}
	}
	return fmt.Errorf("%s: non-finite input", fn)
}

// Finite reports whether x is neither NaN nor ±Inf. It is the one finite
// test of the module's numeric packages.
func Finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
