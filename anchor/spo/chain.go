package spo

import (
	"fmt"
	"math"
)

// ChainOptions are the hyper-parameters of ChainTokenAdvantages.
type ChainOptions struct {
	// ProbThreshold is the probability mask: a token whose probability under
	// the rollout policy is strictly greater than ProbThreshold gets
	// advantage 0 (such tokens are never cutpoints, so they carry no
	// segment credit). The reference hard-codes 0.9. A value >= 1 disables
	// the mask.
	ProbThreshold float64
}

// DefaultChainOptions returns the reference's settings (ProbThreshold 0.9).
func DefaultChainOptions() ChainOptions { return ChainOptions{ProbThreshold: 0.9} }

// ChainResult holds the per-token outputs of ChainTokenAdvantages.
type ChainResult struct {
	// Values[t] is the value assigned to token t: the Monte Carlo value of
	// the cutpoint at t, or the score at the last token. It is 0 where
	// HasValue[t] is false (the reference's None).
	Values   []float64
	HasValue []bool
	// Advantages[t] is the token's SPO-chain advantage.
	Advantages []float64
}

// ChainTokenAdvantages computes the SPO-chain advantages of one response of
// L = len(responseProb) tokens.
//
// responseProb[t] is the rollout policy's probability of token t. A cutpoint
// c is a token index whose state (the prefix up to and including token c) got
// the Monte Carlo value cutpointValues[k]; a first cutpoint of -1 denotes the
// query state (nothing generated yet). score is the trajectory's final
// reward.
//
// Recursion (the reference's order of operations):
//
//	V[L-1] = score; V[c_k] = v_k for every cutpoint (a cutpoint at L-1
//	overrides the score; a repeated cutpoint keeps its last value)
//	base   = v_0 if c_0 == -1 (that entry is then dropped), else unset
//	for t = 0..L-1 with V[t] assigned:
//	    A[t] = V[t] - base   (A[t] = 0 while base is unset)
//	    base = V[t]
//	for t = L-2..0 with V[t] unassigned:  A[t] = A[t+1]   (back-fill)
//	A[t] = 0 where responseProb[t] > ProbThreshold        (strict)
//
// So every segment's advantage, the value difference across the segment, is
// given to the tokens of the segment, and then kept only on its
// low-probability tokens. Without any cutpoint (not even -1), every token
// gets V = score and A = 0, with no probability mask applied.
//
// Quirks reproduced: when the first cutpoint is not -1, the first valued
// token gets A = 0 (there is no base to subtract); a negative cutpoint that
// is not the leading -1 indexes from the end of the response, as Python list
// indexing does in the reference (-1 writes the last token).
//
// Errors: an empty response (the reference raises IndexError), a cutpoint
// outside the response, len(cutpointValues) != len(cutpoints), and
// non-finite probabilities, values or score.
//
// Paper: Guo et al., "Segment Policy Optimization: Effective Segment-Level
// Credit Assignment in RL for Large Language Models", arXiv:2505.23564
// (SPO-chain, probability mask).
// Reference: AIFrameResearch/SPO@b9fc6a263dec54e28137fd488a9b9c0e0d026025
// src/treetune/episode_generators/math_episode_generator_with_mc_advantages.py::MathEpisodeGeneratorWithMCAdvantages._compute_token_advantages
func ChainTokenAdvantages(responseProb []float64, cutpoints []int, cutpointValues []float64, score float64, opts ChainOptions) (ChainResult, error) {
	const fn = "spo.chain_token_advantages"
	L := len(responseProb)
	if L == 0 {
		return ChainResult{}, fmt.Errorf("%s: the response is empty (response_prob has no values)", fn)
	}
	if len(cutpointValues) != len(cutpoints) {
		return ChainResult{}, fmt.Errorf("%s: cutpoints_values has %d values, cutpoints has %d", fn, len(cutpointValues), len(cutpoints))
	}
	for t, p := range responseProb {
		if math.IsNaN(p) || math.IsInf(p, 0) {
			return ChainResult{}, fmt.Errorf("%s: response_prob[%d] is %v", fn, t, p)
		}
	}
	for k, v := range cutpointValues {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return ChainResult{}, fmt.Errorf("%s: cutpoints_values[%d] is %v", fn, k, v)
		}
	}
	if math.IsNaN(score) || math.IsInf(score, 0) {
		return ChainResult{}, fmt.Errorf("%s: score is %v", fn, score)
	}

	res := ChainResult{
		Values:     make([]float64, L),
		HasValue:   make([]bool, L),
		Advantages: make([]float64, L),
	}
	if len(cutpoints) == 0 {
		for t := range res.Values {
			res.Values[t] = score
			res.HasValue[t] = true
		}
		return res, nil
	}

	res.Values[L-1] = score
	res.HasValue[L-1] = true
	var base float64
	hasBase := false
	if cutpoints[0] == -1 {
		base, hasBase = cutpointValues[0], true
		cutpoints, cutpointValues = cutpoints[1:], cutpointValues[1:]
	}
	for k, c := range cutpoints {
		t := c
		if t < 0 {
			t += L // Python's negative list indexing
		}
		if t < 0 || t >= L {
			return ChainResult{}, fmt.Errorf("%s: cutpoint %d is outside a response of %d tokens", fn, c, L)
		}
		res.Values[t] = cutpointValues[k]
		res.HasValue[t] = true
	}

	adv := res.Advantages
	for t := 0; t < L; t++ {
		if !res.HasValue[t] {
			continue
		}
		if hasBase {
			adv[t] = res.Values[t] - base
		}
		base, hasBase = res.Values[t], true
	}
	// Token L-1 always has a value, so the back-fill is well defined.
	for t := L - 2; t >= 0; t-- {
		if !res.HasValue[t] {
			adv[t] = adv[t+1]
		}
	}
	for t, p := range responseProb {
		if p > opts.ProbThreshold {
			adv[t] = 0
		}
	}
	return res, nil
}
