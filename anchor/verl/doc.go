// Package verl reproduces the advantage estimators of verl
// (volcengine/verl@b178a3cd56f58b2d502255daba591e92833930a7,
// verl/trainer/ppo/core_algos.py) to float tolerance.
//
// Every estimator is a small pure function over plain arrays:
//
//   - A batch of responses is a [][]float64, one row per response. Rows may be
//     ragged (different lengths); verl pads them to [B][T], which is the same
//     thing with explicit zeros at the end.
//   - A mask (response_mask) has exactly the shape of the batch. It is
//     normally 0/1 but, where verl only multiplies by it, any finite weight
//     is accepted.
//   - Group ids (verl's uid, the prompt a response was sampled from) are
//     []string at the token-level entry points and are turned into dense
//     integers once with internal/groups.Index. Groups need not be contiguous
//     or of equal size.
//   - Outputs are freshly allocated; inputs are never modified. Where the
//     reference returns one tensor as both advantages and returns, the two
//     results share their backing array (documented per function).
//   - The hot estimators also come as ...Into functions (GRPOInto, RLOOInto,
//     GAEInto, ReinforcePlusPlusInto) that write into caller-owned rows of
//     the input's shape and take dense group numbers and a reusable
//     Workspace, so that a training loop calling them every step allocates
//     nothing. The allocating functions are thin wrappers around them, so
//     there is one implementation of each. Measured throughput (≥ 200 M
//     valid tokens/s on one core at 4096 × 2048) is in docs/benchmarks.md.
//
// The outcome estimators (GRPO, RLOO, OPO, GPG, REINFORCE++-baseline) are
// also exposed on per-row scalar scores (the *Scalar functions), which take
// dense group numbers so that a caller handling multi-turn data can reuse one
// grouping for several estimators; the token-level functions are the scalar
// function followed by a broadcast times the mask.
//
// Numerics: verl computes in float32; this package accumulates in float64,
// which agrees with the reference within rtol 1e-5 / atol 1e-6 except where
// float32 rounding is amplified (documented per function). Inputs that would
// make the reference produce NaN/Inf garbage (non-finite rewards, values,
// masks, log-probabilities) are rejected with an error naming the argument
// and the row.
//
// Two reference defects are reproduced by default and can be corrected by an
// option: the variance floor of verl.grpo_vectorized
// (GRPOVectorizedOptions.Corrected) and the zeroed singleton groups of
// verl.rloo_vectorized (RLOOVectorizedOptions.Corrected).
package verl
