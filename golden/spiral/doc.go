// Package spiral registers the golden adapter of the SPIRAL anchor (package
// anchor/spiral) with package golden under the estimator name spiral.rae: it
// reads a case's tensors and options, runs the anchor and returns its
// outputs for comparison.
package spiral
