package loss

import (
	"fmt"

	"github.com/credo-rl/credo/internal/arrays"
)

// finite reports whether x is neither NaN nor ±Inf (x-x is NaN otherwise).

// checkLike verifies that x has exactly the row lengths of ref. A nil x is
// reported as missing.
func checkLike(fn, name string, x [][]float64, refName string, ref [][]float64) error {
	if x == nil && len(ref) > 0 {
		return fmt.Errorf("%s: %s is missing", fn, name)
	}
	if len(x) != len(ref) {
		return fmt.Errorf("%s: %s has %d rows, %s has %d", fn, name, len(x), refName, len(ref))
	}
	for i := range ref {
		if len(x[i]) != len(ref[i]) {
			return fmt.Errorf("%s: %s row %d has %d values, %s has %d", fn, name, i, len(x[i]), refName, len(ref[i]))
		}
	}
	return nil
}

// checkFinite rejects NaN and ±Inf entries.
func checkFinite(fn, name string, x [][]float64) error {
	for i, row := range x {
		for j, v := range row {
			if !arrays.Finite(v) {
				return fmt.Errorf("%s: %s row %d column %d is %v (inputs must be finite)", fn, name, i, j, v)
			}
		}
	}
	return nil
}

// checkMask rejects non-finite and negative mask entries.
func checkMask(fn, name string, m [][]float64) error {
	for i, row := range m {
		for j, v := range row {
			if !arrays.Finite(v) || v < 0 {
				return fmt.Errorf("%s: %s row %d column %d is %v (mask values must be finite and >= 0)", fn, name, i, j, v)
			}
		}
	}
	return nil
}

// likeZeros allocates a matrix with the row lengths of ref in one block.
func likeZeros(ref [][]float64) [][]float64 {
	n := 0
	for _, r := range ref {
		n += len(r)
	}
	flat := make([]float64, n)
	out := make([][]float64, len(ref))
	off := 0
	for i, r := range ref {
		out[i] = flat[off : off+len(r) : off+len(r)]
		off += len(r)
	}
	return out
}

// maxLen is the longest row (the padded length T when rows are padded).
func maxLen(x [][]float64) int {
	t := 0
	for _, r := range x {
		if len(r) > t {
			t = len(r)
		}
	}
	return t
}

// Derivatives of the PyTorch primitives the references use. They encode
// autograd's conventions, which the golden gradients pin.

// dMaximum is the derivative of torch.maximum(a, b) given da and db:
// the gradient goes to the larger argument and is split evenly on a tie.
func dMaximum(a, b, da, db float64) float64 {
	switch {
	case a > b:
		return da
	case b > a:
		return db
	}
	return 0.5 * (da + db)
}

// dMinimum is the derivative of torch.minimum(a, b) given da and db.
func dMinimum(a, b, da, db float64) float64 {
	switch {
	case a < b:
		return da
	case b < a:
		return db
	}
	return 0.5 * (da + db)
}

// fmax and fmin are max/min for finite arguments (cheaper than math.Max,
// which handles NaN and signed zeros).
func fmax(a, b float64) float64 {
	if a > b {
		return a
	}
	return b
}

func fmin(a, b float64) float64 {
	if a < b {
		return a
	}
	return b
}

// clamp is torch.clamp(x, lo, hi).
func clamp(x, lo, hi float64) float64 {
	if x < lo {
		return lo
	}
	if x > hi {
		return hi
	}
	return x
}

// dClamp is the derivative of torch.clamp(x, lo, hi): 1 inside the closed
// interval, 0 outside.
func dClamp(x, lo, hi float64) float64 {
	if x >= lo && x <= hi {
		return 1
	}
	return 0
}

// sign is torch.sign.
func sign(x float64) float64 {
	if x > 0 {
		return 1
	}
	if x < 0 {
		return -1
	}
	return 0
}

// maskedMeanVerl is verl_F.masked_mean over the whole batch:
// Σ where(m≠0, x·m, 0) / (Σm + 1e-8).
func maskedMeanVerl(sum, msum float64) float64 { return sum / (msum + 1e-8) }

// b2f converts a boolean to 0/1.
func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
