package turn

import (
	"fmt"

	"github.com/credo-rl/credo/internal/arrays"
)

// POADOptions are POAD's hyper-parameters.
type POADOptions struct {
	// Gamma discounts across actions (reference default 0.95).
	Gamma float64
	// Lam is the GAE λ, applied within and across actions (reference
	// default 0.95).
	Lam float64
	// GammaIntra discounts between the tokens of one action. POAD uses 1
	// (default); GammaIntra = Gamma gives the reference's NTPO baseline
	// (naive token-level PPO).
	GammaIntra float64
}

// DefaultPOADOptions returns the reference defaults: Gamma 0.95, Lam 0.95,
// GammaIntra 1.
func DefaultPOADOptions() POADOptions { return POADOptions{Gamma: 0.95, Lam: 0.95, GammaIntra: 1} }

// POAD is the token-level advantage of Policy Optimization with Action
// Decomposition: GAE over the tokens of language actions, with no discount
// and no reward inside an action and the action's reward and the discount γ
// at its last token. For the valid tokens (mask ≠ 0) of the actions of row
// i, walked backwards, with V_j = values[i][j]:
//
//	last token j of action k:  δ_j = r_k + γ·V_next − V_j,     A_j = δ_j + γ·λ·A_next
//	other token j, next j':    δ_j = γ_intra·V_j' − V_j,        A_j = δ_j + γ_intra·λ·A_j'
//	returns_j = A_j + V_j
//
// where V_next and A_next belong to the first valid token of action k+1
// (V_next = bootstrap[i], A_next = 0 after the last action; nil bootstrap =
// terminal, value 0). With γ_intra = 1 and λ = 1 the advantage of every
// token of an action equals the action-level λ-return advantage when the
// per-token values inside an action all equal the action's state value.
//
// actions[i] are row i's action spans (in order, disjoint); rewards[i][k]
// is the environment reward of action k. Tokens outside every action or
// with mask 0 are skipped (transparent) and get 0. An action without a
// valid token is skipped; its reward must then be 0. A nil mask row means
// all ones. The reference normalises the advantages later, per minibatch
// and ignoring exact zeros, in its trainer; that step is not part of this
// function.
//
// Paper: "Reinforcing LLM Agents via Policy Optimization with Action
// Decomposition" (arXiv:2405.15821), spec row #30.
// Reference: morning9393/ADRL@1a56809cdf861b1cac761554f370d9941b818c42
// mappo/utils/language_buffer.py::LanguageBuffer.batch_process_tppo.
func POAD(values, mask [][]float64, actions [][]Span, rewards [][]float64, bootstrap []float64, opt POADOptions) (adv, ret [][]float64, err error) {
	const est = "poad"
	b := len(values)
	if mask != nil && len(mask) != b {
		return nil, nil, fmt.Errorf("%s: mask has %d rows, values has %d", est, len(mask), b)
	}
	if len(actions) != b || len(rewards) != b {
		return nil, nil, fmt.Errorf("%s: actions has %d rows and rewards %d, values has %d", est, len(actions), len(rewards), b)
	}
	if bootstrap != nil && len(bootstrap) != b {
		return nil, nil, fmt.Errorf("%s: bootstrap has %d values, want one per row (%d)", est, len(bootstrap), b)
	}
	for _, x := range []float64{opt.Gamma, opt.Lam, opt.GammaIntra} {
		if !arrays.Finite(x) {
			return nil, nil, fmt.Errorf("%s: gamma, lam and gamma_intra must be finite, got %v", est, x)
		}
	}
	adv = make([][]float64, b)
	ret = make([][]float64, b)
	for i, v := range values {
		n := len(v)
		var m []float64
		if mask != nil && mask[i] != nil {
			m = mask[i]
			if len(m) != n {
				return nil, nil, fmt.Errorf("%s: mask row %d has %d values, values has %d", est, i, len(m), n)
			}
		}
		if len(rewards[i]) != len(actions[i]) {
			return nil, nil, fmt.Errorf("%s: rewards row %d has %d values, want one per action (%d)", est, i, len(rewards[i]), len(actions[i]))
		}
		if err := checkSpans(est+": actions", i, actions[i], n); err != nil {
			return nil, nil, err
		}
		a := make([]float64, n)
		g := make([]float64, n)
		nextV, nextA := 0.0, 0.0
		if bootstrap != nil {
			nextV = bootstrap[i]
			if !arrays.Finite(nextV) {
				return nil, nil, fmt.Errorf("%s: bootstrap[%d] = %v must be finite", est, i, nextV)
			}
		}
		for k := len(actions[i]) - 1; k >= 0; k-- {
			s := actions[i][k]
			r := rewards[i][k]
			if !arrays.Finite(r) {
				return nil, nil, fmt.Errorf("%s: rewards row %d action %d = %v must be finite", est, i, k, r)
			}
			last := true
			for j := s.End - 1; j >= s.Start; j-- {
				if m != nil && m[j] == 0 {
					continue
				}
				vj := v[j]
				if !arrays.Finite(vj) {
					return nil, nil, fmt.Errorf("%s: values row %d token %d = %v must be finite", est, i, j, vj)
				}
				var gae float64
				if last {
					gae = r + opt.Gamma*nextV - vj + opt.Gamma*opt.Lam*nextA
					last = false
				} else {
					gae = opt.GammaIntra*nextV - vj + opt.GammaIntra*opt.Lam*nextA
				}
				a[j] = gae
				g[j] = gae + vj
				nextV, nextA = vj, gae
			}
			if last && r != 0 {
				return nil, nil, fmt.Errorf("%s: row %d action %d [%d, %d) has reward %v but no token with a non-zero mask to carry it", est, i, k, s.Start, s.End, r)
			}
		}
		adv[i], ret[i] = a, g
	}
	return adv, ret, nil
}
