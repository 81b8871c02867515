package group

import (
	"fmt"
	"math"
	"sort"

	"github.com/credo-rl/credo/internal/groups"
)

// LSC returns the "log-sigmoid centred" combination of K reward-model
// scores per response:
//
//	u_i = Σ_k log σ( r_k[i] - ref_k[i] )
//
// where ref_k[i] is the reference reward r_k,ref(x) of the response's
// prompt. log σ is concave and bounded above by 0, so a response gains less
// and less from being even better than the reference, and the sum is the
// log-probability of being good on every property at once ("sum = AND").
// rewards and refs are indexed [channel][row].
//
// Paper: "Transforming and Combining Rewards for Aligning Large Language
// Models" (arXiv:2402.00742), methods.md #60.
func LSC(rewards, refs [][]float64) ([]float64, error) {
	const est = "lsc"
	if len(rewards) == 0 {
		return nil, fmt.Errorf("%s: no reward channels", est)
	}
	if len(refs) != len(rewards) {
		return nil, fmt.Errorf("%s: %d reference channels, %d reward channels", est, len(refs), len(rewards))
	}
	n := len(rewards[0])
	out := make([]float64, n)
	for k, r := range rewards {
		if err := checkRows(est, fmt.Sprintf("rewards channel %d", k), len(r), "channel 0", n); err != nil {
			return nil, err
		}
		if err := checkRows(est, fmt.Sprintf("refs channel %d", k), len(refs[k]), "channel 0", n); err != nil {
			return nil, err
		}
		if err := checkFinite(est, fmt.Sprintf("rewards channel %d", k), r); err != nil {
			return nil, err
		}
		if err := checkFinite(est, fmt.Sprintf("refs channel %d", k), refs[k]); err != nil {
			return nil, err
		}
		for i, x := range r {
			out[i] += logSigmoid(x - refs[k][i])
		}
	}
	return out, nil
}

// Quantile returns the q-quantile of xs by linear interpolation between
// order statistics (numpy's default): position q·(n-1) in the sorted values.
// xs is not modified; it must be non-empty and q in [0, 1].
func Quantile(xs []float64, q float64) (float64, error) {
	if len(xs) == 0 {
		return 0, fmt.Errorf("quantile of no values")
	}
	if !(q >= 0 && q <= 1) {
		return 0, fmt.Errorf("quantile %v, want 0 <= q <= 1", q)
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	pos := q * float64(len(s)-1)
	lo := math.Floor(pos)
	i := int(lo)
	if i >= len(s)-1 {
		return s[len(s)-1], nil
	}
	return s[i] + (pos-lo)*(s[i+1]-s[i]), nil
}

// GroupQuantileRefs returns, per row, the q-quantile of the rewards of its
// group: a stand-in for LSC's reference reward r_ref(x) when no samples of
// the base policy are at hand (the paper takes a quantile of base-policy
// rewards for the prompt; the group's own samples come from the current
// policy, so this is an approximation).
func GroupQuantileRefs(rewards []float64, index []string, q float64) ([]float64, error) {
	const est = "lsc"
	if err := checkRows(est, "index", len(index), "rewards", len(rewards)); err != nil {
		return nil, err
	}
	if err := checkFinite(est, "rewards", rewards); err != nil {
		return nil, err
	}
	g, n := groups.Index(index)
	members := make([][]float64, n)
	for i, r := range rewards {
		members[g[i]] = append(members[g[i]], r)
	}
	qs := make([]float64, n)
	for k, m := range members {
		v, err := Quantile(m, q)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", est, err)
		}
		qs[k] = v
	}
	out := make([]float64, len(rewards))
	for i := range out {
		out[i] = qs[g[i]]
	}
	return out, nil
}
