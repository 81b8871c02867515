package verl

// RLOOScalar computes the RLOO per-row advantage from per-row scores:
//
//	A_i = s_i·n/(n-1) - mean_g·n/(n-1)  =  s_i - mean_{j≠i, j∈g} s_j   (n = |g| > 1)
//	A_i = s_i                                                        (n = 1)
//
// evaluated in the reference's order (two products, then a difference). No
// standard-deviation scaling. A singleton group keeps its raw score.
//
// g holds dense group numbers in [0, nGroups) (see internal/groups.Index).
//
// Paper: "Back to Basics: Revisiting REINFORCE Style Optimization for
// Learning from Human Feedback in LLMs" (arXiv:2402.14740).
// Reference: volcengine/verl@b178a3cd56f58b2d502255daba591e92833930a7
// verl/trainer/ppo/core_algos.py::compute_rloo_outcome_advantage.
func RLOOScalar(scores []float64, g []int, nGroups int) ([]float64, error) {
	const est = "verl.rloo"
	if err := checkDense(est, g, nGroups, len(scores)); err != nil {
		return nil, err
	}
	if err := checkScores(est, scores); err != nil {
		return nil, err
	}
	out := make([]float64, len(scores))
	rlooInto(out, scores, g, nGroups, nil)
	return out, nil
}

// rlooInto writes the RLOO scalars of scores into out (which may be scores).
func rlooInto(out, scores []float64, g []int, n int, ws *Workspace) {
	st := meanStd(ws, scores, g, n, false)
	for i, s := range scores {
		k := g[i]
		c := float64(st.count[k])
		if st.count[k] > 1 {
			out[i] = s*c/(c-1) - st.mean[k]*c/(c-1)
		} else {
			out[i] = s
		}
	}
}

// RLOO is verl's RLOO advantage at token level: s_i = Σ_t r[i][t] over every
// position, A[i][t] = RLOOScalar(s)_i · mask[i][t]. A singleton group keeps
// its raw score.
//
// returns == advantages (shared backing array).
//
// Paper: "Back to Basics" (arXiv:2402.14740).
// Reference: volcengine/verl@b178a3cd56f58b2d502255daba591e92833930a7
// verl/trainer/ppo/core_algos.py::compute_rloo_outcome_advantage.
func RLOO(tokenLevelRewards, responseMask [][]float64, index []string) (advantages, returns [][]float64, err error) {
	const est = "verl.rloo"
	if err := checkLike(est, "response_mask", responseMask, "token_level_rewards", tokenLevelRewards); err != nil {
		return nil, nil, err
	}
	g, n, err := indexGroups(est, index, len(tokenLevelRewards))
	if err != nil {
		return nil, nil, err
	}
	adv := allocLike(tokenLevelRewards)
	if err := RLOOInto(adv, tokenLevelRewards, responseMask, g, n, nil); err != nil {
		return nil, nil, err
	}
	return adv, adv, nil
}

// RLOOInto is RLOO writing into caller-owned memory. adv must have exactly
// the (ragged) shape of tokenLevelRewards; every position is overwritten
// with A_i·mask[i][t]. adv may be tokenLevelRewards or responseMask itself
// but must not otherwise overlap them. g holds one dense group number in
// [0, nGroups) per row; the scratch lives in ws (nil: allocated), so with a
// reused Workspace the call allocates nothing.
//
// Cost: one pass over the rewards, O(rows) float64 group statistics, one
// pass over the mask writing adv. Same formula and provenance as RLOO.
func RLOOInto(adv, tokenLevelRewards, responseMask [][]float64, g []int, nGroups int, ws *Workspace) error {
	const est = "verl.rloo"
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
	rlooInto(scores, scores, g, nGroups, ws)
	return broadcastInto(est, adv, scores, responseMask)
}

// RLOOVectorizedOptions are the options of RLOOVectorized.
type RLOOVectorizedOptions struct {
	// Corrected gives singleton groups their raw score, as RLOO does,
	// instead of the reference's 0. Default false (faithful).
	Corrected bool
}

// RLOOVectorized is verl's bincount form of RLOO:
//
//	A_i = (c·s_i - Σ_{j∈g} s_j) / max(c-1, 1) · [c > 1],   c = |g|
//	A[i][t] = A_i · mask[i][t]
//
// DEFECT reproduced by default: the factor [c > 1] gives SINGLETON GROUPS
// ADVANTAGE 0, whereas RLOO keeps their raw score (verl issue #7793 /
// PR #7794). With opt.Corrected a singleton keeps its raw score and the
// result equals RLOO's.
//
// returns == advantages (shared backing array).
//
// Paper: "Back to Basics" (arXiv:2402.14740).
// Reference: volcengine/verl@b178a3cd56f58b2d502255daba591e92833930a7
// verl/trainer/ppo/core_algos.py::compute_rloo_vectorized_outcome_advantage.
func RLOOVectorized(tokenLevelRewards, responseMask [][]float64, index []string, opt RLOOVectorizedOptions) (advantages, returns [][]float64, err error) {
	const est = "verl.rloo_vectorized"
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
	cnt := make([]float64, n)
	sum := make([]float64, n)
	for i, s := range scores {
		cnt[g[i]]++
		sum[g[i]] += s
	}
	for i, s := range scores {
		k := g[i]
		c := cnt[k]
		switch {
		case c > 1:
			scores[i] = (c*s - sum[k]) / (c - 1)
		case !opt.Corrected:
			scores[i] = 0
		}
	}
	adv, err := broadcast(est, scores, responseMask)
	if err != nil {
		return nil, nil, err
	}
	return adv, adv, nil
}
