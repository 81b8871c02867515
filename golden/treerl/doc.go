// Package treerl registers the golden adapter of the TreeRL anchor (package
// anchor/treerl) with package golden under the estimator name
// treerl.tree_paths: it reads a case's tree and options, runs the anchor
// and returns its outputs for comparison.
package treerl
