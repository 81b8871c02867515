package verl

import "github.com/credo-rl/credo/internal/arrays"

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
// Cost: see ReinforcePlusPlusInto, which this calls on fresh outputs.
//
// Paper: "REINFORCE++: A Simple and Efficient Approach for Aligning Large
// Language Models" (arXiv:2501.03262).
// Reference: volcengine/verl@b178a3cd56f58b2d502255daba591e92833930a7
// verl/trainer/ppo/core_algos.py::compute_reinforce_plus_plus_outcome_advantage.
func ReinforcePlusPlus(tokenLevelRewards, responseMask [][]float64, gamma float64) (advantages, returns [][]float64, err error) {
	adv := allocLike(tokenLevelRewards)
	ret := allocLike(tokenLevelRewards)
	if err := ReinforcePlusPlusInto(adv, ret, tokenLevelRewards, responseMask, gamma, nil); err != nil {
		return nil, nil, err
	}
	return adv, ret, nil
}

// ReinforcePlusPlusInto is ReinforcePlusPlus writing into caller-owned
// memory: adv and ret must have exactly the (ragged) shape of
// tokenLevelRewards, must not overlap each other or the inputs, and every
// position of both is overwritten. A per-row flag lives in ws (nil:
// allocated), so with a reused Workspace the call allocates nothing.
//
// Cost: the backward scan of each row writes the returns and, in the same
// loop, accumulates the row's mask-weighted sums Σm·(G-c), Σm·(G-c)² in
// float64, shifted by the running mean c of the rows before it (the first
// row with mask weight is summed in two passes while in cache); rows are
// combined with the pairwise update of Chan, Golub & LeVeque. A second pass
// writes adv from ret; for rows whose mask is all ones (recorded during the
// scan) it does not read the mask again.
func ReinforcePlusPlusInto(adv, ret, tokenLevelRewards, responseMask [][]float64, gamma float64, ws *Workspace) error {
	return ReinforcePlusPlusIntoOf(adv, ret, tokenLevelRewards, responseMask, gamma, ws)
}

// ReinforcePlusPlusIntoOf is ReinforcePlusPlusInto on float32 or float64
// rows; it accumulates in float64 and rounds only the stored values.
func ReinforcePlusPlusIntoOf[F Float](adv, ret, tokenLevelRewards, responseMask [][]F, gamma float64, ws *Workspace) error {
	const est = "verl.reinforce_plus_plus"
	if err := checkLike(est, "response_mask", responseMask, "token_level_rewards", tokenLevelRewards); err != nil {
		return err
	}
	if err := checkLike(est, "advantages", adv, "token_level_rewards", tokenLevelRewards); err != nil {
		return err
	}
	if err := checkLike(est, "returns", ret, "token_level_rewards", tokenLevelRewards); err != nil {
		return err
	}
	if !arrays.Finite(gamma) {
		return fmt.Errorf("%s: gamma = %v must be finite", est, gamma)
	}
	if ws == nil {
		ws = new(Workspace)
	}
	ones := ws.rowBuf(len(tokenLevelRewards)) // 1: the row's mask is all ones
	var st whitenStats
	for i, r := range tokenLevelRewards {
		n := len(r)
		m := responseMask[i][:n]
		allOnes, ok := rfppRow(&st, ret[i][:n], r, m, gamma)
		if !ok {
			return firstNonFinite(est, i, named{"token_level_rewards", f64(r)}, named{"response_mask", f64(m)})
		}
		ones[i] = 0
		if allOnes {
			ones[i] = 1
		}
	}
	mean, scale, err := st.params(est)
	if err != nil {
		return err
	}
	for i, g := range ret {
		rfppWhiten(adv[i][:len(g)], g, responseMask[i][:len(g)], ones[i] == 1, mean, scale)
	}
	return nil
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
	st := meanStd(nil, scores, g, n, false)
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
		if !rfppbRow(&st, a[i], row) {
			return nil, nil, errNonFinite(est, "response_mask", i)
		}
	}
	mean, scale, err := st.params(est)
	if err != nil {
		return nil, nil, err
	}
	adv := allocLike(tokenLevelRewards)
	for i, row := range responseMask {
		rfppbWhiten(adv[i], a[i], row, mean, scale)
	}
	return adv, adv, nil
}

// rfppbRow folds the row a·m (weighted by m) into the batch statistics,
// from the closed-form moments of its mask; false: a non-finite mask.
func rfppbRow(st *whitenStats, a float64, row []float64) bool {
	m1, m2, m3 := 0.0, 0.0, 0.0
	for _, m := range row {
		mm := m * m
		m1 += m
		m2 += mm
		m3 += mm * m
	}
	if !arrays.Finite(m3) || !arrays.Finite(m1) {
		return false
	}
	if m1 == 0 {
		return true
	}
	// Values a·m_t weighted by m_t: mean a·Σm²/Σm, squared deviations
	// a²·(Σm³ - (Σm²)²/Σm), which is exactly 0 for a 0/1 mask.
	rmean := a * m2 / m1
	st.merge(m1, rmean, a*a*(m3-m2*m2/m1))
	return true
}

// rfppbWhiten writes the whitened, masked advantages of one row.
func rfppbWhiten(o []float64, a float64, row []float64, mean, scale float64) {
	for t, m := range row {
		o[t] = (a*m - mean) * scale * m
	}
}

// rfppRow writes the discounted returns g of one row and folds the row into
// the batch statistics st. It reports whether the row's mask is all ones,
// and false for ok when an input is not finite. ReinforcePlusPlusInto and
// ReinforcePlusPlusRows share it.
func rfppRow[F Float](st *whitenStats, g, r, m []F, gamma float64) (allOnes, ok bool) {
	c := st.mean
	run := 0.0
	other := 0
	var ms, s1, s2 float64
	for t := len(r) - 1; t >= 0; t-- {
		mt := float64(m[t])
		run = float64(r[t]) + gamma*run
		g[t] = F(run)
		d := run - c
		if mt != 1 { // exact shortcut for the common mask value 1
			run *= mt
			other++
		}
		dm := d * mt
		s1 += dm
		s2 += d * dm
		ms += mt
	}
	// A non-finite reward makes run, and so d·m_t, non-finite from there
	// on (Inf·0 is NaN); a non-finite mask value makes ms non-finite.
	if !arrays.Finite(s1) || !arrays.Finite(ms) {
		return false, false
	}
	switch {
	case st.w == 0:
		addRow(st, g, m)
	case ms != 0:
		st.merge(ms, c+s1/ms, s2-s1*s1/ms)
	}
	return other == 0, true
}

// rfppWhiten writes the whitened, masked advantages of one row.
func rfppWhiten[F Float](a, g, m []F, allOnes bool, mean, scale float64) {
	if allOnes {
		for t, x := range g {
			a[t] = F((float64(x) - mean) * scale)
		}
		return
	}
	for t, x := range g {
		a[t] = F((float64(x) - mean) * scale * float64(m[t]))
	}
}
