// Package lmexp runs the lab's language-model experiment: a small
// transformer (lab/lm) acting in tokens on text tasks (lab/textenv) is
// warm-started by supervised training on generated demonstrations (in
// lm_tokens until half of a calibration batch is solved, so that no seed
// starts at the ceiling or the floor), trained
// by RL with any registered credit method through the engine API
// (credit.Method.AssignState via lab/train, loss.PolicyLossVanilla), and
// every method's per-token credit is scored against the ground truth:
//
//   - exact A^π per token where the state is enumerable (ArithChain's
//     strict canonical chain, environments.md §5.5: ExactTruth);
//   - otherwise Monte Carlo values at every prefix, with the standard
//     error of each token's advantage (MCTruth).
//
// The methods get their inputs from the model itself: SPO-chain's
// cutpoints from the policy's token probabilities (Monte Carlo probes
// planned by tree.PlanChainProbes), SPO-tree and TreeRL on rollout trees
// branched at the highest-entropy token, HICRA's planning tokens tagged in
// the text, preplan/anchor's WAAD and FAI from the model's attention maps,
// PURE's per-line PRM (ArithChain-PRM), GAE / POAD / MA-RLHF with a learned
// value head (ridge regression on the final-layer features) or the exact
// values (oracle rows).
package lmexp
