package group

import (
	"fmt"
	"math"
)

// TRL's multi-objective aggregation orders.
const (
	SumThenNormalize = "sum_then_normalize"
	NormalizeThenSum = "normalize_then_sum"
)

// TRL's reward scaling modes.
const (
	ScaleGroup = "group"
	ScaleBatch = "batch"
	ScaleNone  = "none"
)

// TRLOptions are the hyper-parameters of TRL's GRPO reward aggregation.
type TRLOptions struct {
	// Weights are the reward_weights, one per reward function; nil means
	// 1.0 each (TRL's default).
	Weights []float64
	// Aggregation is multi_objective_aggregation: SumThenNormalize
	// (default) or NormalizeThenSum (GDPO).
	Aggregation string
	// ScaleRewards is scale_rewards for SumThenNormalize: ScaleGroup
	// (default; TRL maps True to it), ScaleBatch or ScaleNone (False).
	// NormalizeThenSum always normalises over the batch and ignores it.
	ScaleRewards string
	// Epsilon is added to every standard deviation (TRL: 1e-4).
	Epsilon float64
}

// DefaultTRLOptions returns TRL's defaults: weights 1, sum_then_normalize,
// scale_rewards "group", epsilon 1e-4.
func DefaultTRLOptions() TRLOptions {
	return TRLOptions{Aggregation: SumThenNormalize, ScaleRewards: ScaleGroup, Epsilon: 1e-4}
}

// nanStats returns the mean and the unbiased standard deviation of the
// non-NaN values among xs[i] for the rows i in rows (all rows when rows is
// nil), as TRL's nanmean and nanstd: no value gives NaN mean and std, one
// value gives a NaN std (Bessel's correction divides by zero).
func nanStats(xs []float64, rows []int) (mean, std float64) {
	var s float64
	c := 0
	visit := func(f func(x float64)) {
		if rows == nil {
			for _, x := range xs {
				f(x)
			}
			return
		}
		for _, i := range rows {
			f(xs[i])
		}
	}
	visit(func(x float64) {
		if !math.IsNaN(x) {
			s += x
			c++
		}
	})
	if c == 0 {
		return math.NaN(), math.NaN()
	}
	mean = s / float64(c)
	if c == 1 {
		return mean, math.NaN()
	}
	var ss float64
	visit(func(x float64) {
		if !math.IsNaN(x) {
			d := x - mean
			ss += d * d
		}
	})
	return mean, math.Sqrt(ss / float64(c-1))
}

// TRLAdvantages is TRL's GRPO advantage over K reward functions, one
// scalar per completion. rewardsPerFunc is [row][K]; NaN marks a function
// that returned None for that completion.
//
// sum_then_normalize (default):
//
//	R_i = Σ_k w_k r_ik over the non-NaN r_ik   (NaN when all K are NaN)
//	A_i = R_i - nanmean_g(R)
//	group: A_i /= nanstd_g(R) + ε;  batch: A_i /= nanstd_batch(R) + ε;  none: no division
//
// normalize_then_sum (GDPO):
//
//	z_ik = (r_ik - nanmean_g(r_k)) / (nanstd_g(r_k) + ε)   per function, inside the group
//	R_i  = Σ_k w_k z_ik over the non-NaN z_ik   (NaN when all K raw rewards are NaN)
//	A_i  = (R_i - nanmean_batch(R)) / (nanstd_batch(R) + ε)
//
// and finally NaN advantages become 0 (torch.nan_to_num). nanstd is
// unbiased (ddof=1) and NaN for a single value, so a group of one
// completion gets A = 0, as do completions no function could score.
// Quirks reproduced: the batch-scaled variant still centres on the group
// mean; in normalize_then_sum a function with a single non-NaN value in a
// group contributes nothing (its z is NaN). Groups are the given ids, of
// any size; TRL itself takes contiguous blocks of num_generations rows,
// which is the special case of equal-size contiguous ids.
//
// Reference: huggingface/trl@f2cd5771
// trl/trainer/grpo_trainer.py::GRPOTrainer._generate_and_score_completions
// (anchors.md §1.3); paper "DeepSeekMath" (arXiv:2402.03300); GDPO
// normalize_then_sum.
func TRLAdvantages(rewardsPerFunc [][]float64, index []string, opt TRLOptions) ([]float64, error) {
	const est = "trl.grpo"
	B := len(rewardsPerFunc)
	g, n, err := denseIndex(est, index, "rewards_per_func", B)
	if err != nil {
		return nil, err
	}
	K := 0
	if B > 0 {
		K = len(rewardsPerFunc[0])
	}
	for i, row := range rewardsPerFunc {
		if len(row) != K {
			return nil, fmt.Errorf("%s: rewards_per_func row %d has %d values, row 0 has %d", est, i, len(row), K)
		}
		for k, x := range row {
			if math.IsInf(x, 0) {
				return nil, fmt.Errorf("%s: rewards_per_func row %d function %d is %v, want a finite number or NaN (None)", est, i, k, x)
			}
		}
	}
	w := opt.Weights
	if w == nil {
		w = make([]float64, K)
		for k := range w {
			w[k] = 1
		}
	}
	if len(w) != K {
		return nil, fmt.Errorf("%s: %d reward weights for %d reward functions", est, len(w), K)
	}
	if err := checkFinite(est, "reward_weights", w); err != nil {
		return nil, err
	}
	members := make([][]int, n)
	for i, k := range g {
		members[k] = append(members[k], i)
	}
	eps := opt.Epsilon
	allNaN := func(row []float64) bool {
		for _, x := range row {
			if !math.IsNaN(x) {
				return false
			}
		}
		return true
	}
	R := make([]float64, B)
	A := make([]float64, B)
	switch opt.Aggregation {
	case SumThenNormalize:
		for i, row := range rewardsPerFunc {
			if allNaN(row) {
				R[i] = math.NaN()
				continue
			}
			for k, x := range row {
				if !math.IsNaN(x) {
					R[i] += w[k] * x
				}
			}
		}
		var bstd float64
		if opt.ScaleRewards == ScaleBatch {
			_, bstd = nanStats(R, nil)
		} else if opt.ScaleRewards != ScaleGroup && opt.ScaleRewards != ScaleNone {
			return nil, fmt.Errorf("%s: scale_rewards %q, want group, batch or none", est, opt.ScaleRewards)
		}
		for _, rows := range members {
			mean, std := nanStats(R, rows)
			for _, i := range rows {
				a := R[i] - mean
				switch opt.ScaleRewards {
				case ScaleGroup:
					a /= std + eps
				case ScaleBatch:
					a /= bstd + eps
				}
				A[i] = a
			}
		}
	case NormalizeThenSum:
		col := make([]float64, B)
		for k := 0; k < K; k++ {
			for i, row := range rewardsPerFunc {
				col[i] = row[k]
			}
			for _, rows := range members {
				mean, std := nanStats(col, rows)
				for _, i := range rows {
					z := (col[i] - mean) / (std + eps)
					if !math.IsNaN(z) {
						R[i] += w[k] * z
					}
				}
			}
		}
		for i, row := range rewardsPerFunc {
			if allNaN(row) {
				R[i] = math.NaN()
			}
		}
		mean, std := nanStats(R, nil)
		for i := range A {
			A[i] = (R[i] - mean) / (std + eps)
		}
	default:
		return nil, fmt.Errorf("%s: multi_objective_aggregation %q, want %s or %s", est, opt.Aggregation, SumThenNormalize, NormalizeThenSum)
	}
	for i, a := range A {
		if math.IsNaN(a) {
			A[i] = 0
		}
	}
	return A, nil
}
