package verl

import (
	"fmt"
	"math"

	"github.com/credo-rl/credo/internal/arrays"
)

// OTBOptions are the hyper-parameters of the optimal-token-baseline
// estimators.
type OTBOptions struct {
	// Epsilon is added to the denominator of the per-step baseline
	// (verl: epsilon, default 1e-8).
	Epsilon float64
	// HandleZeroTail zeroes the baseline on the part of a group's unique
	// longest response that extends past the second-longest one (verl:
	// handle_zero_tail, default true for both estimators).
	HandleZeroTail bool
}

// DefaultOTBOptions returns verl's defaults: Epsilon 1e-8, HandleZeroTail true.
func DefaultOTBOptions() OTBOptions { return OTBOptions{Epsilon: 1e-8, HandleZeroTail: true} }

// otbInputs validates the inputs shared by both OTB estimators and returns
// the reward-to-go G and the cumulative path-variance proxy W.
//
//	G[i][t] = Σ_{u≥t} r[i][u]·m[i][u]
//	w[i][t] = (1 - 2·exp(old_log_probs[i][t]) + sum_pi_squared[i][t]) · ρ[i][t]²
//	W[i][t] = Σ_{u≤t} w[i][u]·m[i][u]
func otbInputs(est string, rewards, mask, logp, sumPi2, isw [][]float64) (G, W [][]float64, err error) {
	if err := checkLike(est, "response_mask", mask, "token_level_rewards", rewards); err != nil {
		return nil, nil, err
	}
	if err := checkLike(est, "old_log_probs", logp, "token_level_rewards", rewards); err != nil {
		return nil, nil, err
	}
	if err := checkLike(est, "sum_pi_squared", sumPi2, "token_level_rewards", rewards); err != nil {
		return nil, nil, err
	}
	if isw != nil {
		if err := checkLike(est, "rollout_is_weights", isw, "token_level_rewards", rewards); err != nil {
			return nil, nil, err
		}
	}
	G = allocLike(rewards)
	W = allocLike(rewards)
	for i, r := range rewards {
		m, g, w := mask[i], G[i], W[i]
		run, rs, ms := 0.0, 0.0, 0.0
		for t := len(r) - 1; t >= 0; t-- {
			run += r[t] * m[t]
			g[t] = run
			rs += r[t]
			ms += m[t]
		}
		if !arrays.Finite(rs) {
			return nil, nil, errNonFinite(est, "token_level_rewards", i)
		}
		if !arrays.Finite(ms) {
			return nil, nil, errNonFinite(est, "response_mask", i)
		}
		lp, sp := logp[i], sumPi2[i]
		cum, ls, ss, is := 0.0, 0.0, 0.0, 0.0
		for t := range r {
			wt := 1 - 2*math.Exp(lp[t]) + sp[t]
			if isw != nil {
				rho := isw[i][t]
				wt *= rho * rho
				is += rho
			}
			cum += wt * m[t]
			w[t] = cum
			ls += lp[t]
			ss += sp[t]
		}
		switch {
		case !arrays.Finite(ls) || !arrays.Finite(cum):
			return nil, nil, errNonFinite(est, "old_log_probs", i)
		case !arrays.Finite(ss):
			return nil, nil, errNonFinite(est, "sum_pi_squared", i)
		case !arrays.Finite(is):
			return nil, nil, errNonFinite(est, "rollout_is_weights", i)
		}
	}
	return G, W, nil
}

// bucket lists the rows of each group contiguously (counting sort):
// the rows of group k are order[start[k]:start[k+1]], in batch order.
// Rows with g[i] < 0 are left out.
func bucket(g []int, n int) (order, start []int) {
	start = make([]int, n+1)
	for _, k := range g {
		if k >= 0 {
			start[k+1]++
		}
	}
	for k := 0; k < n; k++ {
		start[k+1] += start[k]
	}
	order = make([]int, start[n])
	next := make([]int, n)
	copy(next, start[:n])
	for i, k := range g {
		if k >= 0 {
			order[next[k]] = i
			next[k]++
		}
	}
	return order, start
}

// zeroTail returns the row (an element of rows) whose baseline is zeroed
// from position `from` on, or -1. It reproduces the reference: lengths are
// truncated to integers, the longest row must be unique (compared as the
// float length against the integer maximum) and strictly longer than the
// second-longest.
func zeroTail(rows []int, lengths []float64) (row, from int) {
	maxL, secL := math.Inf(-1), math.Inf(-1)
	for _, i := range rows {
		l := lengths[i]
		if l > maxL {
			secL, maxL = maxL, l
		} else if l > secL {
			secL = l
		}
	}
	maxI, secI := int(maxL), int(secL)
	row, n := -1, 0
	for _, i := range rows {
		if lengths[i] == float64(maxI) {
			row = i
			n++
		}
	}
	if n == 1 && maxI > secI {
		return row, secI
	}
	return -1, 0
}

// OptimalTokenBaseline is verl's optimal token baseline (OTB): a baseline
// per group AND per absolute position t,
//
//	B_g[t] = Σ_{i∈g} G[i][t]·W[i][t]·m[i][t] / (Σ_{i∈g} W[i][t]·m[i][t] + eps)
//	A[i][t] = (G[i][t] - B_g[t]) · m[i][t]
//	returns = G
//
// with G the reward-to-go of r·m and W the cumulative sum over the row of
// w = (1 - 2π_t + Σπ²)·ρ_t² times the mask, where π_t = exp(old_log_probs),
// Σπ² = sum_pi_squared and ρ = rollout_is_weights (ρ = 1 when nil). The
// baseline is the variance-minimising E[G·W]/E[W] with W a proxy of the
// accumulated squared score norm along the path.
//
// Quirks reproduced: a singleton group has baseline 0 (A = G·m); rows are
// aligned by absolute position, so interior mask zeros are simply skipped
// in the sums; with HandleZeroTail, when a group has a unique longest row
// (lengths = mask sums, truncated to integers) strictly longer than the
// second-longest L2, that row's baseline is 0 from absolute position L2 on.
//
// returns and advantages are separate arrays.
//
// Paper: none identified; the estimator is documented in the reference's
// docstring.
// Reference: volcengine/verl@b178a3cd56f58b2d502255daba591e92833930a7
// verl/trainer/ppo/core_algos.py::compute_optimal_token_baseline_advantage.
func OptimalTokenBaseline(tokenLevelRewards, responseMask [][]float64, index []string, oldLogProbs, sumPiSquared, rolloutISWeights [][]float64, opt OTBOptions) (advantages, returns [][]float64, err error) {
	const est = "verl.optimal_token_baseline"
	G, W, err := otbInputs(est, tokenLevelRewards, responseMask, oldLogProbs, sumPiSquared, rolloutISWeights)
	if err != nil {
		return nil, nil, err
	}
	g, n, err := indexGroups(est, index, len(tokenLevelRewards))
	if err != nil {
		return nil, nil, err
	}
	lengths := make([]float64, len(responseMask))
	maxT := 0
	for i, m := range responseMask {
		for _, x := range m {
			lengths[i] += x
		}
		maxT = max(maxT, len(m))
	}
	order, start := bucket(g, n)
	num := make([]float64, maxT)
	den := make([]float64, maxT)
	adv := allocLike(tokenLevelRewards)
	for k := 0; k < n; k++ {
		rows := order[start[k]:start[k+1]]
		if len(rows) == 1 {
			i := rows[0]
			for t, m := range responseMask[i] {
				adv[i][t] = G[i][t] * m
			}
			continue
		}
		tg := 0
		for _, i := range rows {
			tg = max(tg, len(responseMask[i]))
		}
		clear(num[:tg])
		clear(den[:tg])
		for _, i := range rows {
			gi, wi := G[i], W[i]
			for t, m := range responseMask[i] {
				wm := wi[t] * m
				num[t] += gi[t] * wm
				den[t] += wm
			}
		}
		for t := 0; t < tg; t++ {
			num[t] /= den[t] + opt.Epsilon
		}
		zr, from := -1, 0
		if opt.HandleZeroTail {
			zr, from = zeroTail(rows, lengths)
		}
		for _, i := range rows {
			gi, ai := G[i], adv[i]
			end := len(gi)
			if i == zr {
				end = min(from, end)
			}
			for t, m := range responseMask[i] {
				b := num[t]
				if t >= end {
					b = 0
				}
				ai[t] = (gi[t] - b) * m
			}
		}
	}
	return adv, G, nil
}

// TIROptimalTokenBaseline is verl's multi-turn (tool-integrated reasoning)
// optimal token baseline. It is OptimalTokenBaseline with the rows first
// COMPACTED to their valid (mask = 1) tokens, so that the k-th valid token
// of every row of a group shares the baseline
//
//	B_g[k] = Σ_{i∈g} R[i][k]·W[i][k] / (Σ_{i∈g} W[i][k] + eps)
//
// where R, W are G and W (see OptimalTokenBaseline) read at the valid
// positions, and rows shorter than k contribute 0. The advantage of the
// k-th valid token is R[i][k] - B_g[k]; masked positions get 0; returns is
// the uncompacted reward-to-go G.
//
// Quirks reproduced: rows with no valid token are left out of their group
// (so a group can become a singleton, whose baseline is 0); with
// HandleZeroTail (default true) a group's unique longest row loses its
// baseline from compacted index L2 (second-longest length) on. The mask
// must be 0/1 (the reference compacts with mask.bool() but sizes the rows
// with mask.sum()).
//
// returns and advantages are separate arrays.
//
// Paper: none identified; the estimator is documented in the reference's
// docstring.
// Reference: volcengine/verl@b178a3cd56f58b2d502255daba591e92833930a7
// verl/trainer/ppo/core_algos.py::compute_multi_turn_optimal_token_baseline_advantage.
func TIROptimalTokenBaseline(tokenLevelRewards, responseMask [][]float64, index []string, oldLogProbs, sumPiSquared, rolloutISWeights [][]float64, opt OTBOptions) (advantages, returns [][]float64, err error) {
	const est = "verl.tir_optimal_token_baseline"
	G, W, err := otbInputs(est, tokenLevelRewards, responseMask, oldLogProbs, sumPiSquared, rolloutISWeights)
	if err != nil {
		return nil, nil, err
	}
	g, n, err := indexGroups(est, index, len(tokenLevelRewards))
	if err != nil {
		return nil, nil, err
	}
	lengths := make([]float64, len(responseMask))
	maxL := 0
	for i, m := range responseMask {
		c := 0
		for t, x := range m {
			switch x {
			case 0:
			case 1:
				c++
			default:
				return nil, nil, fmt.Errorf("%s: response_mask row %d has %v at position %d, want 0 or 1", est, i, x, t)
			}
		}
		lengths[i] = float64(c)
		maxL = max(maxL, c)
		if c == 0 {
			g[i] = -1 // left out of its group
		}
	}
	order, start := bucket(g, n)
	num := make([]float64, maxL)
	den := make([]float64, maxL)
	adv := allocLike(tokenLevelRewards)
	for k := 0; k < n; k++ {
		rows := order[start[k]:start[k+1]]
		if len(rows) == 0 {
			continue
		}
		if len(rows) == 1 {
			i := rows[0]
			for t, m := range responseMask[i] {
				if m != 0 {
					adv[i][t] = G[i][t]
				}
			}
			continue
		}
		kg := 0
		for _, i := range rows {
			kg = max(kg, int(lengths[i]))
		}
		clear(num[:kg])
		clear(den[:kg])
		for _, i := range rows {
			gi, wi := G[i], W[i]
			c := 0
			for t, m := range responseMask[i] {
				if m != 0 {
					num[c] += gi[t] * wi[t]
					den[c] += wi[t]
					c++
				}
			}
		}
		for c := 0; c < kg; c++ {
			num[c] /= den[c] + opt.Epsilon
		}
		zr, from := -1, 0
		if opt.HandleZeroTail {
			zr, from = zeroTail(rows, lengths)
		}
		for _, i := range rows {
			gi, ai := G[i], adv[i]
			end := kg
			if i == zr {
				end = from
			}
			c := 0
			for t, m := range responseMask[i] {
				if m != 0 {
					b := num[c]
					if c >= end {
						b = 0
					}
					ai[t] = gi[t] - b
					c++
				}
			}
		}
	}
	return adv, G, nil
}
