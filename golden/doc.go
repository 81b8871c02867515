// Package golden runs credo's estimators against golden reference vectors.
//
// A golden file (schema: testdata/golden/README.md) names one reference
// function by a stable estimator name such as "verl.grpo" and lists cases:
// parameters, inputs, and the outputs the reference implementation produced.
// Adapter packages (golden/verl, golden/openrlhf, ...) translate a case into a
// call of credo's own implementation and register it under the estimator name
// with Register; RunDir then loads a directory of golden files, runs every
// case, and compares every output with the tolerance rules of the README.
//
// The package holds no estimator code of its own: it only decodes, dispatches
// and compares.
package golden
