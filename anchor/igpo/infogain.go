package igpo

import (
	"fmt"
	"math"
)

// Belief is IGPO's belief in the ground-truth answer a after a turn: the
// geometric mean of the answer-token probabilities under teacher forcing,
//
//	π(a | q, o_≤t) = exp( (1/L) Σ_j log π(a_j | q, o_≤t, a_<j) ).
//
// answerLogProbs are the L log-probs log π(a_j | ...); an empty answer is an
// error.
//
// Paper: "Information Gain-based Policy Optimization: A Simple and Effective
// Approach for Multi-Turn LLM Agents" (arXiv:2510.14967), §3.
func Belief(answerLogProbs []float64) (float64, error) {
	if len(answerLogProbs) == 0 {
		return 0, fmt.Errorf("igpo.belief: the answer has no tokens")
	}
	s := 0.0
	for j, lp := range answerLogProbs {
		if math.IsNaN(lp) || lp > 0 {
			return 0, fmt.Errorf("igpo.belief: answer token %d has log-prob %v, want a value <= 0", j, lp)
		}
		s += lp
	}
	return math.Exp(s / float64(len(answerLogProbs))), nil
}

// InformationGain turns the beliefs b_0 (before the first turn) and b_t
// (after turn t, t = 1..T) into IGPO's turn rewards for the non-final
// turns:
//
//	r_t = b_t − b_{t−1},   t = 1..T−1.
//
// The final turn T is rewarded with the outcome (F1) instead, so the result
// has T−1 entries (none when T ≤ 1). beliefs must lie in [0, 1].
//
// Paper: arXiv:2510.14967, turn reward; reference
// GuoqingWang1/IGPO@49a8c4ec verl/trainer/ppo/core_algos.py consumes these
// rewards as token_level_rewards at the turn ends (see GRPOTurnLevel).
func InformationGain(b0 float64, beliefs []float64) ([]float64, error) {
	prev := b0
	if b0 < 0 || b0 > 1 || math.IsNaN(b0) {
		return nil, fmt.Errorf("igpo.information_gain: initial belief %v, want a probability in [0, 1]", b0)
	}
	if len(beliefs) <= 1 {
		return nil, nil
	}
	out := make([]float64, len(beliefs)-1)
	for t, b := range beliefs {
		if b < 0 || b > 1 || math.IsNaN(b) {
			return nil, fmt.Errorf("igpo.information_gain: belief after turn %d is %v, want a probability in [0, 1]", t+1, b)
		}
		if t < len(out) {
			out[t] = b - prev
		}
		prev = b
	}
	return out, nil
}
