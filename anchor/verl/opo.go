package verl

import (
	"fmt"
	"math"

	"github.com/credo-rl/credo/internal/arrays"
)

// OPOScalar computes OPO's per-row advantage from per-row scores and
// response lengths:
//
//	b_g = Σ_{j∈g} len_j·s_j / Σ_{j∈g} len_j     (|g| > 1),   b_g = 0 (singleton)
//	A_i = s_i - b_g
//
// The length-weighted baseline is the optimal reward baseline of the OPO
// paper. A group of two or more rows whose lengths sum to 0 is an error (the
// reference divides 0 by 0 and returns NaN; OPOWithOptions with
// EmptyGroupNaN reproduces that NaN).
//
// g holds dense group numbers in [0, nGroups) (see internal/groups.Index).
//
// Paper: "On-Policy RL with Optimal Reward Baseline" (arXiv:2505.23585).
// Reference: volcengine/verl@b178a3cd56f58b2d502255daba591e92833930a7
// verl/trainer/ppo/core_algos.py::compute_opo_outcome_advantage.
func OPOScalar(scores, lengths []float64, g []int, nGroups int) ([]float64, error) {
	const est = "verl.opo"
	if err := checkDense(est, g, nGroups, len(scores)); err != nil {
		return nil, err
	}
	if err := checkVector(est, "lengths", len(lengths), "scores", len(scores)); err != nil {
		return nil, err
	}
	if err := checkScores(est, scores); err != nil {
		return nil, err
	}
	for i, l := range lengths {
		if !arrays.Finite(l) {
			return nil, errNonFinite(est, "lengths", i)
		}
	}
	out := make([]float64, len(scores))
	if err := opoInto(est, out, scores, lengths, g, nGroups, OPOOptions{}); err != nil {
		return nil, err
	}
	return out, nil
}

// opoInto writes s_i - b_g into out (which may be scores). A group of two
// or more rows with total length 0 is an error unless opt.EmptyGroupNaN,
// which gives it the reference's 0/0 = NaN baseline.
func opoInto(est string, out, scores, lengths []float64, g []int, n int, opt OPOOptions) error {
	cnt := make([]int, n)
	num := make([]float64, n)
	den := make([]float64, n)
	for i, s := range scores {
		k := g[i]
		cnt[k]++
		num[k] += lengths[i] * s
		den[k] += lengths[i]
	}
	for k, c := range cnt {
		switch {
		case c <= 1:
			num[k] = 0
		case den[k] == 0 && opt.EmptyGroupNaN:
			num[k] = math.NaN()
		case den[k] == 0:
			return fmt.Errorf("%s: a group of %d rows has total response length 0 (the reference's baseline is 0/0)", est, c)
		default:
			num[k] /= den[k]
		}
	}
	for i, s := range scores {
		out[i] = s - num[g[i]]
	}
	return nil
}

// OPO is verl's OPO advantage at token level:
//
//	s_i = Σ_t r[i][t] (every position),  len_i = Σ_t mask[i][t]
//	A[i][t] = (s_i - b_g) · mask[i][t]   with b_g from OPOScalar.
//
// Quirk: len_i counts mask ones, so interior mask zeros (tool/observation
// tokens of multi-turn rows) shorten the length that weighs the baseline.
//
// returns == advantages (shared backing array).
//
// Paper: "On-Policy RL with Optimal Reward Baseline" (arXiv:2505.23585).
// Reference: volcengine/verl@b178a3cd56f58b2d502255daba591e92833930a7
// verl/trainer/ppo/core_algos.py::compute_opo_outcome_advantage.
func OPO(tokenLevelRewards, responseMask [][]float64, index []string) (advantages, returns [][]float64, err error) {
	return OPOWithOptions(tokenLevelRewards, responseMask, index, OPOOptions{})
}

// OPOOptions are the options of OPOWithOptions.
type OPOOptions struct {
	// EmptyGroupNaN reproduces the reference on a group of two or more rows
	// whose response_mask is all zero: its baseline is 0/0 = NaN, and since
	// NaN·0 = NaN every position of those rows (padding included) gets a NaN
	// advantage. Default false: such a batch is rejected with an error,
	// which protects training code from silently propagating NaN. The
	// golden adapter sets it (the reference's NaN is the contract there).
	EmptyGroupNaN bool
}

// OPOWithOptions is OPO with options (see OPOOptions). Same formula,
// quirks and provenance as OPO.
func OPOWithOptions(tokenLevelRewards, responseMask [][]float64, index []string, opt OPOOptions) (advantages, returns [][]float64, err error) {
	const est = "verl.opo"
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
	lengths := make([]float64, len(responseMask))
	for i, row := range responseMask {
		l := 0.0
		for _, m := range row {
			l += m
		}
		if !arrays.Finite(l) {
			return nil, nil, errNonFinite(est, "response_mask", i)
		}
		lengths[i] = l
	}
	if err := opoInto(est, scores, scores, lengths, g, n, opt); err != nil {
		return nil, nil, err
	}
	adv, err := broadcast(est, scores, responseMask)
	if err != nil {
		return nil, nil, err
	}
	return adv, adv, nil
}
