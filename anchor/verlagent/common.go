package verlagent

import (
	"fmt"
	"math"

	"github.com/credo-rl/credo/internal/arrays"
	"github.com/credo-rl/credo/internal/groups"
)

// checkRows validates that the token-level rewards and the response mask have
// the same ragged shape and that every per-row id slice has one entry per row.
func checkRows(est string, rewards, mask [][]float64, ids ...namedIDs) error {
	if len(mask) != len(rewards) {
		return fmt.Errorf("%s: response_mask has %d rows, token_level_rewards has %d", est, len(mask), len(rewards))
	}
	for i := range rewards {
		if len(mask[i]) != len(rewards[i]) {
			return fmt.Errorf("%s: response_mask row %d has %d values, token_level_rewards has %d", est, i, len(mask[i]), len(rewards[i]))
		}
	}
	for _, id := range ids {
		if len(id.ids) != len(rewards) {
			return fmt.Errorf("%s: %s has %d entries, token_level_rewards has %d rows", est, id.name, len(id.ids), len(rewards))
		}
	}
	return nil
}

type namedIDs struct {
	name string
	ids  []string
}

// sumRow adds the values of a row with four independent accumulators (the
// order differs from a left-to-right sum only by float64 rounding).
func sumRow(x []float64) float64 {
	var s0, s1, s2, s3 float64
	n := len(x) &^ 3
	for t := 0; t < n; t += 4 {
		v := x[t : t+4 : t+4]
		s0 += v[0]
		s1 += v[1]
		s2 += v[2]
		s3 += v[3]
	}
	for t := n; t < len(x); t++ {
		s0 += x[t]
	}
	return (s0 + s1) + (s2 + s3)
}

// rowScores returns the sequence score of every row, the sum over all its
// tokens (the reference sums over ALL T positions, mask or not). A non-finite
// value anywhere in a row makes its sum non-finite and is reported.
func rowScores(est string, rewards [][]float64) ([]float64, error) {
	s := make([]float64, len(rewards))
	for i, row := range rewards {
		s[i] = sumRow(row)
		if !arrays.Finite(s[i]) {
			return nil, fmt.Errorf("%s: token_level_rewards row %d has a non-finite value (or its sum overflows)", est, i)
		}
	}
	return s, nil
}

// newLike allocates a matrix with the ragged shape of m in one backing array.
func newLike(m [][]float64) [][]float64 {
	n := 0
	for _, r := range m {
		n += len(r)
	}
	buf := make([]float64, n)
	out := make([][]float64, len(m))
	off := 0
	for i, r := range m {
		out[i] = buf[off : off+len(r) : off+len(r)]
		off += len(r)
	}
	return out
}

// broadcast writes out[i][t] = a[i]*mask[i][t] for every row and reports a
// non-finite mask value. out must be freshly zeroed (newLike): the trailing
// run of zero mask values (right padding) is not written, which saves a
// write pass over the padding (a*0 would only differ by the sign of zero).
func broadcast(est string, out [][]float64, a []float64, mask [][]float64) error {
	for i, m := range mask {
		end := len(m)
		for end > 0 && m[end-1] == 0 {
			end--
		}
		m = m[:end]
		o := out[i][:end]
		ai := a[i]
		var c0, c1 float64
		n := end &^ 1
		for t := 0; t < n; t += 2 {
			v := m[t : t+2 : t+2]
			w := o[t : t+2 : t+2]
			w[0] = ai * v[0]
			w[1] = ai * v[1]
			c0 += v[0]
			c1 += v[1]
		}
		if n < end {
			o[n] = ai * m[n]
			c0 += m[n]
		}
		if !arrays.Finite(c0 + c1) {
			return fmt.Errorf("%s: response_mask row %d has a non-finite value", est, i)
		}
	}
	return nil
}

// contributing marks the rows that enter the prompt-group statistics. With
// crossSteps (verl-agent's compute_mean_std_cross_steps=True, the default)
// every step row enters and nil is returned. Otherwise only the first row, in
// batch order, of each (uid, traj_uid) pair enters.
func contributing(g []int, trajIndex []string, crossSteps bool) []bool {
	if crossSteps {
		return nil
	}
	tr, _ := groups.Index(trajIndex)
	type pair struct{ g, t int }
	seen := make(map[pair]struct{}, len(g))
	use := make([]bool, len(g))
	for i := range g {
		p := pair{g[i], tr[i]}
		if _, ok := seen[p]; ok {
			continue
		}
		seen[p] = struct{}{}
		use[i] = true
	}
	return use
}

// groupStats holds per-group statistics of row scalars.
type groupStats struct {
	n    []int
	mean []float64
	std  []float64 // unbiased (torch.std); 0 when n < 2
}

// meanStd computes, for each of ng groups, the count, the mean and the
// unbiased standard deviation of the x[i] with use[i] (all rows when use is
// nil), two-pass in float64. Slices are allocated once per call.
func meanStd(x []float64, g []int, ng int, use []bool) groupStats {
	st := groupStats{n: make([]int, ng)}
	buf := make([]float64, 2*ng)
	st.mean, st.std = buf[:ng:ng], buf[ng:]
	for i, k := range g {
		if use != nil && !use[i] {
			continue
		}
		st.n[k]++
		st.mean[k] += x[i]
	}
	for k := range st.mean {
		if st.n[k] > 0 {
			st.mean[k] /= float64(st.n[k])
		}
	}
	for i, k := range g {
		if use != nil && !use[i] {
			continue
		}
		d := x[i] - st.mean[k]
		st.std[k] += d * d
	}
	for k := range st.std {
		if st.n[k] > 1 {
			st.std[k] = math.Sqrt(st.std[k] / float64(st.n[k]-1))
		} else {
			st.std[k] = 0
		}
	}
	return st
}
