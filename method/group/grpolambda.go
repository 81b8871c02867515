package group

import (
	"fmt"
	"math"
	"sort"
)

// GRPOLambdaOptions are the hyper-parameters of GRPO-λ's reward switch.
type GRPOLambdaOptions struct {
	// Lambda is the fraction of the batch's groups, those with the highest
	// correctness ratio, that get the length-penalised reward; the others
	// get the plain 0/1 reward. The paper's default was not found; 0.2.
	Lambda float64
	// Threshold: a response is correct when its outcome >= Threshold
	// (default 0.5, i.e. 1 for 0/1 rewards).
	Threshold float64
}

// DefaultGRPOLambdaOptions returns Lambda 0.2, Threshold 0.5.
func DefaultGRPOLambdaOptions() GRPOLambdaOptions {
	return GRPOLambdaOptions{Lambda: 0.2, Threshold: 0.5}
}

// LengthReward is the Kimi-1.5-style length reward of a response of length
// L in a group whose lengths span [lmin, lmax]:
//
//	λ_len = 0.5 - (L - lmin)/(lmax - lmin)      (0 when lmax == lmin)
//
// A correct response gets 1 + λ_len, an incorrect one min(0, λ_len).
func LengthReward(L, lmin, lmax float64) float64 {
	if lmax <= lmin {
		return 0
	}
	return 0.5 - (L-lmin)/(lmax-lmin)
}

// GRPOLambdaRewards returns GRPO-λ's per-response reward and, per row,
// whether its group was selected for the length penalty:
//
//  1. c_i = 1[outcome_i >= threshold]; the correctness ratio of a group is
//     the mean of c over it.
//  2. The groups are ranked by correctness ratio (descending; ties are
//     broken by group id, ascending, so that the selection does not depend
//     on the order of the batch; the paper gives no tie rule) and the top
//     k = ceil(λ·G) of the batch's G groups are selected.
//  3. Selected groups: R_i = 1 + λ_len,i if correct, else min(0, λ_len,i),
//     with LengthReward over the group's lengths. Other groups: R_i = c_i.
//
// The advantage is then GRPO's normalisation of R.
//
// Paper: "Stable Reinforcement Learning for Efficient Reasoning"
// (arXiv:2505.18086), methods.md #69. The length penalty is the catalogue's
// recalled Kimi-1.5 form (marked "verify"); λ's default was not found.
func GRPOLambdaRewards(outcome, lengths []float64, index []string, opt GRPOLambdaOptions) (rewards []float64, selected []bool, err error) {
	const est = "grpo_lambda"
	if err := checkRows(est, "lengths", len(lengths), "outcome", len(outcome)); err != nil {
		return nil, nil, err
	}
	g, n, err := denseIndex(est, index, "outcome", len(outcome))
	if err != nil {
		return nil, nil, err
	}
	if err := checkFinite(est, "outcome", outcome); err != nil {
		return nil, nil, err
	}
	if err := checkFinite(est, "lengths", lengths); err != nil {
		return nil, nil, err
	}
	if !(opt.Lambda >= 0 && opt.Lambda <= 1) {
		return nil, nil, fmt.Errorf("%s: lambda is %v, want 0 <= lambda <= 1", est, opt.Lambda)
	}
	correct := make([]float64, len(outcome))
	for i, o := range outcome {
		if o >= opt.Threshold {
			correct[i] = 1
		}
	}
	ratio, _ := groupMeans(correct, g, n)
	lmin := make([]float64, n)
	lmax := make([]float64, n)
	for k := range lmin {
		lmin[k], lmax[k] = math.Inf(1), math.Inf(-1)
	}
	for i, L := range lengths {
		lmin[g[i]] = math.Min(lmin[g[i]], L)
		lmax[g[i]] = math.Max(lmax[g[i]], L)
	}
	order := make([]int, n)
	for k := range order {
		order[k] = k
	}
	id := make([]string, n)
	for i, k := range g {
		id[k] = index[i]
	}
	sort.Slice(order, func(a, b int) bool {
		ka, kb := order[a], order[b]
		if ratio[ka] != ratio[kb] {
			return ratio[ka] > ratio[kb]
		}
		return id[ka] < id[kb]
	})
	top := int(math.Ceil(opt.Lambda*float64(n) - 1e-9))
	sel := make([]bool, n)
	for _, k := range order[:top] {
		sel[k] = true
	}
	rewards = make([]float64, len(outcome))
	selected = make([]bool, len(outcome))
	for i := range rewards {
		k := g[i]
		selected[i] = sel[k]
		if !sel[k] {
			rewards[i] = correct[i]
			continue
		}
		l := LengthReward(lengths[i], lmin[k], lmax[k])
		if correct[i] == 1 {
			rewards[i] = 1 + l
		} else {
			rewards[i] = math.Min(0, l)
		}
	}
	return rewards, selected, nil
}
