// Package spo registers the golden adapters of the SPO anchor (package
// anchor/spo) with package golden under the estimator names
// spo.chain_token_advantages and spo.tree_edges: each reads a case's
// tensors and options, runs the anchor and returns its outputs.
package spo
