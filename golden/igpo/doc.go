// Package igpo registers the golden adapter of the IGPO anchor (package
// anchor/igpo) with package golden under the estimator name
// igpo.grpo_turn_level: it reads a case's tensors and options, runs the
// anchor and returns its outputs for comparison.
package igpo
