package verl

import "github.com/credo-rl/credo/internal/arrays"

// ReMax is verl's ReMax advantage:
//
//	G[i][t] = Σ_{u≥t} r[i][u]·mask[i][u]        (reverse cumulative sum)
//	A[i][t] = G[i][t] - b_i·mask[i][t]
//
// where b_i = reward_baselines[i] is the score of the greedy rollout of the
// same prompt. Quirk reproduced: returns are not re-masked, so a masked
// position inside a multi-turn row (or padding before a later reward-bearing
// token) carries the return of the tokens after it, and its advantage is
// that return (the baseline is only subtracted where mask is 1).
//
// returns and advantages are separate arrays.
//
// Paper: "ReMax: A Simple, Effective, and Efficient Reinforcement Learning
// Method for Aligning Large Language Models" (arXiv:2310.10505).
// Reference: volcengine/verl@b178a3cd56f58b2d502255daba591e92833930a7
// verl/trainer/ppo/core_algos.py::compute_remax_outcome_advantage.
func ReMax(tokenLevelRewards [][]float64, rewardBaselines []float64, responseMask [][]float64) (advantages, returns [][]float64, err error) {
	const est = "verl.remax"
	if err := checkLike(est, "response_mask", responseMask, "token_level_rewards", tokenLevelRewards); err != nil {
		return nil, nil, err
	}
	if err := checkVector(est, "reward_baselines", len(rewardBaselines), "token_level_rewards", len(tokenLevelRewards)); err != nil {
		return nil, nil, err
	}
	adv := allocLike(tokenLevelRewards)
	ret := allocLike(tokenLevelRewards)
	for i, r := range tokenLevelRewards {
		m := responseMask[i]
		b := rewardBaselines[i]
		if !arrays.Finite(b) {
			return nil, nil, errNonFinite(est, "reward_baselines", i)
		}
		a, g := adv[i], ret[i]
		run, rs, ms := 0.0, 0.0, 0.0
		for t := len(r) - 1; t >= 0; t-- {
			run += r[t] * m[t]
			g[t] = run
			a[t] = run - b*m[t]
			rs += r[t]
			ms += m[t]
		}
		if !arrays.Finite(rs) {
			return nil, nil, errNonFinite(est, "token_level_rewards", i)
		}
		if !arrays.Finite(ms) {
			return nil, nil, errNonFinite(est, "response_mask", i)
		}
	}
	return adv, ret, nil
}
