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
	var w WhitenSums
	for k, batch := range advantages {
		w.AddMean(batch, masks[k])
	}
	if err := w.EndMean(fn, noStdNorm, allowNaN); err != nil {
		return 0, 0, err
	}
	if noStdNorm {
		return w.mean, 1, nil
	}
	for k, batch := range advantages {
		w.AddVar(batch, masks[k])
	}
	w.endVar()
	return w.mean, w.rstd, nil
}

// WhitenSums accumulates the statistics of the global whitening one piece
// of the batch at a time, in batch order: AddMean over every row (first
// pass), EndMean, AddVar over every row again unless std normalisation is
// off (second pass), then Apply. The sums are the same sequential float64
// sums as over the whole batch, so the result is bit-identical.
type WhitenSums struct {
	n, s, v     float64
	mean, rstd  float64
	noStd, done bool
}

// AddMean folds rows a with mask m into the mean (first pass).
func (w *WhitenSums) AddMean(a, m [][]float64) {
	for i, row := range a {
		mi := m[i]
		for t, x := range row {
			w.s += x * mi[t]
			w.n += mi[t]
		}
	}
}

// EndMean ends the first pass; it fails when every mask is zero (unless
// allowNaN).
func (w *WhitenSums) EndMean(fn string, noStdNorm, allowNaN bool) error {
	if w.n == 0 && !allowNaN {
		return fmt.Errorf("%s: the action masks are all zero; the whitening statistics are undefined", fn)
	}
	w.mean = w.s / w.n
	w.noStd = noStdNorm
	w.rstd = 1
	return nil
}

// AddVar folds rows a with mask m into the variance (second pass).
func (w *WhitenSums) AddVar(a, m [][]float64) {
	for i, row := range a {
		mi := m[i]
		for t, x := range row {
			d := x - w.mean
			w.v += d * d * mi[t]
		}
	}
}

func (w *WhitenSums) endVar() {
	if w.done {
		return
	}
	w.done = true
	if !w.noStd {
		w.rstd = 1 / math.Sqrt(math.Max(w.v/w.n, 1e-8))
	}
}

// Apply whitens rows a in place: (a - mean)·rstd.
func (w *WhitenSums) Apply(a [][]float64) {
	w.endVar()
	applyWhiten(a, a, w.mean, w.rstd)
}

func applyWhiten(out, a [][]float64, mean, rstd float64) {
	for i, row := range a {
		o := out[i]
		for t, x := range row {
			o[t] = (x - mean) * rstd
		}
	}
}
