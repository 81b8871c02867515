// Package token implements token-level credit-assignment methods of the
// catalogue (shared/spec/methods.md §2.2 and §2.3): methods whose credit
// unit is the single token or a short span of tokens inside one response.
//
//   - HICRA (#10, hicra.go): A + α·|A| on planning tokens, with a tagger that
//     marks the occurrences of strategic n-grams of token ids.
//   - Preplan-and-anchor (#6, attention.go): advantage amplification on the
//     preplan and anchor tokens found from per-token attention statistics
//     (WAAD, FAI).
//   - MA-RLHF (#17, marlhf.go): macro-action spans (fixed n-gram, given
//     spans, perplexity) and GAE over macro steps.
//   - From r to Q* (#22) and T-REG (#18) (implicit.go): the implicit token
//     reward β·(log π − log π_ref) and T-REG's contrastive token weights.
//   - OREO (#52, oreo.go): soft-Bellman token advantages from a value
//     function and policy/reference log-probs.
//   - CAPO (#9, capo.go): token penalties from m voted critiques per
//     response, combined with the outcome reward.
//
// Conventions (as in the anchor packages): a batch is a [][]float64 with
// one row per response; rows may be ragged; a mask has the shape of the
// batch (0 = not a policy token); group ids are []string, turned into dense
// numbers once with internal/groups.Index. Outputs are freshly allocated and
// inputs are never modified. Non-finite inputs are rejected with an error
// naming the argument and the row. Computation is in float64.
//
// HICRA and preplan-and-anchor are stages: they rescale advantages that a
// base method has already written (register.go runs the base named by the
// parameter "base", default "verl.grpo"). register.go binds every method to
// the credit registry; the fields each one reads are listed in its Method
// notes and in docs/methods/token.md.
package token
