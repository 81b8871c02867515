package token

import "fmt"

// OREO advantage modes.
const (
	// OREOSoft is the soft-Bellman residual r + V' − V − β·log(π/π_ref).
	OREOSoft = "soft"
	// OREOTD is the plain one-step TD advantage r + V' − V.
	OREOTD = "td"
)

// OREO computes token-level credit from a value function under OREO's soft
// Bellman consistency V(s_t) = r_t + V(s_{t+1}) − β·log(π/π_ref)(a_t|s_t).
// Over the policy tokens u_0 < u_1 < … of row i (mask ≠ 0; masked tokens
// are skipped, so the next policy token's value bootstraps across them):
//
//	ℓ_t  = β·(logp_t − refLogp_t)
//	V'_t = values at the next policy token, 0 after the last one
//	soft: A_t = r_t + V'_t − V_t − ℓ_t     td: A_t = r_t + V'_t − V_t
//	G_t  = Σ_{u ≥ t} (r_u − ℓ_u)
//
// values[t] is V(s_t), the value of the state before token t; rewards are
// token rewards (OREO: the sparse outcome on the last token). G_t is the
// target of OREO's value loss (V(s_t) − R + β·Σ_{i≥t} log π/π_ref)².
// The soft residual is the coefficient with which OREO's policy loss
// (β·log π/π_ref − (V(s_{t+1}) − V(s_t)))², V detached, moves log π at
// token t (up to the factor 2β): a policy-gradient step with these
// advantages pushes the token's implicit reward toward the TD target, and
// they vanish where the policy is soft-Bellman consistent with V. Masked
// tokens get 0. mask may be nil (all ones).
//
// Paper: "Offline Reinforcement Learning for LLM Multi-Step Reasoning"
// (OREO), Wang et al. (arXiv:2412.16145), spec row #52. The reference
// code (jwhj/OREO) was not inspected; β has no spec default
// (DefaultBeta).
func OREO(rewards, values, logp, refLogp, mask [][]float64, beta float64, mode string) (advantages, returns [][]float64, err error) {
	const est = "oreo"
	if mode != OREOSoft && mode != OREOTD {
		return nil, nil, fmt.Errorf("%s: mode %q, want %s or %s", est, mode, OREOSoft, OREOTD)
	}
	if err := checkParam(est, "beta", beta); err != nil {
		return nil, nil, err
	}
	if err := checkFinite(est, "rewards", rewards); err != nil {
		return nil, nil, err
	}
	for _, x := range []struct {
		n string
		v [][]float64
	}{{"values", values}, {"log_probs", logp}, {"ref_log_probs", refLogp}} {
		if err := checkRows(est, x.n, x.v, "rewards", rewards, false); err != nil {
			return nil, nil, err
		}
	}
	if err := checkRows(est, "mask", mask, "rewards", rewards, true); err != nil {
		return nil, nil, err
	}
	advantages, returns = allocLike(rewards), allocLike(rewards)
	soft := mode == OREOSoft
	for i, r := range rewards {
		v, lp, ref := values[i], logp[i], refLogp[i]
		nextV, g := 0.0, 0.0
		for t := len(r) - 1; t >= 0; t-- {
			if maskAt(mask, i, t) == 0 {
				continue
			}
			l := beta * (lp[t] - ref[t])
			a := r[t] + nextV - v[t]
			if soft {
				a -= l
			}
			g += r[t] - l
			advantages[i][t] = a
			returns[i][t] = g
			nextV = v[t]
		}
	}
	return advantages, returns, nil
}
