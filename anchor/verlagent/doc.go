// Package verlagent reproduces the multi-turn credit-assignment estimators of
// verl-agent: the step-row variants of GRPO, RLOO and REINFORCE++-baseline
// (which take a trajectory id next to the prompt-group id) and GiGPO
// (Group-in-Group Policy Optimization), which adds a step-level advantage over
// "anchor states" shared by several trajectories of the same prompt group.
//
// Data layout: one row per environment step (one LLM turn). Each row carries
// the prompt group id (verl-agent's uid, argument index), the trajectory id
// (traj_uid, argument trajIndex), token-level rewards and a response mask of
// the same (possibly ragged) shape, and for GiGPO the per-step environment
// reward and the anchor observation of the step.
//
// Reference: xlan156/verl-agent@8ca3a467ba4fc21eb4969a2e2b1097323ca09a53
// (verl/trainer/ppo/core_algos.py and gigpo/core_gigpo.py). The reference
// computes in float32 tensors; this package computes in float64, which stays
// within the golden tolerances (rtol 1e-5, atol 1e-6).
//
// All functions are pure: they validate their inputs, never modify them, and
// return freshly allocated results. Hot paths are O(tokens) with at most two
// passes over the token arrays, and per-group statistics use float64
// accumulators allocated once per call.
package verlagent
