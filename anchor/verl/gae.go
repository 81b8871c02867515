package verl

import "fmt"

// GAE is verl's generalised advantage estimation with transparent masked
// tokens. Backward over t = T-1 … 0, starting from nextv = lastgaelam = 0:
//
//	δ_t      = r_t + γ·nextv - V_t
//	ℓ_t      = δ_t + γλ·lastgaelam
//	nextv    ← V_t·m_t + (1-m_t)·nextv
//	lastgaelam ← ℓ_t·m_t + (1-m_t)·lastgaelam
//	adv_t    = lastgaelam
//
//	returns    = adv + V                     (before whitening)
//	advantages = MaskedWhiten(adv, mask)     (NOT re-multiplied by the mask)
//
// Quirks reproduced: positions with mask 0 (padding, tool/observation tokens
// inside a multi-turn row) carry nextv and lastgaelam through unchanged, so
// rewards and values there are ignored and the value of the next valid
// token bootstraps across them; a padding position after the last valid
// token has raw advantage 0 and return V_t; after whitening, masked
// positions hold (adv - mean)·scale rather than 0. The whitening is global
// over all masked tokens of the batch (unbiased variance, rsqrt(var+1e-8))
// and fails when the mask sums to 0 or 1, as verl's masked_var raises.
//
// Cost: one backward pass per row (the row is visited a second time while
// in cache for the statistics) and one pass whitening the advantages.
//
// Paper: "High-Dimensional Continuous Control Using Generalized Advantage
// Estimation" (arXiv:1506.02438).
// Reference: volcengine/verl@b178a3cd56f58b2d502255daba591e92833930a7
// verl/trainer/ppo/core_algos.py::compute_gae_advantage_return.
func GAE(tokenLevelRewards, values, responseMask [][]float64, gamma, lam float64) (advantages, returns [][]float64, err error) {
	const est = "verl.gae"
	if err := checkLike(est, "values", values, "token_level_rewards", tokenLevelRewards); err != nil {
		return nil, nil, err
	}
	if err := checkLike(est, "response_mask", responseMask, "token_level_rewards", tokenLevelRewards); err != nil {
		return nil, nil, err
	}
	if !finite(gamma) || !finite(lam) {
		return nil, nil, fmt.Errorf("%s: gamma = %v and lam = %v must be finite", est, gamma, lam)
	}
	adv := allocLike(tokenLevelRewards)
	ret := allocLike(tokenLevelRewards)
	gl := gamma * lam
	var st whitenStats
	for i, r := range tokenLevelRewards {
		v, m := values[i], responseMask[i]
		a, g := adv[i], ret[i]
		nextv, last := 0.0, 0.0
		rs, vs, ms := 0.0, 0.0, 0.0
		for t := len(r) - 1; t >= 0; t-- {
			mt, vt := m[t], v[t]
			l := r[t] + gamma*nextv - vt + gl*last
			// For a 0/1 mask the blend below reduces exactly to one of
			// its terms; the branches only shorten the dependency chain.
			switch mt {
			case 1:
				nextv, last = vt, l
			case 0:
			default:
				nextv = vt*mt + (1-mt)*nextv
				last = l*mt + (1-mt)*last
			}
			a[t] = last
			g[t] = last + vt
			rs += r[t]
			vs += vt
			ms += mt
		}
		if !finite(rs) {
			return nil, nil, errNonFinite(est, "token_level_rewards", i)
		}
		if !finite(vs) {
			return nil, nil, errNonFinite(est, "values", i)
		}
		if !finite(ms) {
			return nil, nil, errNonFinite(est, "response_mask", i)
		}
		st.addRow(a, m)
	}
	mean, scale, err := st.params(est)
	if err != nil {
		return nil, nil, err
	}
	for _, a := range adv {
		for t, x := range a {
			a[t] = (x - mean) * scale
		}
	}
	return adv, ret, nil
}
