package verl

import (
	"fmt"
	"math"
	"strings"
)

// GRPOOptions are the hyper-parameters of the GRPO family.
type GRPOOptions struct {
	// Epsilon is added to the group standard deviation (verl: epsilon,
	// default 1e-6).
	Epsilon float64
	// NormByStd divides by the group standard deviation (verl:
	// norm_adv_by_std_in_grpo, default true). False gives the Dr.GRPO
	// advantage s - mean.
	NormByStd bool
}

// DefaultGRPOOptions returns verl's defaults: Epsilon 1e-6, NormByStd true.
func DefaultGRPOOptions() GRPOOptions { return GRPOOptions{Epsilon: 1e-6, NormByStd: true} }

// GRPOScalar computes GRPO's per-row advantage from per-row scores.
//
//	A_i = (s_i - mean_g) / (std_g + eps)   (NormByStd)
//	A_i =  s_i - mean_g                    (Dr.GRPO, !NormByStd)
//
// where g = g(i), mean_g is the group mean and std_g the UNBIASED (ddof=1,
// torch.std) group standard deviation. Quirks reproduced: a singleton group
// uses mean 0 and std 1, so its row keeps its raw score s/(1+eps); a group
// whose scores are all equal gets A = 0.
//
// g holds dense group numbers in [0, nGroups) (see internal/groups.Index).
// The result is freshly allocated.
//
// Paper: "DeepSeekMath: Pushing the Limits of Mathematical Reasoning in Open
// Language Models" (arXiv:2402.03300); Dr.GRPO: "Understanding R1-Zero-Like
// Training: A Critical Perspective" (arXiv:2503.20783).
// Reference: volcengine/verl@b178a3cd56f58b2d502255daba591e92833930a7
// verl/trainer/ppo/core_algos.py::compute_grpo_outcome_advantage.
func GRPOScalar(scores []float64, g []int, nGroups int, opt GRPOOptions) ([]float64, error) {
	const est = "verl.grpo"
	if err := checkDense(est, g, nGroups, len(scores)); err != nil {
		return nil, err
	}
	if err := checkScores(est, scores); err != nil {
		return nil, err
	}
	out := make([]float64, len(scores))
	grpoInto(out, scores, g, nGroups, opt, nil)
	return out, nil
}

// grpoInto writes the GRPO scalars of scores into out (which may be scores).
func grpoInto(out, scores []float64, g []int, n int, opt GRPOOptions, ws *Workspace) {
	st := meanStd(ws, scores, g, n, opt.NormByStd)
	for i, s := range scores {
		k := g[i]
		if opt.NormByStd {
			out[i] = (s - st.mean[k]) / (st.std[k] + opt.Epsilon)
		} else {
			out[i] = s - st.mean[k]
		}
	}
}

// GRPO is verl's GRPO outcome advantage at token level:
//
//	s_i = Σ_t r[i][t]      (over EVERY position of the row, padding included)
//	A[i][t] = GRPOScalar(s)_i * mask[i][t]
//
// returns == advantages: the two results share one backing array, as the
// reference returns the same tensor twice. See GRPOScalar for the formula
// and its quirks (singleton groups keep s/(1+eps), all-equal groups get 0).
//
// Paper: "DeepSeekMath" (arXiv:2402.03300); Dr.GRPO (arXiv:2503.20783).
// Reference: volcengine/verl@b178a3cd56f58b2d502255daba591e92833930a7
// verl/trainer/ppo/core_algos.py::compute_grpo_outcome_advantage.
func GRPO(tokenLevelRewards, responseMask [][]float64, index []string, opt GRPOOptions) (advantages, returns [][]float64, err error) {
	const est = "verl.grpo"
	if err := checkLike(est, "response_mask", responseMask, "token_level_rewards", tokenLevelRewards); err != nil {
		return nil, nil, err
	}
	g, n, err := indexGroups(est, index, len(tokenLevelRewards))
	if err != nil {
		return nil, nil, err
	}
	adv := allocLike(tokenLevelRewards)
	if err := GRPOInto(adv, tokenLevelRewards, responseMask, g, n, opt, nil); err != nil {
		return nil, nil, err
	}
	return adv, adv, nil
}

// GRPOInto is GRPO writing into caller-owned memory, for callers that reuse
// their buffers from step to step. adv must have exactly the (ragged) shape
// of tokenLevelRewards; every position of it is overwritten with
// A_i·mask[i][t] (the reference's advantages, which are also its returns).
// adv may be tokenLevelRewards or responseMask itself (in-place update) but
// must not otherwise overlap them. g holds one dense group number in
// [0, nGroups) per row (string ids are turned into these once, e.g. with
// internal/groups.Index as GRPO does). The per-row scores and per-group
// statistics live in ws, so with a reused Workspace the call allocates
// nothing (nil ws: O(rows + groups) scratch is allocated).
//
// Cost: one pass over the rewards (row scores, four float64 accumulators),
// O(rows) group statistics in float64, and one pass over the mask writing
// adv. Same formula, quirks and provenance as GRPO.
func GRPOInto(adv, tokenLevelRewards, responseMask [][]float64, g []int, nGroups int, opt GRPOOptions, ws *Workspace) error {
	const est = "verl.grpo"
	if err := checkLike(est, "response_mask", responseMask, "token_level_rewards", tokenLevelRewards); err != nil {
		return err
	}
	if err := checkLike(est, "advantages", adv, "token_level_rewards", tokenLevelRewards); err != nil {
		return err
	}
	if err := checkDenseRows(est, g, nGroups, len(tokenLevelRewards)); err != nil {
		return err
	}
	if ws == nil {
		ws = new(Workspace)
	}
	scores := ws.rowBuf(len(tokenLevelRewards))
	if err := rowScoresInto(est, scores, tokenLevelRewards); err != nil {
		return err
	}
	grpoInto(scores, scores, g, nGroups, opt, ws)
	return broadcastInto(est, adv, scores, responseMask)
}

// GRPOVectorizedOptions are the hyper-parameters of GRPOVectorized.
type GRPOVectorizedOptions struct {
	// Epsilon is both the variance floor and the term added to the standard
	// deviation (verl: epsilon, default 1e-6).
	Epsilon float64
	// NormByStd: see GRPOOptions (default true).
	NormByStd bool
	// Corrected replaces the reference's statistics (one-pass float32
	// variance floored at Epsilon) by those of GRPO (two-pass unbiased
	// variance in float64, no floor), so that GRPOVectorized equals GRPO.
	// Default false (faithful).
	Corrected bool
	// StringIDs groups rows by exact string equality of their ids. Default
	// false (faithful): when every id parses as a base-10 integer (Python
	// int() syntax: surrounding spaces, a sign, digits with single '_'
	// separators), rows are grouped by that integer value, as verl's
	// as_torch_index does, so "01", "1" and " +1" share a group; a negative
	// integer id is then an error (the reference's index_add_ raises).
	// Ids that are not all integers are compared as strings either way.
	StringIDs bool
}

// DefaultGRPOVectorizedOptions returns verl's defaults: Epsilon 1e-6,
// NormByStd true, and the faithful (uncorrected) statistics and grouping.
func DefaultGRPOVectorizedOptions() GRPOVectorizedOptions {
	return GRPOVectorizedOptions{Epsilon: 1e-6, NormByStd: true}
}

// GRPOVectorized is verl's vectorised GRPO (group_mean_std):
//
//	n_g = |g|, S1 = Σ s, S2 = Σ s²          (one pass)
//	mean_g = S1/n_g
//	var_g  = (S2 - S1²/n_g) / max(n_g-1, 1)
//	std_g  = sqrt(max(var_g, eps))
//	A[i][t] = (s_i - mean_g)/(std_g + eps) * mask[i][t]   (or s_i - mean_g)
//
// with s_i summed over every position of the row and singleton groups using
// mean 0, std 1.
//
// DEFECT reproduced by default: the variance floor max(var, eps) with
// eps = 1e-6 bounds std_g below by 1e-3, so a group whose true standard
// deviation is below ~1e-3 is divided by ~1e-3 instead of by its std and is
// heavily under-scaled compared with verl.grpo (fixed upstream after the
// pinned commit, verl #6348). With opt.Corrected the statistics are exactly
// those of GRPO (two-pass, unbiased, no floor) and the result equals GRPO's.
//
// Float32 emulation (faithful mode only): group_mean_std casts the scores to
// float32 and accumulates S1 and S2 with index_add_ in float32 in batch
// order, so its one-pass variance cancels catastrophically when the scores
// are large or their spread is small, and the reference's own float64 rerun
// keeps that float32 step. Those sums, the mean, the variance, the floor, the
// square root and the final (s - mean)/(std + eps) are therefore rounded to
// float32 step by step here, which reproduces the reference to its float32
// rounding instead of being off by up to 1e-3 relative.
//
// Grouping: the reference maps ids through as_torch_index: when every id is
// an integer literal, rows are grouped by integer VALUE ("01" and "1" share a
// group) and a negative id makes index_add_ raise (an error here); otherwise
// np.unique factorises the ids (exact equality). opt.StringIDs always
// compares ids as strings.
//
// returns == advantages (shared backing array).
//
// Paper: "DeepSeekMath" (arXiv:2402.03300).
// Reference: volcengine/verl@b178a3cd56f58b2d502255daba591e92833930a7
// verl/trainer/ppo/core_algos.py::compute_grpo_vectorized_outcome_advantage
// (+ verl/utils/groupwise.py::as_torch_index, group_mean_std).
func GRPOVectorized(tokenLevelRewards, responseMask [][]float64, index []string, opt GRPOVectorizedOptions) (advantages, returns [][]float64, err error) {
	const est = "verl.grpo_vectorized"
	if err := checkLike(est, "response_mask", responseMask, "token_level_rewards", tokenLevelRewards); err != nil {
		return nil, nil, err
	}
	var g []int
	var n int
	if opt.StringIDs {
		g, n, err = indexGroups(est, index, len(tokenLevelRewards))
	} else {
		g, n, err = torchIndexGroups(est, index, len(tokenLevelRewards))
	}
	if err != nil {
		return nil, nil, err
	}
	scores, err := rowScores(est, tokenLevelRewards)
	if err != nil {
		return nil, nil, err
	}
	if opt.Corrected {
		grpoInto(scores, scores, g, n, GRPOOptions{Epsilon: opt.Epsilon, NormByStd: opt.NormByStd}, nil)
	} else {
		grpoVectorizedInto(scores, scores, g, n, opt)
	}
	adv, err := broadcast(est, scores, responseMask)
	if err != nil {
		return nil, nil, err
	}
	return adv, adv, nil
}

// torchIndexGroups groups ids like verl's as_torch_index: by integer value
// when every id is an integer literal (see parsePyInt), else by string.
// Groups are numbered densely in first-appearance order either way (the
// numbering does not change any per-row result).
func torchIndexGroups(est string, index []string, rows int) ([]int, int, error) {
	if len(index) != rows {
		return nil, 0, fmt.Errorf("%s: index has %d ids, token_level_rewards has %d rows", est, len(index), rows)
	}
	vals := make([]int64, len(index))
	for i, id := range index {
		v, ok := parsePyInt(id)
		if !ok {
			return indexGroups(est, index, rows)
		}
		vals[i] = v
	}
	g := make([]int, len(index))
	dense := make(map[int64]int)
	for i, v := range vals {
		if v < 0 {
			return nil, 0, fmt.Errorf("%s: index[%d] = %q is a negative integer id (the reference's index_add_ raises: index out of range)", est, i, index[i])
		}
		k, ok := dense[v]
		if !ok {
			k = len(dense)
			dense[v] = k
		}
		g[i] = k
	}
	return g, len(dense), nil
}

// parsePyInt parses s like Python's int(s) (the conversion numpy's
// astype(np.int64) applies to strings) for ASCII input: optional surrounding
// whitespace, an optional sign, decimal digits with single underscores
// between digits, within the int64 range.
func parsePyInt(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' || strings.Contains(s, "__") {
		return 0, false
	}
	var u uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' {
			continue
		}
		if c < '0' || c > '9' {
			return 0, false
		}
		if u > (math.MaxUint64-9)/10 {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	switch {
	case !neg && u <= math.MaxInt64:
		return int64(u), true
	case neg && u <= 1<<63:
		return -int64(u-1) - 1, true
	}
	return 0, false
}

// grpoVectorizedInto applies the faithful group_mean_std statistics with
// the reference's float32 arithmetic (see GRPOVectorized). Every float32
// operation is written with an explicit conversion so that the compiler
// cannot fuse it into a wider multiply-add.
func grpoVectorizedInto(out, scores []float64, g []int, n int, opt GRPOVectorizedOptions) {
	cnt := make([]float32, n)
	s1 := make([]float32, n)
	s2 := make([]float32, n)
	for i, s := range scores {
		k := g[i]
		x := float32(s)
		cnt[k] = float32(cnt[k] + 1)
		s1[k] = float32(s1[k] + x)
		s2[k] = float32(s2[k] + float32(x*x))
	}
	eps := float32(opt.Epsilon)
	// Reuse s1 as the mean and s2 as the std.
	for k, c := range cnt {
		if c <= 1 {
			s1[k], s2[k] = 0, 1
			continue
		}
		mean := float32(s1[k] / c)
		num := float32(s2[k] - float32(float32(s1[k]*s1[k])/c))
		v := float32(num / float32(c-1))
		if !(v >= eps) { // torch.clamp(var, min=eps); NaN cannot occur for finite scores
			v = eps
		}
		s1[k] = mean
		s2[k] = float32(math.Sqrt(float64(v)))
	}
	for i, s := range scores {
		k := g[i]
		d := float32(float32(s) - s1[k])
		if opt.NormByStd {
			out[i] = float64(float32(d / float32(s2[k]+eps)))
		} else {
			out[i] = float64(d)
		}
	}
}

// GRPOPassK is verl's Pass@k-style GRPO advantage: within each group only
// the best row gets a non-zero advantage,
//
//	A[i*] = (r_max - r_2nd) [/ (std_g + eps) when NormByStd]
//	A[i][t] = A_i * mask[i][t],  A_i = 0 for every other row,
//
// where r_max, r_2nd are the two largest scores of the group (torch.topk,
// k=2), i* is the row holding r_max (on ties the row that comes first in
// the batch, as CPU topk returns the lowest index), and std_g is the
// unbiased group standard deviation. Scores are summed over every position.
// A group with fewer than 2 rows is an error (the reference raises
// ValueError). In verl the NormByStd flag is read from the algorithm config.
//
// returns == advantages (shared backing array).
//
// Paper: as cited by the reference, arXiv:2503.19595.
// Reference: volcengine/verl@b178a3cd56f58b2d502255daba591e92833930a7
// verl/trainer/ppo/core_algos.py::compute_grpo_passk_outcome_advantage.
func GRPOPassK(tokenLevelRewards, responseMask [][]float64, index []string, opt GRPOOptions) (advantages, returns [][]float64, err error) {
	const est = "verl.grpo_passk"
	if err := checkLike(est, "response_mask", responseMask, "token_level_rewards", tokenLevelRewards); err != nil {
		return nil, nil, err
	}
	g, n, err := indexGroups(est, index, len(tokenLevelRewards))
	if err != nil {
		return nil, nil, err
	}
	scores, err := rowScores(est, tokenLevelRewards)
	if err != nil {
		return nil, nil, err
	}
	st := meanStd(nil, scores, g, n, opt.NormByStd)
	best := make([]int, n)
	first := make([]float64, n)
	second := make([]float64, n)
	for k := range best {
		best[k] = -1
	}
	for i, s := range scores {
		k := g[i]
		switch {
		case best[k] < 0:
			best[k], first[k], second[k] = i, s, math.Inf(-1)
		case s > first[k]:
			second[k] = first[k]
			best[k], first[k] = i, s
		case s > second[k]:
			second[k] = s
		}
	}
	a := make([]float64, len(scores))
	for k, c := range st.count {
		if c == 0 {
			continue
		}
		if c < 2 {
			return nil, nil, fmt.Errorf("%s: Pass@k needs at least 2 rows per group, group %q has %d", est, index[best[k]], c)
		}
		v := first[k] - second[k]
		if opt.NormByStd {
			v /= st.std[k] + opt.Epsilon
		}
		a[best[k]] = v
	}
	adv, err := broadcast(est, a, responseMask)
	if err != nil {
		return nil, nil, err
	}
	return adv, adv, nil
}
