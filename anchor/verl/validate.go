package verl

import (
	"fmt"

	"github.com/credo-rl/credo/internal/groups"
)

// finite reports whether x is neither NaN nor ±Inf (x-x is NaN for both).
func finite(x float64) bool { return x-x == 0 }

// checkLike verifies that x has exactly the (possibly ragged) shape of ref.
func checkLike(est, name string, x [][]float64, refName string, ref [][]float64) error {
	if len(x) != len(ref) {
		return fmt.Errorf("%s: %s has %d rows, %s has %d", est, name, len(x), refName, len(ref))
	}
	for i := range x {
		if len(x[i]) != len(ref[i]) {
			return fmt.Errorf("%s: %s row %d has %d values, %s has %d", est, name, i, len(x[i]), refName, len(ref[i]))
		}
	}
	return nil
}

// checkVector verifies that a per-row vector has one value per row.
func checkVector(est, name string, n int, refName string, rows int) error {
	if n != rows {
		return fmt.Errorf("%s: %s has %d values, %s has %d rows", est, name, n, refName, rows)
	}
	return nil
}

// errNonFinite reports a NaN or infinite value in one row of an input.
func errNonFinite(est, name string, row int) error {
	return fmt.Errorf("%s: %s row %d contains a NaN or infinite value", est, name, row)
}

// indexGroups converts string group ids to dense group numbers.
func indexGroups(est string, index []string, rows int) ([]int, int, error) {
	if len(index) != rows {
		return nil, 0, fmt.Errorf("%s: index has %d ids, token_level_rewards has %d rows", est, len(index), rows)
	}
	g, n := groups.Index(index)
	return g, n, nil
}

// checkDense validates dense group numbers for the scalar entry points.
func checkDense(est string, g []int, nGroups, rows int) error {
	if len(g) != rows {
		return fmt.Errorf("%s: group ids have %d values, scores has %d", est, len(g), rows)
	}
	for i, k := range g {
		if k < 0 || k >= nGroups {
			return fmt.Errorf("%s: group id of row %d is %d, want 0 <= id < %d", est, i, k, nGroups)
		}
	}
	return nil
}

// checkScores rejects non-finite per-row scores.
func checkScores(est string, scores []float64) error {
	for i, s := range scores {
		if !finite(s) {
			return errNonFinite(est, "scores", i)
		}
	}
	return nil
}

// allocLike returns zeroed rows with the lengths of like, all backed by one
// allocation. Each row is capped so that appending to it cannot spill into
// the next row.
func allocLike(like [][]float64) [][]float64 {
	n := 0
	for _, r := range like {
		n += len(r)
	}
	buf := make([]float64, n)
	out := make([][]float64, len(like))
	for i, r := range like {
		l := len(r)
		out[i] = buf[:l:l]
		buf = buf[l:]
	}
	return out
}

// rowScores returns the sequence scores s_i = Σ_t r[i][t], summed over every
// position of the row (padding included, as verl's token_level_rewards.sum(-1)
// does). A non-finite sum means a non-finite reward and is rejected.
func rowScores(est string, rewards [][]float64) ([]float64, error) {
	scores := make([]float64, len(rewards))
	for i, row := range rewards {
		s := 0.0
		for _, x := range row {
			s += x
		}
		if !finite(s) {
			return nil, errNonFinite(est, "token_level_rewards", i)
		}
		scores[i] = s
	}
	return scores, nil
}

// broadcast writes a[i]*mask[i][t] into a fresh batch shaped like mask. It
// rejects a non-finite mask (detected through the row sum of the mask, which
// costs one addition per token in the same pass).
func broadcast(est string, a []float64, mask [][]float64) ([][]float64, error) {
	out := allocLike(mask)
	for i, mrow := range mask {
		orow := out[i]
		ai := a[i]
		ms := 0.0
		for t, m := range mrow {
			orow[t] = ai * m
			ms += m
		}
		if !finite(ms) {
			return nil, errNonFinite(est, "response_mask", i)
		}
	}
	return out, nil
}
