package turn

import (
	"fmt"

	"github.com/credo-rl/credo/internal/arrays"
)

// SotopiaOptions are Sotopia-RL's credit hyper-parameters.
type SotopiaOptions struct {
	// Weights of the reward dimensions; nil means equal weights 1/D (the
	// mean). The paper's weights were not found.
	Weights []float64
	// NormByStd divides by the comparison set's standard deviation, as
	// GRPO does (default true).
	NormByStd bool
	// Epsilon is added to the standard deviation (default 1e-6).
	Epsilon float64
}

// DefaultSotopiaOptions returns equal weights, NormByStd true, Epsilon 1e-6.
func DefaultSotopiaOptions() SotopiaOptions { return SotopiaOptions{NormByStd: true, Epsilon: 1e-6} }

// SotopiaAttributedReward is Sotopia-RL's conversion of an LLM attribution
// label into an utterance reward on one dimension:
//
//	r = attribution / scale · episodeScore     (attribution −1 = invalid → r = −1)
//
// where attribution ∈ {0, …, scale} is how much the utterance contributed to
// the episode's score on the dimension (scale 3 by default in the
// reference), and episodeScore is the episode-level Sotopia-Eval score of
// that dimension.
//
// Paper: "Sotopia-RL: Reward Design for Social Intelligence"
// (arXiv:2508.03905), spec row #37.
// Reference: sotopia-lab/sotopia-rl@10ba7bd88eeccdb18fe2efd45d5e399481fbd5c0
// scripts/data_process/process_annotation_direct_attribution.py::calc_reward.
func SotopiaAttributedReward(attribution, scale, episodeScore float64) float64 {
	if attribution == -1 {
		return -1
	}
	return attribution / scale * episodeScore
}

// CombineRewards combines the D reward dimensions of each utterance into one
// scalar:
//
//	r[u] = Σ_d w_d · x[u][d]
//
// with w = weights (nil = equal weights 1/D). Every row must have D values.
func CombineRewards(x [][]float64, weights []float64) ([]float64, error) {
	out := make([]float64, len(x))
	if len(x) == 0 {
		return out, nil
	}
	d := len(x[0])
	w := weights
	if w == nil {
		if d == 0 {
			return nil, fmt.Errorf("sotopia_rl: no reward dimensions")
		}
		w = make([]float64, d)
		for k := range w {
			w[k] = 1 / float64(d)
		}
	}
	if len(w) != d {
		return nil, fmt.Errorf("sotopia_rl: %d weights for %d reward dimensions", len(w), d)
	}
	for u, row := range x {
		if len(row) != d {
			return nil, fmt.Errorf("sotopia_rl: utterance %d has %d reward dimensions, want %d", u, len(row), d)
		}
		s := 0.0
		for k, v := range row {
			if !arrays.Finite(v) || !arrays.Finite(w[k]) {
				return nil, fmt.Errorf("sotopia_rl: utterance %d dimension %d: value %v, weight %v must be finite", u, k, v, w[k])
			}
			s += w[k] * v
		}
		out[u] = s
	}
	return out, nil
}

// SotopiaRL is Sotopia-RL's utterance-level credit: the utterance's
// multi-dimensional rewards are combined with weights (CombineRewards) and
// the combined reward is normalised GRPO-style within its comparison set:
//
//	r[u] = Σ_d w_d · x[u][d]
//	A[u] = (r[u] − mean_S) / (std_S + eps),   S = set[u]     (NormalizeSets)
//
// There is no accumulation over turns: the attribution already credits each
// utterance with its share of the episode outcome, and the paper trains with
// single-turn GRPO in which each sampled utterance is one response. A
// negative set[u] leaves utterance u out (credit 0); nil set means no
// normalisation (A = r). It returns the credit and the combined rewards.
//
// Paper: "Sotopia-RL: Reward Design for Social Intelligence"
// (arXiv:2508.03905), spec row #37. Dimension weights and the normalisation
// are not given; credo's defaults are documented in docs/methods/turn.md.
func SotopiaRL(x [][]float64, set []int, nSets int, opt SotopiaOptions) (adv, combined []float64, err error) {
	combined, err = CombineRewards(x, opt.Weights)
	if err != nil {
		return nil, nil, err
	}
	if set == nil {
		return append([]float64(nil), combined...), combined, nil
	}
	adv, err = NormalizeSets(combined, set, nSets, opt.NormByStd, opt.Epsilon)
	if err != nil {
		return nil, nil, fmt.Errorf("sotopia_rl: %w", err)
	}
	return adv, combined, nil
}
