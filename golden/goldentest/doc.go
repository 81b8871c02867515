// Package goldentest checks registered golden adapters from go test: Check
// runs named files of the repository's testdata/golden through package
// golden, one subtest per case, and fails on any mismatch or on an estimator
// no adapter registered.
package goldentest
