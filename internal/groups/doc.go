// Package groups maps opaque group ids (verl's uid, traj_uid, anchor keys)
// to dense integers, the form every estimator works on. Ids are numbered in
// order of first appearance, so the numbering is deterministic for a batch;
// groups need not be contiguous or of equal size.
package groups
