package pure

import (
	"fmt"
	"github.com/credo-rl/credo/internal/arrays"
	"math"
)

// NormalizeAdvantages is PURE's replay-buffer normalisation of advantages.
// Each row is one sample; as the replay buffer does, a row keeps only its
// first L_i = len(row) − #zeros(actionMask row) tokens (the right padding is
// cut off) and the result is ragged with those lengths. Over all kept tokens
// of all rows, with Z = {tokens whose advantage is exactly 0} (the masked
// separator/EOS tokens, plus any token whose return happens to be 0):
//
// Faithful (corrected = false, the reference):
//
//	N = Σ m − |Z|,   μ = Σ A / N,   σ² = Σ m·(A − μ)² / N
//
// i.e. the count excludes the zero-advantage tokens but the variance
// numerator includes them (they contribute (0 − μ)²): a DEFECT of the
// reference that inflates σ² by |Z|·μ²/N.
//
// Corrected (corrected = true): mean and variance over the same set, the
// action tokens with non-zero advantage, S = {m != 0} \ Z:
//
//	N = |S|,   μ = Σ_S A / N,   σ² = Σ_S (A − μ)² / N
//
// Both then apply A' = (A − μ)·max(σ², 1e-8)^(-1/2) and re-zero the tokens
// of Z. When N = 0 every kept advantage is 0 and the output is all zero (the
// reference's NaN statistics are masked away).
//
// Provenance: CJReinforce/PURE@41f9363b8cc4af044b7fc5f7f9bbbf62139e9553
// openrlhf/trainer/ppo_utils/replay_buffer.py::NaiveReplayBuffer.normalize
// (+ remove_padding_in_sequences).
func NormalizeAdvantages(advantages, actionMask [][]float64, corrected bool) ([][]float64, error) {
	const fn = "pure.normalize_advantages"
	if err := arrays.SameShape(fn, "advantages", advantages, "action_mask", actionMask); err != nil {
		return nil, err
	}
	if err := arrays.FiniteMatrix(fn, "advantages", advantages); err != nil {
		return nil, err
	}
	if err := arrays.FiniteMatrix(fn, "action_mask", actionMask); err != nil {
		return nil, err
	}
	keep := make([]int, len(advantages))
	for i := range advantages {
		keep[i] = countNonZero(actionMask[i]) // = len − #zeros: the right padding is cut
	}
	return normalize(fn, advantages, actionMask, keep, corrected, false)
}

// normalize is NormalizeAdvantages without input validation; row i keeps
// its first keep[i] tokens. With ieee (and !corrected) the statistics are
// computed exactly as the reference does even when the count is <= 0 or an
// advantage is not finite (see Options.PropagateNaN).
func normalize(fn string, advantages, actionMask [][]float64, keep []int, corrected, ieee bool) ([][]float64, error) {
	kept := make([][]float64, len(advantages))
	for i, row := range advantages {
		kept[i] = row[:keep[i]]
	}
	var mean, rstd float64
	var err error
	if ieee && !corrected {
		mean, rstd = normStatsIEEE(kept, actionMask)
	} else {
		mean, rstd, err = normStats(fn, kept, actionMask, corrected)
	}
	if err != nil {
		return nil, err
	}
	out := arrays.Like(kept)
	for i, row := range kept {
		applyNorm(out[i][:len(row)], row, mean, rstd)
	}
	return out, nil
}

// normStats computes the normalisation mean and inverse standard deviation
// over the kept tokens.
func normStats(fn string, kept, actionMask [][]float64, corrected bool) (mean, rstd float64, err error) {
	n := NormRows{fn: fn, corrected: corrected}
	for i, row := range kept {
		n.addMean(row, actionMask[i][:len(row)])
	}
	if err := n.EndMean(); err != nil {
		return 0, 0, err
	}
	for i, row := range kept {
		n.addVariance(row, actionMask[i][:len(row)])
	}
	n.Finish()
	return n.mean, n.rstd, nil
}

// NormRows is NormalizeAdvantages' statistics fed one row at a time, in
// three passes over the same rows in the same order, for a batch too large
// to hold (credo assign streams PURE this way): AddMean over every row,
// EndMean, AddVariance over every row, Finish, then Apply to each row. The
// sums are normStats' own, in the same order, so the result is the same,
// bit for bit. It does not give Options.PropagateNaN's IEEE statistics.
type NormRows struct {
	fn            string
	corrected     bool
	sum, count, v float64
	mean, rstd    float64
}

// NewNormRows starts the statistics (corrected: see NormalizeAdvantages).
func NewNormRows(corrected bool) *NormRows {
	return &NormRows{fn: "pure.normalize_advantages", corrected: corrected}
}

// AddMean is the first pass over a row: its advantages and action mask (of
// equal length); as the replay buffer does, the row keeps its first
// len − #zeros(mask) tokens.
func (n *NormRows) AddMean(advantages, actionMask []float64) {
	k := countNonZero(actionMask)
	n.addMean(advantages[:k], actionMask[:k])
}

func (n *NormRows) addMean(row, m []float64) {
	for t, a := range row {
		if n.corrected {
			if m[t] != 0 && a != 0 {
				n.sum += a
				n.count++
			}
			continue
		}
		n.sum += a
		if m[t] != 0 {
			n.count++
		}
		if a == 0 {
			n.count--
		}
	}
}

// EndMean ends the first pass.
func (n *NormRows) EndMean() error {
	if n.count < 0 {
		return fmt.Errorf("%s: the normalisation count is negative (%v); action_mask has interior zeros", n.fn, n.count)
	}
	if n.count > 0 {
		n.mean = n.sum / n.count
	}
	return nil
}

// AddVariance is the second pass over a row.
func (n *NormRows) AddVariance(advantages, actionMask []float64) {
	k := countNonZero(actionMask)
	n.addVariance(advantages[:k], actionMask[:k])
}

func (n *NormRows) addVariance(row, m []float64) {
	for t, a := range row {
		if m[t] == 0 || (n.corrected && a == 0) {
			continue
		}
		d := a - n.mean
		n.v += d * d
	}
}

// Finish ends the second pass. With no token counted, mean and scale are
// 0: every normalised advantage is 0.
func (n *NormRows) Finish() {
	if n.count == 0 {
		n.mean, n.rstd = 0, 0
		return
	}
	n.rstd = 1 / math.Sqrt(math.Max(n.v/n.count, 1e-8))
}

// Apply writes the normalised advantages of a row into out (len(advantages)
// values: the kept tokens normalised, zero advantages and the cut tokens 0).
func (n *NormRows) Apply(out, advantages, actionMask []float64) {
	k := countNonZero(actionMask)
	clear(out)
	applyNorm(out[:k], advantages[:k], n.mean, n.rstd)
}

// applyNorm is the normalisation of one kept row.
func applyNorm(o, row []float64, mean, rstd float64) {
	for t, a := range row {
		if a != 0 {
			o[t] = (a - mean) * rstd
		}
	}
}

// normStatsIEEE is the reference's faithful statistics with IEEE semantics
// throughout: mean = Σa/N with N = Σm − |Z| (0/0 = NaN, x/0 = ±Inf, N < 0
// allowed), σ² = Σ m·(a − μ)²/N (the mask multiplies, so 0·Inf = NaN as in
// the reference), rstd = max(σ², 1e-8)^(-1/2) with NaN kept.
func normStatsIEEE(kept, actionMask [][]float64) (mean, rstd float64) {
	var sum, count float64
	for i, row := range kept {
		m := actionMask[i][:len(row)]
		for t, a := range row {
			sum += a
			if m[t] != 0 { // the reference's mask is boolean
				count++
			}
			if a == 0 {
				count--
			}
		}
	}
	mean = sum / count
	var v float64
	for i, row := range kept {
		m := actionMask[i][:len(row)]
		for t, a := range row {
			mb := 0.0
			if m[t] != 0 {
				mb = 1
			}
			d := a - mean
			v += d * d * mb
		}
	}
	v /= count
	if !math.IsNaN(v) {
		v = math.Max(v, 1e-8)
	}
	return mean, 1 / math.Sqrt(v)
}
