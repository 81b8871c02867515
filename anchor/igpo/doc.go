// Package igpo reproduces the credit assignment of IGPO (Information Gain-based
// Policy Optimization), a turn-level variant of GRPO for multi-turn agents.
//
// Each response interleaves several turns. The reward model writes an
// information-gain reward at the boundary token of every non-final turn and
// an outcome (F1) reward at the final position; IGPO normalises these
// rewards per prompt group, accumulates them backwards over the turns of
// each response with a discount, and broadcasts each turn's accumulated
// value to the tokens of that turn.
//
// Reference: GuoqingWang1/IGPO@49a8c4ec025316a686fb639478a418abc472171c
// verl/trainer/ppo/core_algos.py. The reference computes in float32 tensors
// with the turn accumulation in Python floats; this package computes in
// float64, within the golden tolerances (rtol 1e-5, atol 1e-6).
//
// Functions are pure: they validate their inputs, never modify them and
// return freshly allocated results, in O(tokens) time.
package igpo
