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
		o := out[i][:len(row)]
		for t, a := range row {
			if a != 0 {
				o[t] = (a - mean) * rstd
			}
		}
	}
	return out, nil
}

// normStats computes the normalisation mean and inverse standard deviation
// over the kept tokens.
func normStats(fn string, kept, actionMask [][]float64, corrected bool) (mean, rstd float64, err error) {
	var sum, count float64
	for i, row := range kept {
		m := actionMask[i][:len(row)]
		for t, a := range row {
			if corrected {
				if m[t] != 0 && a != 0 {
					sum += a
					count++
				}
				continue
			}
			sum += a
			if m[t] != 0 {
				count++
			}
			if a == 0 {
				count--
			}
		}
	}
	if count == 0 {
		return 0, 0, nil
	}
	if count < 0 {
		return 0, 0, fmt.Errorf("%s: the normalisation count is negative (%v); action_mask has interior zeros", fn, count)
	}
	mean = sum / count
	var v float64
	for i, row := range kept {
		m := actionMask[i][:len(row)]
		for t, a := range row {
			if m[t] == 0 || (corrected && a == 0) {
				continue
			}
			d := a - mean
			v += d * d
		}
	}
	v /= count
	return mean, 1 / math.Sqrt(math.Max(v, 1e-8)), nil
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
