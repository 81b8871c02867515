package reward

import (
	"fmt"
	"math"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Mixture returns the weighted mixture of K reward channels per response:
//
//	r_i = Σ_k w_k · x_k[i] / Σ_k w_k
//
// channels are indexed [channel][row]; weights must be ≥ 0 with a positive
// sum, so the mixture stays on the channels' scale. A policy that hacks one
// channel (a learned relevance model) gains at most its weight's share.
func Mixture(channels [][]float64, weights []float64) ([]float64, error) {
	const est = "mixture"
	if len(channels) == 0 {
		return nil, fmt.Errorf("%s: no reward channels", est)
	}
	if len(weights) != len(channels) {
		return nil, fmt.Errorf("%s: %d weights for %d channels", est, len(weights), len(channels))
	}
	sw := 0.0
	for k, w := range weights {
		if !(w >= 0) || math.IsInf(w, 0) {
			return nil, fmt.Errorf("%s: weight %d is %v, want a finite number >= 0", est, k, w)
		}
		sw += w
	}
	if sw == 0 {
		return nil, fmt.Errorf("%s: the weights sum to 0", est)
	}
	n := len(channels[0])
	out := make([]float64, n)
	for k, x := range channels {
		if err := checkRows(est, fmt.Sprintf("channel %d", k), len(x), n); err != nil {
			return nil, err
		}
		if err := checkFinite(est, fmt.Sprintf("channel %d", k), x); err != nil {
			return nil, err
		}
		for i, v := range x {
			out[i] += weights[k] * v / sw
		}
	}
	return out, nil
}

// Gated returns r_i where gate[i] >= threshold and fail elsewhere: a
// composite reward that pays the scores only for well-formed responses.
func Gated(r, gate []float64, threshold, fail float64) ([]float64, error) {
	if err := checkRows("gate", "gate", len(gate), len(r)); err != nil {
		return nil, err
	}
	if err := checkFinite("gate", "gate", gate); err != nil {
		return nil, err
	}
	out := make([]float64, len(r))
	for i := range r {
		out[i] = fail
		if gate[i] >= threshold {
			out[i] = r[i]
		}
	}
	return out, nil
}

// weightsFor parses a weight list; empty means equal weights.
func weightsFor(s string, k int) ([]float64, error) {
	w, err := parseWeights(s)
	if err != nil {
		return nil, err
	}
	if w == nil {
		w = make([]float64, k)
		for i := range w {
			w[i] = 1
		}
	}
	if len(w) != k {
		return nil, fmt.Errorf("parameter weights: %d weights for %d channels", len(w), k)
	}
	return w, nil
}

func parseWeights(s string) ([]float64, error) { return credit.ParseFloats("weights", s) }

func validWeights(x any) error {
	_, err := parseWeights(x.(string))
	return err
}

// mixtureRewards reads the channels named by the method's parameter
// channels and mixes them with the weights of its parameter weights.
func mixtureRewards(b *rollout.Batch, v credit.Values, channels, weights credit.StringParam) ([]float64, error) {
	chs := credit.SplitList(channels.Get(v))
	w, err := weightsFor(weights.Get(v), len(chs))
	if err != nil {
		return nil, err
	}
	xs := make([][]float64, len(chs))
	for k, c := range chs {
		if xs[k], err = credit.ChannelValues(b, c); err != nil {
			return nil, err
		}
	}
	return Mixture(xs, w)
}
