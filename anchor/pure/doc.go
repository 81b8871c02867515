// Package pure reproduces PURE's min-form credit assignment for process
// reward models ("Stop Summation: Min-Form Credit Assignment Is All Process
// Reward Model Needs for Reasoning", arXiv:2504.15275) to float tolerance.
//
// Reference snapshot: CJReinforce/PURE@41f9363b8cc4af044b7fc5f7f9bbbf62139e9553,
// an OpenRLHF fork.
//
// PURE scores every reasoning step with a PRM, turns the step scores into a
// soft minimum (softmin weights with a low temperature), places the weighted
// step rewards on the step-separator/EOS tokens, subtracts a leave-one-out
// baseline inside each prompt group, optionally adds a leave-one-out
// verifiable reward at the EOS token, subtracts the KL penalty and takes
// undiscounted reverse sums as returns (= advantages), which are then
// normalised over the whole replay buffer.
//
// One family per file:
//
//   - prm.go: ProcessRewardFromLogits (softmin weighting of PRM logits);
//   - baseline.go: StepBaseline, TokenBaseline and AddVerifiableReward;
//   - returns.go: ApproxKL and Returns (KL penalty, reverse cumulative sum,
//     separator masking);
//   - normalize.go: NormalizeAdvantages, the replay-buffer normalisation,
//     faithful to the reference's inconsistent count by default, with a
//     Corrected option;
//   - pipeline.go: CreditAssignment, the whole pipeline over micro-batches.
//
// Conventions: a batch of rows is [][]float64 and rows may be ragged; masks
// have the shape of the data they mask and are read as booleans (non-zero =
// true), as PURE's masks are boolean tensors; only the KL estimate
// multiplies by the action mask, as the reference does (the same for 0/1). Group ids are implicit, as in
// the reference: groups are n consecutive rows of the concatenated batch.
// Outputs are freshly allocated; inputs are never modified. Computation is
// in float64, which matches the reference's float32 results within the
// golden tolerance. Degenerate groups on which the reference divides by zero
// (n_samples_per_prompt = 1, a row without a valid step, a group whose other
// samples have no token) are rejected with an error unless
// Options.PropagateNaN asks for the reference's NaN/Inf results.
package pure
