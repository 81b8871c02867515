package openrlhf

import (
	"fmt"
	"github.com/credo-rl/credo/internal/arrays"
	"math"
)

// WhitenGlobal whitens advantages over every token of every batch with the
// mask as token weights and POPULATION variance:
//
//	N = Σ m,   μ = Σ m·A / N,   σ² = Σ m·(A − μ)² / N
//	A' = (A − μ)·max(σ², 1e-8)^(-1/2)        (noStdNorm: A' = A − μ)
//
// Quirk reproduced: A' is written at every position, masked ones included;
// padding (A = 0) becomes −μ/σ. The statistics cover all batches passed in
// (OpenRLHF does no all-reduce here). N = 0 is an error (the reference
// produces NaN).
//
// Each batch is a [B][T] matrix; advantages[k] and masks[k] must have the
// same shape.
//
// Provenance: OpenRLHF/OpenRLHF@3c3be6234e0cb353e76bb8019947db9dfe99fca7
// openrlhf/trainer/ppo_utils/experience_maker.py::RemoteExperienceMaker.compute_advantages_and_returns
// (final normalisation for gae, reinforce and reinforce_baseline).
func WhitenGlobal(advantages, masks [][][]float64, noStdNorm bool) ([][][]float64, error) {
	const fn = "openrlhf.whiten_global"
	if len(masks) != len(advantages) {
		return nil, fmt.Errorf("%s: %d mask batches for %d advantage batches", fn, len(masks), len(advantages))
	}
	for k := range advantages {
		if err := arrays.SameShape(fmt.Sprintf("%s: batch %d", fn, k), "advantages", advantages[k], "action_mask", masks[k]); err != nil {
			return nil, err
		}
		if err := arrays.FiniteMatrix(fn, fmt.Sprintf("advantages batch %d", k), advantages[k]); err != nil {
			return nil, err
		}
		if err := arrays.FiniteMatrix(fn, fmt.Sprintf("action_mask batch %d", k), masks[k]); err != nil {
			return nil, err
		}
	}
	mean, rstd, err := whitenStats(fn, advantages, masks, noStdNorm, false)
	if err != nil {
		return nil, err
	}
	out := make([][][]float64, len(advantages))
	for k, a := range advantages {
		out[k] = arrays.Like(a)
		applyWhiten(out[k], a, mean, rstd)
	}
	return out, nil
}

// whitenStats returns the global mean and inverse standard deviation. With
// allowNaN an all-zero mask is not an error: the statistics are then NaN
// (0/0), as in the reference.
func whitenStats(fn string, advantages, masks [][][]float64, noStdNorm, allowNaN bool) (mean, rstd float64, err error) {
	var n, s float64
	for k, batch := range advantages {
		for i, row := range batch {
			m := masks[k][i]
			for t, a := range row {
				s += a * m[t]
				n += m[t]
			}
		}
	}
	if n == 0 && !allowNaN {
		return 0, 0, fmt.Errorf("%s: the action masks are all zero; the whitening statistics are undefined", fn)
	}
	mean = s / n
	if noStdNorm {
		return mean, 1, nil
	}
	var v float64
	for k, batch := range advantages {
		for i, row := range batch {
			m := masks[k][i]
			for t, a := range row {
				d := a - mean
				v += d * d * m[t]
			}
		}
	}
	v /= n
	return mean, 1 / math.Sqrt(math.Max(v, 1e-8)), nil
}

func applyWhiten(out, a [][]float64, mean, rstd float64) {
	for i, row := range a {
		o := out[i]
		for t, x := range row {
			o[t] = (x - mean) * rstd
		}
	}
}
