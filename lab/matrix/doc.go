// Package matrix is the lab's credit-accuracy matrix: every registered
// credit method scored on every environment of lab/env at a fixed, seeded
// random tabular policy, its per-step credit Â against the exact advantage
// A^π (Pearson, Spearman, sign agreement, relative MSE and its bias/variance
// split, the cosine of the policy-gradient estimate with the exact gradient,
// gradient variance), with the critic-reading methods also scored with the
// exact V^π/Q^π and with a linear critic.
//
// Run computes the matrix (and, in full mode, the same rows at policies
// trained for some iterations: Matrix.Stages); ScoreFixed scores a few
// variants at the same fixed policy for the experiments of lab/exp that
// compare methods without training. Where a method reads an input the
// default batch lacks, inputs.go derives it from the environment's own
// structure (subgoals, planning actions, PRM judges, forced answers, a
// LaRe decoder, ...) or leaves the cell n/a with the reason; the reasons
// are printed under the matrix (Matrix.Inputs).
package matrix
