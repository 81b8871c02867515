// Package openrlhf reproduces the advantage and return shaping of OpenRLHF,
// the Ray/DeepSpeed RLHF framework ("OpenRLHF: An Easy-to-use, Scalable and
// High-performance RLHF Framework", arXiv:2405.11143), to float tolerance.
//
// Reference snapshot: OpenRLHF/OpenRLHF@3c3be6234e0cb353e76bb8019947db9dfe99fca7.
//
// The package holds small pure functions over plain arrays, one family per
// file:
//
//   - reward.go: ComputeReward, the per-token reward of OpenRLHF
//     (clamped scalar reward on the last action token, minus kl_coef*kl on
//     every token);
//   - returns.go: CumulativeReturns (discounted reverse sum) and GAE
//     (OpenRLHF's generalised advantage estimation, which zeroes masked
//     values and rewards instead of skipping them);
//   - shaping.go: the scalar reward shaping applied before the token
//     rewards are built: DAPO overlong penalty, ProRL stop-properly penalty,
//     and the prompt-group baselines rloo, reinforce_baseline, dr_grpo and
//     group_norm;
//   - whiten.go: the global, token-weighted whitening of advantages with
//     population variance;
//   - pipeline.go: ComputeAdvantagesAndReturns, the whole shaping pipeline
//     over a list of micro-batch experiences, composed of the above.
//
// Conventions: a batch of rows is [][]float64 and rows may be ragged; a mask
// has the shape of the data it masks and holds 0/1 values or weights (any
// non-zero value counts as "true" where the reference tests a boolean).
// Outputs are freshly allocated; inputs are never modified. Computation is
// in float64, which matches the reference's float32 results within the
// golden tolerance (rtol 1e-5, atol 1e-6). Non-finite inputs are rejected
// with an error instead of being propagated, and so are the two degenerate
// inputs on which the reference produces NaN (rloo/group_norm with
// n_samples_per_prompt = 1, whitening with no action token) unless
// Options.PropagateNaN asks for the reference's NaN results.
package openrlhf
