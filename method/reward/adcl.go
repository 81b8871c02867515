package reward

import (
	"fmt"
	"sort"
)

// ADCLBatch is one batch of ADCL's curriculum: the prompts to train on, in
// order, with their difficulty estimates (1 − p̂).
type ADCLBatch struct {
	Prompts    []string
	Difficulty []float64
}

// ADCLPlan orders a pool of prompts easy-to-hard by their current success
// estimates p̂ (difficulty 1 − p̂; ties by prompt id) and cuts the order into
// batches of the given sizes (the last batch takes the rest when the sizes
// do not cover the pool; sizes must be ≥ 1). ADCL re-estimates the
// difficulty of the prompts not yet trained after every batch, with the
// current policy, and re-sorts them: call ADCLPlan again on the remaining
// pool with the new estimates (knapsack.grpo's state keeps p̂ per prompt;
// method/group.KnapsackEstimates reads it) and train on the first batch.
//
// Paper: "Learning Like Humans: Advancing LLM Reasoning Capabilities via
// Adaptive Difficulty Curriculum Learning and Expert-Guided
// Self-Reformulation" (ADCL/EGSR), methods.md #84. Only the curriculum is
// here; the expert-guided reformulation is generation, outside credo.
func ADCLPlan(ids []string, p []float64, sizes []int) ([]ADCLBatch, error) {
	const est = "adcl"
	if len(p) != len(ids) {
		return nil, fmt.Errorf("%s: %d estimates for %d prompts", est, len(p), len(ids))
	}
	seen := map[string]bool{}
	for i, x := range p {
		if !(x >= 0 && x <= 1) {
			return nil, fmt.Errorf("%s: estimate of prompt %q is %v, want a success rate in [0, 1]", est, ids[i], x)
		}
		if seen[ids[i]] {
			return nil, fmt.Errorf("%s: prompt %q appears twice", est, ids[i])
		}
		seen[ids[i]] = true
	}
	if len(sizes) == 0 {
		return nil, fmt.Errorf("%s: no batch sizes", est)
	}
	for k, s := range sizes {
		if s < 1 {
			return nil, fmt.Errorf("%s: batch size %d is %d, want >= 1", est, k, s)
		}
	}
	order := make([]int, len(ids))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		i, j := order[a], order[b]
		if p[i] != p[j] {
			return p[i] > p[j]
		}
		return ids[i] < ids[j]
	})
	var out []ADCLBatch
	pos := 0
	for k := 0; pos < len(order); k++ {
		n := len(order) - pos
		if k < len(sizes) && sizes[k] < n {
			n = sizes[k]
		}
		var bt ADCLBatch
		for _, i := range order[pos : pos+n] {
			bt.Prompts = append(bt.Prompts, ids[i])
			bt.Difficulty = append(bt.Difficulty, 1-p[i])
		}
		out = append(out, bt)
		pos += n
	}
	return out, nil
}

// EqualSizes splits n prompts into k batch sizes that differ by at most
// one (the first n mod k batches take one more).
func EqualSizes(n, k int) ([]int, error) {
	if n < 1 || k < 1 || k > n {
		return nil, fmt.Errorf("adcl: %d prompts into %d batches: want 1 <= batches <= prompts", n, k)
	}
	out := make([]int, k)
	for i := range out {
		out[i] = n / k
		if i < n%k {
			out[i]++
		}
	}
	return out, nil
}
