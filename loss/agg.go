package loss

import (
	"fmt"
	"math"
)

// AggMode names one of verl's loss aggregation modes (actor.loss_agg_mode).
type AggMode string

// The aggregation modes of verl's agg_loss.
const (
	// TokenMean averages over all valid tokens of the (global) batch. verl's default.
	TokenMean AggMode = "token-mean"
	// SeqMeanTokenSum sums each sequence, then averages over sequences.
	SeqMeanTokenSum AggMode = "seq-mean-token-sum"
	// SeqMeanTokenMean averages each sequence, then averages over sequences.
	SeqMeanTokenMean AggMode = "seq-mean-token-mean"
	// SeqMeanTokenSumNorm sums everything and divides by a constant (Dr.GRPO).
	SeqMeanTokenSumNorm AggMode = "seq-mean-token-sum-norm"
)

// ParseAggMode validates a mode name.
func ParseAggMode(s string) (AggMode, error) {
	switch m := AggMode(s); m {
	case TokenMean, SeqMeanTokenSum, SeqMeanTokenMean, SeqMeanTokenSumNorm:
		return m, nil
	}
	return "", fmt.Errorf("verl.agg_loss: invalid loss_agg_mode %q", s)
}

// GlobalBatchInfo mirrors verl's actor config.global_batch_info, which makes
// a micro-batch loss invariant to data-parallel sharding. A zero field means
// "absent" (None in the reference) and selects the local default.
type GlobalBatchInfo struct {
	// DPSize is the data-parallel world size (0 means 1).
	DPSize int
	// BatchNumTokens is the number of valid tokens of the global batch
	// (token-mean; default: the local mask sum).
	BatchNumTokens float64
	// GlobalBatchSize is the number of sequences of the global batch
	// (seq-mean-*; default: the local number of non-empty rows).
	GlobalBatchSize float64
	// LossScaleFactor divides seq-mean-token-sum-norm (default: the padded
	// length T, here the longest row).
	LossScaleFactor float64
}

// aggregator holds the mask-only part of an aggregation so that a loss can
// accumulate its value and write its gradient in the same pass:
//
//	loss = dp/den · Σ_b rowCoef_b · Σ_t l_bt·m_bt,  dloss/dl_bt = dp/den · rowCoef_b · m_bt.
type aggregator struct {
	rowCoef []float64
	den, dp float64
	skipOff bool // rows with rowCoef 0 do not enter the sum at all (NaN-safe)
	nanSafe bool // tokens with m == 0 do not enter the row sum (NaN-safe)
	// nanGrad: with a zero denominator the reference's gradient is
	// (1/0)·m = NaN everywhere (no where() guard, OpenRLHF).
	nanGrad bool
	total   float64
}

// add accumulates the row sum Σ_t l·m of row b.
func (a *aggregator) add(b int, rowSum float64) {
	c := a.rowCoef[b]
	if c == 0 && a.skipOff {
		return
	}
	a.total += c * rowSum
}

// value is the aggregated loss.
func (a *aggregator) value() float64 { return a.total / a.den * a.dp }

// coef is dloss/dl_bt divided by m_bt for the tokens of row b. A zero
// denominator only happens when no token carries weight; the gradient is 0.
func (a *aggregator) coef(b int) float64 {
	if a.den == 0 {
		if a.nanGrad {
			return math.NaN()
		}
		return 0
	}
	return a.rowCoef[b] / a.den * a.dp
}

// keep reports whether a token with mask m enters its row sum.
func (a *aggregator) keep(m float64) bool { return m != 0 || !a.nanSafe }

func rowSums(mask [][]float64) (sums []float64, total float64) {
	sums = make([]float64, len(mask))
	for b, row := range mask {
		s := 0.0
		for _, m := range row {
			s += m
		}
		sums[b] = s
		total += s
	}
	return sums, total
}

// newVerlAgg prepares verl's agg_loss for the given mask.
func newVerlAgg(fn string, mask [][]float64, mode AggMode, g GlobalBatchInfo) (*aggregator, error) {
	if g.DPSize < 0 {
		return nil, fmt.Errorf("%s: dp_size is %d, want >= 1", fn, g.DPSize)
	}
	if g.BatchNumTokens < 0 || g.GlobalBatchSize < 0 || g.LossScaleFactor < 0 {
		return nil, fmt.Errorf("%s: global_batch_info values must be >= 0 (0 = absent)", fn)
	}
	dp := float64(g.DPSize)
	if dp == 0 {
		dp = 1
	}
	if mode == "" {
		mode = TokenMean
	}
	sums, total := rowSums(mask)
	a := &aggregator{rowCoef: sums, dp: dp}
	switch mode {
	case TokenMean:
		a.nanSafe = true
		for b := range sums {
			sums[b] = 1
		}
		a.den = total
		if g.BatchNumTokens > 0 {
			a.den = g.BatchNumTokens
		}
	case SeqMeanTokenSum, SeqMeanTokenMean:
		a.skipOff = true
		n := 0.0
		for b, s := range sums {
			switch {
			case s <= 0:
				sums[b] = 0
			case mode == SeqMeanTokenSum:
				n++
				sums[b] = 1
			default:
				n++
				sums[b] = 1 / (s + 1e-8)
			}
		}
		a.den = n
		if g.GlobalBatchSize > 0 {
			a.den = g.GlobalBatchSize
		}
	case SeqMeanTokenSumNorm:
		// At the pinned snapshot: no dp_size, no batch division.
		a.dp = 1
		for b := range sums {
			sums[b] = 1
		}
		a.den = float64(maxLen(mask))
		if g.LossScaleFactor > 0 {
			a.den = g.LossScaleFactor
		}
	default:
		return nil, fmt.Errorf("%s: invalid loss_agg_mode %q", fn, string(mode))
	}
	return a, nil
}

// AggLoss aggregates a per-token loss matrix into a scalar exactly like verl's
// agg_loss and returns the scalar and its gradient dloss/dloss_mat. With
// L_b = Σ_t m_bt, dp = DPSize:
//
//	token-mean:              Σ_bt l·m / BatchNumTokens · dp        (default BatchNumTokens = Σ_b L_b)
//	seq-mean-token-sum:      Σ_{b: L_b>0} Σ_t l·m / GlobalBatchSize · dp          (default #{b: L_b>0})
//	seq-mean-token-mean:     Σ_{b: L_b>0} Σ_t l·m/(L_b+1e-8) / GlobalBatchSize · dp
//	seq-mean-token-sum-norm: Σ_bt l·m / LossScaleFactor            (default T; NO dp, NO batch division)
//
// The gradient is the coefficient of l_bt in these sums (e.g. m_bt·dp/BatchNumTokens).
// An empty mode means token-mean.
//
// Quirks reproduced: token-mean uses masked_sum, which zeroes masked entries
// before multiplying (NaN/Inf at masked positions are ignored), whereas the
// seq-mean modes compute Σ_t l·m directly (a NaN at a masked position of a
// non-empty row propagates; fully masked rows are skipped). An all-masked
// batch gives 0/0 = NaN in token-mean, like the reference. The
// seq-mean-token-sum-norm mode applies neither dp_size nor a batch division at
// this snapshot (verl #3741; changed later by PR #5366).
//
// loss_mat may hold non-finite values (they are part of the contract above);
// the mask must be finite and non-negative.
//
// Paper: Dr.GRPO, "Understanding R1-Zero-Like Training: A Critical Perspective"
// (arXiv:2503.20783) for seq-mean-token-sum-norm.
// Reference: volcengine/verl@b178a3cd56f58b2d502255daba591e92833930a7
// verl/trainer/ppo/core_algos.py::agg_loss.
func AggLoss(lossMat, mask [][]float64, mode AggMode, g GlobalBatchInfo) (float64, [][]float64, error) {
	const fn = "verl.agg_loss"
	if err := checkLike(fn, "loss_mask", mask, "loss_mat", lossMat); err != nil {
		return 0, nil, err
	}
	if err := checkMask(fn, "loss_mask", mask); err != nil {
		return 0, nil, err
	}
	a, err := newVerlAgg(fn, mask, mode, g)
	if err != nil {
		return 0, nil, err
	}
	grad := likeZeros(lossMat)
	for b, row := range lossMat {
		mrow := mask[b]
		s := 0.0
		for t, l := range row {
			if m := mrow[t]; a.keep(m) {
				s += l * m
			}
		}
		a.add(b, s)
		c := a.coef(b)
		grow := grad[b]
		for t, m := range mrow {
			grow[t] = c * m
		}
	}
	return a.value(), grad, nil
}

// OpenRLHFAggOptions selects OpenRLHF's aggregate_loss reduction.
type OpenRLHFAggOptions struct {
	// TokenLevelLoss: true = per-token mean, false = mean of per-sequence token means.
	TokenLevelLoss bool
	// DPSize is the data-parallel size (0 means 1); used only with a global count.
	DPSize int
	// BatchNumTokens is the global token count (token level; 0 = absent).
	BatchNumTokens float64
	// GlobalBatchSize is the global sample count (sequence level; 0 = absent).
	GlobalBatchSize float64
}

// newOpenRLHFAgg prepares OpenRLHF's aggregate_loss.
func newOpenRLHFAgg(fn string, mask [][]float64, o OpenRLHFAggOptions) (*aggregator, error) {
	if o.DPSize < 0 || o.BatchNumTokens < 0 || o.GlobalBatchSize < 0 {
		return nil, fmt.Errorf("%s: dp_size, batch_num_tokens and global_batch_size must be >= 0 (0 = absent)", fn)
	}
	dp := float64(o.DPSize)
	if dp == 0 {
		dp = 1
	}
	sums, total := rowSums(mask)
	a := &aggregator{rowCoef: sums, dp: 1, nanGrad: true}
	if o.TokenLevelLoss {
		for b := range sums {
			sums[b] = 1
		}
		a.den = total
		if o.BatchNumTokens > 0 {
			a.den, a.dp = o.BatchNumTokens, dp
		}
		return a, nil
	}
	n := 0.0
	for b, s := range sums {
		if s > 0 {
			n++
		}
		sums[b] = b2f(s > 0) / (s + 1e-8)
	}
	a.den = n
	if o.GlobalBatchSize > 0 {
		a.den, a.dp = o.GlobalBatchSize, dp
	}
	return a, nil
}

// AggregateLossOpenRLHF is OpenRLHF's aggregate_loss with its gradient
// dloss/dloss_mat. With L_b = Σ_t m_bt:
//
//	token level:    Σ_bt l·m / Σ_bt m                       (masked_mean; no epsilon)
//	                Σ_bt l·m / BatchNumTokens · dp           (when BatchNumTokens is given)
//	sequence level: s_b = Σ_t l·m / (L_b + 1e-8), k_b = [L_b > 0]
//	                Σ_b s_b·k_b / Σ_b k_b                     (masked_mean over non-empty rows)
//	                Σ_b s_b·k_b / GlobalBatchSize · dp        (when GlobalBatchSize is given)
//
// Unlike verl, masked entries are multiplied by 0 rather than zeroed (a NaN
// there propagates), and a batch without any valid token gives 0/0 = NaN for
// the loss AND a NaN gradient everywhere ((1/0)·0 in autograd), which is
// reproduced.
//
// Reference: OpenRLHF/OpenRLHF@3c3be6234e0cb353e76bb8019947db9dfe99fca7
// openrlhf/models/loss.py::aggregate_loss.
func AggregateLossOpenRLHF(lossMat, mask [][]float64, o OpenRLHFAggOptions) (float64, [][]float64, error) {
	const fn = "openrlhf.aggregate_loss"
	if err := checkLike(fn, "loss_mask", mask, "loss", lossMat); err != nil {
		return 0, nil, err
	}
	if err := checkMask(fn, "loss_mask", mask); err != nil {
		return 0, nil, err
	}
	a, err := newOpenRLHFAgg(fn, mask, o)
	if err != nil {
		return 0, nil, err
	}
	grad := likeZeros(lossMat)
	for b, row := range lossMat {
		s := 0.0
		for t, l := range row {
			s += l * mask[b][t]
		}
		a.add(b, s)
		c := a.coef(b)
		for t, m := range mask[b] {
			grad[b][t] = c * m
		}
	}
	return a.value(), grad, nil
}
