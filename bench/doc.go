// Package bench holds credo's throughput benchmarks of the anchor
// estimators at production scale: B = 4096 rows of ragged length uniform in
// [T/2, T] with T = 2048 (about 6.3 M valid tokens), outcome reward at the
// last token, measured single-threaded with
//
//	GOMAXPROCS=1 go test -run '^$' -bench . -benchmem -benchtime 3x ./bench/
//
// (`make bench`). Every benchmark reports Mtok/s over VALID tokens (the sum
// of the response mask) and allocations. Results and the machine they were
// measured on are recorded in docs/benchmarks.md.
//
// The package contains no estimator code: only the deterministic batch
// generator (NewBatch, NewStepBatch) used by bench_test.go, and the
// generator of realistic JSONL rollout files (WriteRollouts) used by the
// format/jsonl benchmarks and by the file benchmark command bench/files.
package bench
