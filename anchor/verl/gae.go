package verl

import "github.com/credo-rl/credo/internal/arrays"

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
// Cost: see GAEInto, which GAE calls on freshly allocated outputs.
//
// Paper: "High-Dimensional Continuous Control Using Generalized Advantage
// Estimation" (arXiv:1506.02438).
// Reference: volcengine/verl@b178a3cd56f58b2d502255daba591e92833930a7
// verl/trainer/ppo/core_algos.py::compute_gae_advantage_return.
func GAE(tokenLevelRewards, values, responseMask [][]float64, gamma, lam float64) (advantages, returns [][]float64, err error) {
	adv := allocLike(tokenLevelRewards)
	ret := allocLike(tokenLevelRewards)
	if err := GAEInto(adv, ret, tokenLevelRewards, values, responseMask, gamma, lam); err != nil {
		return nil, nil, err
	}
	return adv, ret, nil
}

// GAEInto is GAE writing into caller-owned memory: adv and ret must have
// exactly the (ragged) shape of tokenLevelRewards, must not overlap each
// other or the inputs, and every position of both is overwritten. It
// allocates nothing.
//
// Cost: two passes over memory. The backward scan of each row computes the
// raw advantages and returns and, in the same loop, the row's mask-weighted
// sums Σm·(a-c) and Σm·(a-c)² in float64, shifted by c, the running mean of
// the rows before it (which keeps the one-pass variance free of
// cancellation; the first row with mask weight is instead summed in two
// passes while it is in cache); rows are combined with the pairwise update
// of Chan, Golub & LeVeque. A second pass whitens adv in place.
func GAEInto(adv, ret, tokenLevelRewards, values, responseMask [][]float64, gamma, lam float64) error {
	return GAEIntoOf(adv, ret, tokenLevelRewards, values, responseMask, gamma, lam)
}

// GAEIntoOf is GAEInto on float32 or float64 rows (for example a trainer's
// tensors viewed in place); it accumulates in float64 and rounds only the
// stored values.
func GAEIntoOf[F Float](adv, ret, tokenLevelRewards, values, responseMask [][]F, gamma, lam float64) error {
	const est = "verl.gae"
	if err := checkLike(est, "values", values, "token_level_rewards", tokenLevelRewards); err != nil {
		return err
	}
	if err := checkLike(est, "response_mask", responseMask, "token_level_rewards", tokenLevelRewards); err != nil {
		return err
	}
	if err := checkLike(est, "advantages", adv, "token_level_rewards", tokenLevelRewards); err != nil {
		return err
	}
	if err := checkLike(est, "returns", ret, "token_level_rewards", tokenLevelRewards); err != nil {
		return err
	}
	if !arrays.Finite(gamma) || !arrays.Finite(lam) {
		return fmt.Errorf("%s: gamma = %v and lam = %v must be finite", est, gamma, lam)
	}
	gl := gamma * lam
	var st whitenStats
	for i, r := range tokenLevelRewards {
		n := len(r)
		if !gaeRow(&st, adv[i][:n], ret[i][:n], r, values[i][:n], responseMask[i][:n], gamma, gl) {
			return firstNonFinite(est, i, named{"token_level_rewards", f64(r)}, named{"values", f64(values[i][:n])}, named{"response_mask", f64(responseMask[i][:n])})
		}
	}
	mean, scale, err := st.params(est)
	if err != nil {
		return err
	}
	for _, a := range adv {
		for t, x := range a {
			a[t] = F((float64(x) - mean) * scale)
		}
	}
	return nil
}

// gaeRow computes the raw GAE advantages a and returns g of one row and
// folds the row into the batch statistics st; it reports false when an
// input is not finite. GAEInto and GAERows share it, so that the one-pass
// and the two-pass runs are the same arithmetic.
func gaeRow[F Float](st *whitenStats, a, g, r, v, m []F, gamma, gl float64) bool {
	n := len(r)
	c := st.mean
	nextv, last := 0.0, 0.0
	var chk, ms, s1, s2 float64
	for t := n - 1; t >= 0; t-- {
		rt, vt, mt := float64(r[t]), float64(v[t]), float64(m[t])
		l := rt + gamma*nextv - vt + gl*last
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
		a[t] = F(last)
		g[t] = F(last + vt)
		chk += l // l is finite iff r[t] and v[t] are (l may be discarded above)
		ms += mt
		d := last - c
		dm := d * mt
		s1 += dm
		s2 += d * dm
	}
	if !arrays.Finite(chk) || !arrays.Finite(ms) {
		return false
	}
	switch {
	case st.w == 0:
		addRow(st, a, m)
	case ms != 0:
		st.merge(ms, c+s1/ms, s2-s1*s1/ms)
	}
	return true
}
