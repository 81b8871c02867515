// Package group implements credit-assignment methods that work on groups of
// whole responses: comparison sets finer than the prompt group (Stratified
// GRPO), reward transforms and gates over named reward channels (Trust-GRPO,
// Posterior-GRPO, the LSC transform, GRPO-λ, TRL's multi-reward
// aggregation), budget-relative advantages over truncated thinking (BRPO),
// and two methods that act before rollout: Knapsack RL's per-prompt rollout
// allocator and B-STaR's choice of sampling configuration.
//
// The estimators are small pure functions over plain arrays (per-row scores,
// group ids as strings, ragged [][]float64 token arrays). register.go binds
// them to credo's method registry (package credit) so that they are usable
// as `credo assign --method NAME`; every registered method writes per-token
// advantages: the per-response advantage times the loss mask, or, for BRPO,
// the advantage of each budget segment and summary on its tokens.
//
// Provenance: each function cites its paper and the row of the method
// catalogue (shared/spec/methods.md §1, "#N"). None of these methods has a
// golden reference file; they are validated by hand-computed vectors (the
// catalogue's worked numbers where they exist) and property tests. The open
// choices each paper leaves, and the decisions taken here, are listed in
// docs/methods/group.md.
package group
