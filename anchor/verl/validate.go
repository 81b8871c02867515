package verl

import (
	"fmt"

	"github.com/credo-rl/credo/internal/arrays"
	"github.com/credo-rl/credo/internal/groups"
)

// finite reports whether x is neither NaN nor ±Inf (x-x is NaN for both).

// checkLike verifies that x has exactly the (possibly ragged) shape of ref.
func checkLike[A, B Float](est, name string, x [][]A, refName string, ref [][]B) error {
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

// named is one input row with its argument name, for error reports.
type named struct {
	name string
	row  []float64
}

// firstNonFinite names the first of rows that holds a NaN or infinite value
// (the slow path after a fused finiteness check failed).
func firstNonFinite(est string, i int, rows ...named) error {
	for _, x := range rows {
		for _, v := range x.row {
			if !arrays.Finite(v) {
				return errNonFinite(est, x.name, i)
			}
		}
	}
	// Finite values whose sum overflows.
	return fmt.Errorf("%s: row %d: the sum of its values overflows", est, i)
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
	return checkGroupRange(est, g, nGroups)
}

// checkDenseRows validates dense group numbers for the token-level Into
// entry points (one id per row of token_level_rewards).
func checkDenseRows(est string, g []int, nGroups, rows int) error {
	if len(g) != rows {
		return fmt.Errorf("%s: group ids have %d values, token_level_rewards has %d rows", est, len(g), rows)
	}
	return checkGroupRange(est, g, nGroups)
}

// checkGroupRange verifies 0 <= g[i] < nGroups.
func checkGroupRange(est string, g []int, nGroups int) error {
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
		if !arrays.Finite(s) {
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

// rowScores returns the sequence scores s_i = Σ_t r[i][t]; see rowScoresInto.
func rowScores(est string, rewards [][]float64) ([]float64, error) {
	scores := make([]float64, len(rewards))
	if err := rowScoresInto(est, scores, rewards); err != nil {
		return nil, err
	}
	return scores, nil
}

// rowScoresInto writes the sequence scores s_i = Σ_t r[i][t] into scores,
// summed over every position of the row (padding included, as verl's
// token_level_rewards.sum(-1) does) with four independent float64
// accumulators. A non-finite sum means a non-finite reward and is rejected.
func rowScoresInto(est string, scores []float64, rewards [][]float64) error {
	for i, row := range rewards {
		var s0, s1, s2, s3 float64
		n := len(row) &^ 3
		for t := 0; t < n; t += 4 {
			x := row[t : t+4 : t+4]
			s0 += x[0]
			s1 += x[1]
			s2 += x[2]
			s3 += x[3]
		}
		for t := n; t < len(row); t++ {
			s0 += row[t]
		}
		s := (s0 + s1) + (s2 + s3)
		if !arrays.Finite(s) {
			return errNonFinite(est, "token_level_rewards", i)
		}
		scores[i] = s
	}
	return nil
}

// broadcast writes a[i]*mask[i][t] into a fresh batch shaped like mask; see
// broadcastInto.
func broadcast(est string, a []float64, mask [][]float64) ([][]float64, error) {
	out := allocLike(mask)
	if err := broadcastInto(est, out, a, mask); err != nil {
		return nil, err
	}
	return out, nil
}

// broadcastInto writes out[i][t] = a[i]*mask[i][t] at every position (out
// has the shape of mask and may be mask itself). It rejects a non-finite
// mask, detected through the row sum of the mask, which costs one addition
// per token in the same pass.
func broadcastInto(est string, out [][]float64, a []float64, mask [][]float64) error {
	for i, m := range mask {
		o := out[i][:len(m)]
		ai := a[i]
		var c0, c1 float64
		n := len(m) &^ 1
		for t := 0; t < n; t += 2 {
			v := m[t : t+2 : t+2]
			w := o[t : t+2 : t+2]
			w[0] = ai * v[0]
			w[1] = ai * v[1]
			c0 += v[0]
			c1 += v[1]
		}
		if n < len(m) {
			o[n] = ai * m[n]
			c0 += m[n]
		}
		if !arrays.Finite(c0 + c1) {
			return errNonFinite(est, "response_mask", i)
		}
	}
	return nil
}
