package turn

import (
	"fmt"

	"github.com/credo-rl/credo/internal/arrays"
)

// ArCHerMode selects how ArCHer's utterance advantage is formed from the
// given critic values.
type ArCHerMode string

// ArCHer advantage modes.
const (
	// ArCHerModeQV is the actor advantage of the reference trainer,
	// A = Q(s, a) − V(s) from the (twin-minimum) critic heads.
	ArCHerModeQV ArCHerMode = "q_minus_v"
	// ArCHerModeTD is the one-step TD error of V, A = r + γ·V(s') − V(s), for
	// critics that only give V.
	ArCHerModeTD ArCHerMode = "td"
)

// ArCHerOptions are ArCHer's hyper-parameters.
type ArCHerOptions struct {
	// Gamma is the turn-level discount (reference trainer default 0.9).
	Gamma float64
	// Mode is ArCHerModeQV (default) or ArCHerModeTD.
	Mode ArCHerMode
}

// DefaultArCHerOptions returns the reference trainer's defaults: Gamma 0.9,
// Mode ArCHerModeQV.
func DefaultArCHerOptions() ArCHerOptions {
	return ArCHerOptions{Gamma: 0.9, Mode: ArCHerModeQV}
}

// ArCHerQV is ArCHer's utterance-level actor advantage from given critic
// values:
//
//	A[i][k] = Q[i][k] − V[i][k]
//
// where Q[i][k] = Q(s_k, a_k) and V[i][k] = V(s_k) for turn k of row i. The
// reference computes Q and V with twin critic heads and takes the minimum of
// each pair before subtracting; pass those minima. The advantage is the
// "reward at the end of the utterance" of the token-level policy gradient
// with γ_token = 1 and no token baseline, so every token of the utterance
// receives A (see the bindings).
//
// Paper: "ArCHer: Training Language Model Agents via Hierarchical Multi-Turn
// RL" (arXiv:2402.19446), spec row #32.
// Reference: YifeiZhou02/ArCHer@1bcbf806b71e1f35533876a952a04d89fcc1fa61
// archer/algorithms/archer/trainer.py::ArcherTrainer.update.
func ArCHerQV(q, v [][]float64) ([][]float64, error) {
	if len(q) != len(v) {
		return nil, fmt.Errorf("archer: q has %d rows, v has %d", len(q), len(v))
	}
	out := make([][]float64, len(q))
	for i := range q {
		if len(q[i]) != len(v[i]) {
			return nil, fmt.Errorf("archer: q row %d has %d turns, v has %d", i, len(q[i]), len(v[i]))
		}
		a := make([]float64, len(q[i]))
		for k := range a {
			if !arrays.Finite(q[i][k]) || !arrays.Finite(v[i][k]) {
				return nil, fmt.Errorf("archer: row %d turn %d: q = %v, v = %v must be finite", i, k, q[i][k], v[i][k])
			}
			a[k] = q[i][k] - v[i][k]
		}
		out[i] = a
	}
	return out, nil
}

// ArCHerTD is the utterance-level TD advantage of ArCHer's critic target:
//
//	y[i][k] = r[i][k] + γ·V[i][k+1],   V[i][K_i] = bootstrap[i]
//	A[i][k] = y[i][k] − V[i][k]
//
// y is the target the reference regresses Q(s_k, a_k) onto (with the
// target critic's V of the next observation and (1 − done) masking), so A
// is Q − V when Q is exact. bootstrap is V of the state after the last turn
// of a truncated episode; nil means every row ended (terminal, value 0).
// It returns the advantages and the targets y.
//
// With exact values on a deterministic chain, V(s_k) = r_k + γ·V(s_{k+1})
// and every TD advantage is 0; with exact values under a stochastic policy
// the advantages have zero mean under the policy.
//
// Paper: ArCHer (arXiv:2402.19446), spec row #32.
// Reference: YifeiZhou02/ArCHer@1bcbf806b71e1f35533876a952a04d89fcc1fa61
// archer/algorithms/archer/trainer.py::ArcherTrainer.critic_loss.
func ArCHerTD(rewards, v [][]float64, bootstrap []float64, gamma float64) (adv, target [][]float64, err error) {
	if len(rewards) != len(v) {
		return nil, nil, fmt.Errorf("archer: rewards has %d rows, v has %d", len(rewards), len(v))
	}
	if bootstrap != nil && len(bootstrap) != len(v) {
		return nil, nil, fmt.Errorf("archer: bootstrap has %d values, want one per row (%d)", len(bootstrap), len(v))
	}
	if !arrays.Finite(gamma) {
		return nil, nil, fmt.Errorf("archer: gamma = %v must be finite", gamma)
	}
	adv = make([][]float64, len(v))
	target = make([][]float64, len(v))
	for i := range v {
		r, vi := rewards[i], v[i]
		if len(r) != len(vi) {
			return nil, nil, fmt.Errorf("archer: rewards row %d has %d turns, v has %d", i, len(r), len(vi))
		}
		next := 0.0
		if bootstrap != nil {
			next = bootstrap[i]
			if !arrays.Finite(next) {
				return nil, nil, fmt.Errorf("archer: bootstrap[%d] = %v must be finite", i, next)
			}
		}
		a := make([]float64, len(vi))
		y := make([]float64, len(vi))
		for k := len(vi) - 1; k >= 0; k-- {
			if !arrays.Finite(r[k]) || !arrays.Finite(vi[k]) {
				return nil, nil, fmt.Errorf("archer: row %d turn %d: reward = %v, v = %v must be finite", i, k, r[k], vi[k])
			}
			y[k] = r[k] + gamma*next
			a[k] = y[k] - vi[k]
			next = vi[k]
		}
		adv[i], target[i] = a, y
	}
	return adv, target, nil
}
