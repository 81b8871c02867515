// Package arrays holds the shape and finiteness checks shared by the estimator
// packages (SameShape, FiniteMatrix, FirstNonFinite, ...), which return
// errors naming the function and the argument at fault, and Like, which
// allocates a ragged matrix of a given shape in one block.
package arrays
