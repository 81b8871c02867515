package turn

import (
	"fmt"

	"github.com/credo-rl/credo/internal/arrays"
)

// LaReMode selects how LaRe turns latent per-step scores into per-step
// rewards.
type LaReMode string

// LaRe redistribution modes.
const (
	// LaReAdditive shifts the scores by a common constant so that they sum
	// to the return: r_k = s_k + (R − Σ_j s_j)/K (default).
	LaReAdditive LaReMode = "additive"
	// LaReProportional scales non-negative scores to the return:
	// r_k = R · s_k / Σ_j s_j.
	LaReProportional LaReMode = "proportional"
	// LaReRaw uses the decoder outputs as they are, r_k = s_k, as the
	// paper's agent does (Σ r = R only as well as the decoder fits).
	LaReRaw LaReMode = "raw"
)

// LaReRedistribute redistributes each row's episodic return R_i over its K_i
// steps from given latent per-step scores s (the outputs f(φ(s_t, a_t)) of
// LaRe's decoder over the LLM-written latent-reward encoder):
//
//	additive:      r_k = s_k + (R − Σ_j s_j) / K
//	proportional:  r_k = R · s_k / Σ_j s_j        (s_k ≥ 0, Σ_j s_j > 0)
//	raw:           r_k = s_k
//
// The additive and proportional modes preserve the return exactly,
// Σ_k r_k = R (up to rounding), and keep the decoder's ordering of steps;
// the additive mode keeps the differences between steps, the proportional
// mode their ratios. A row with no steps is an error unless its return is 0
// (nothing to carry it).
//
// Paper: "Latent Reward: LLM-Empowered Credit Assignment in Episodic
// Reinforcement Learning" (arXiv:2412.11120), spec row #11. No reference
// code was inspected; the exact-preservation modes are credo's, the paper
// regresses Σ_t r̂_t ≈ R.
func LaReRedistribute(returns []float64, scores [][]float64, mode LaReMode) ([][]float64, error) {
	if len(returns) != len(scores) {
		return nil, fmt.Errorf("lare: %d returns for %d rows of scores", len(returns), len(scores))
	}
	out := make([][]float64, len(scores))
	for i, s := range scores {
		R := returns[i]
		if !arrays.Finite(R) {
			return nil, fmt.Errorf("lare: return of row %d = %v must be finite", i, R)
		}
		k := len(s)
		if k == 0 {
			if R != 0 && mode != LaReRaw {
				return nil, fmt.Errorf("lare: row %d has return %v but no steps to carry it", i, R)
			}
			out[i] = []float64{}
			continue
		}
		sum := 0.0
		for t, x := range s {
			if !arrays.Finite(x) {
				return nil, fmt.Errorf("lare: row %d step %d: score %v must be finite", i, t, x)
			}
			if mode == LaReProportional && x < 0 {
				return nil, fmt.Errorf("lare: row %d step %d: score %v < 0; proportional redistribution needs non-negative scores", i, t, x)
			}
			sum += x
		}
		r := make([]float64, k)
		switch mode {
		case LaReAdditive:
			shift := (R - sum) / float64(k)
			for t, x := range s {
				r[t] = x + shift
			}
		case LaReProportional:
			if sum <= 0 {
				return nil, fmt.Errorf("lare: row %d: scores sum to %v; proportional redistribution needs a positive sum", i, sum)
			}
			for t, x := range s {
				r[t] = R * x / sum
			}
		case LaReRaw:
			copy(r, s)
		default:
			return nil, fmt.Errorf("lare: unknown mode %q (want additive, proportional or raw)", mode)
		}
		out[i] = r
	}
	return out, nil
}
