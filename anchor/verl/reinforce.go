package verl

import "fmt"

// ReinforcePlusPlus is verl's REINFORCE++ advantage:
//
//	G[i][t] = r[i][t] + γ·G'[i][t+1],   G'[i][t] = G[i][t]·mask[i][t],   G'[i][T] = 0
//	returns    = G
//	advantages = MaskedWhiten(G, mask) · mask
//
// i.e. the running return is multiplied by the mask AFTER it is stored.
// Quirks reproduced: any mask zero cuts the flow of reward, including
// interior zeros (tool/observation tokens of multi-turn rows), so rewards of
// later turns never reach earlier turns; a reward on a padding position is
// stored in returns at that position but does not flow back. The whitening
// is global over all masked tokens of the batch (token-weighted, unbiased
// variance, rsqrt(var + 1e-8)); it fails when the mask sums to 0 or 1.
//
// Cost: one backward pass per row (rows visited twice while in cache for the
// statistics) and one pass writing the advantages.
//
// Paper: "REINFORCE++: A Simple and Efficient Approach for Aligning Large
// Language Models" (arXiv:2501.03262).
// Reference: volcengine/verl@b178a3cd56f58b2d502255daba591e92833930a7
// verl/trainer/ppo/core_algos.py::compute_reinforce_plus_plus_outcome_advantage.
func ReinforcePlusPlus(tokenLevelRewards, responseMask [][]float64, gamma float64) (advantages, returns [][]float64, err error) {
	const est = "verl.reinforce_plus_plus"
	if err := checkLike(est, "response_mask", responseMask, "token_level_rewards", tokenLevelRewards); err != nil {
		return nil, nil, err
	}
	if !finite(gamma) {
		return nil, nil, fmt.Errorf("%s: gamma = %v must be finite", est, gamma)
	}
	ret := allocLike(tokenLevelRewards)
	var st whitenStats
	for i, r := range tokenLevelRewards {
		m := responseMask[i]
		g := ret[i]
		run, rs, ms := 0.0, 0.0, 0.0
		for t := len(r) - 1; t >= 0; t-- {
			run = r[t] + gamma*run
			g[t] = run
			if mt := m[t]; mt != 1 { // exact shortcut for the common mask value 1
				run *= mt
			}
			rs += r[t]
			ms += m[t]
		}
		if !finite(rs) {
			return nil, nil, errNonFinite(est, "token_level_rewards", i)
		}
		if !finite(ms) {
			return nil, nil, errNonFinite(est, "response_mask", i)
		}
		st.addRow(g, m)
	}
	mean, scale, err := st.params(est)
	if err != nil {
		return nil, nil, err
	}
	adv := allocLike(tokenLevelRewards)
	for i, g := range ret {
		m := responseMask[i]
		a := adv[i]
		for t, x := range g {
			a[t] = (x - mean) * scale * m[t]
		}
	}
	return adv, ret, nil
}

// ReinforcePlusPlusBaselineScalar computes the per-row part of
// REINFORCE++-baseline: s_i - mean_g, with mean 0 for a singleton group
// (which therefore keeps its raw score). The token-level estimator then
// broadcasts it over the mask and whitens it over the batch.
//
// g holds dense group numbers in [0, nGroups) (see internal/groups.Index).
//
// Paper: "REINFORCE++" (arXiv:2501.03262).
// Reference: volcengine/verl@b178a3cd56f58b2d502255daba591e92833930a7
// verl/trainer/ppo/core_algos.py::compute_reinforce_plus_plus_baseline_outcome_advantage.
func ReinforcePlusPlusBaselineScalar(scores []float64, g []int, nGroups int) ([]float64, error) {
	const est = "verl.reinforce_plus_plus_baseline"
	if err := checkDense(est, g, nGroups, len(scores)); err != nil {
		return nil, err
	}
	if err := checkScores(est, scores); err != nil {
		return nil, err
	}
	out := make([]float64, len(scores))
	rfppBaselineInto(out, scores, g, nGroups)
	return out, nil
}

func rfppBaselineInto(out, scores []float64, g []int, n int) {
	st := meanStd(scores, g, n, false)
	for i, s := range scores {
		out[i] = s - st.mean[g[i]]
	}
}

// ReinforcePlusPlusBaseline is verl's REINFORCE++-baseline advantage:
//
//	s_i = Σ_t r[i][t] (every position),  a_i = s_i - mean_g (singleton: mean 0)
//	x[i][t] = a_i · mask[i][t]
//	A[i][t] = MaskedWhiten(x, mask)[i][t] · mask[i][t]
//
// Quirk reproduced: the whitening is TOKEN-weighted over the whole batch
// (longer responses count more in its mean and variance), unbiased, with
// rsqrt(var + 1e-8); it fails when the mask sums to 0 or 1. The per-row
// statistics are computed in closed form from Σm, Σm², Σm³ of each row.
//
// returns == advantages (shared backing array).
//
// Paper: "REINFORCE++" (arXiv:2501.03262).
// Reference: volcengine/verl@b178a3cd56f58b2d502255daba591e92833930a7
// verl/trainer/ppo/core_algos.py::compute_reinforce_plus_plus_baseline_outcome_advantage.
func ReinforcePlusPlusBaseline(tokenLevelRewards, responseMask [][]float64, index []string) (advantages, returns [][]float64, err error) {
	const est = "verl.reinforce_plus_plus_baseline"
	if err := checkLike(est, "response_mask", responseMask, "token_level_rewards", tokenLevelRewards); err != nil {
		return nil, nil, err
	}
	g, n, err := indexGroups(est, index, len(tokenLevelRewards))
	if err != nil {
		return nil, nil, err
	}
	a, err := rowScores(est, tokenLevelRewards)
	if err != nil {
		return nil, nil, err
	}
	rfppBaselineInto(a, a, g, n)
	var st whitenStats
	for i, row := range responseMask {
		m1, m2, m3 := 0.0, 0.0, 0.0
		for _, m := range row {
			mm := m * m
			m1 += m
			m2 += mm
			m3 += mm * m
		}
		if !finite(m3) || !finite(m1) {
			return nil, nil, errNonFinite(est, "response_mask", i)
		}
		if m1 == 0 {
			continue
		}
		// Values a·m_t weighted by m_t: mean a·Σm²/Σm, squared deviations
		// a²·(Σm³ - (Σm²)²/Σm), which is exactly 0 for a 0/1 mask.
		rmean := a[i] * m2 / m1
		st.merge(m1, rmean, a[i]*a[i]*(m3-m2*m2/m1))
	}
	mean, scale, err := st.params(est)
	if err != nil {
		return nil, nil, err
	}
	adv := allocLike(tokenLevelRewards)
	for i, row := range responseMask {
		o := adv[i]
		ai := a[i]
		for t, m := range row {
			o[t] = (ai*m - mean) * scale * m
		}
	}
	return adv, adv, nil
}
