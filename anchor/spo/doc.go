// Package spo reproduces the segment-level credit assignment of SPO
// ("Segment Policy Optimization: Effective Segment-Level Credit Assignment
// in RL for Large Language Models", Guo et al., arXiv:2505.23564) to float64
// tolerance.
//
// Reference snapshot: AIFrameResearch/SPO@b9fc6a263dec54e28137fd488a9b9c0e0d026025
// (a treetune-based code base).
//
// The package holds small pure functions, one family per file:
//
//   - chain.go: ChainTokenAdvantages, the SPO-chain token advantages of one
//     trajectory from its cutpoints and their Monte Carlo values (chain
//     differences, back-fill of the tokens between cutpoints, probability
//     mask);
//   - tree.go: TreeEdges, the SPO-tree training edges of one rollout tree
//     (child-minus-parent value advantages, optionally normalised by the
//     parent's reward spread, plus the best-of-K "prover" advantage of
//     process advantage verifiers), and BestOfK.
//
// What SPO computes with language models (cutpoint selection from token
// probabilities, Monte Carlo value estimation, tree construction) is an input
// here: callers pass the cutpoints and values, or the tree with each node's
// mean reward and reward standard deviation.
//
// The reference computes in Python floats; so does this package (float64),
// following the reference's order of operations. Outputs are freshly
// allocated; inputs are never modified. Non-finite inputs are rejected with
// an error instead of being propagated.
package spo
