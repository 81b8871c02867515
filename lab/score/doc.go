// Package score measures a credit-assignment method's per-step credit Â
// against the exact advantage A^π (lab/truth) and its policy-gradient
// estimate against the exact gradient of a tabular softmax policy
// (shared/spec/environments.md §4, "Metrics to implement").
//
// Every function takes plain slices; a sample i is one (state, time,
// action, role) occurrence with the method's credit est[i], the exact
// advantage truth[i] and a cell id (samples of the same cell share the
// same exact advantage; the spread of est inside a cell is the
// estimator's conditional variance).
package score
