// Command files measures credo on files: it generates a JSONL rollout file
// of realistic records (bench.WriteRollouts), converts it to Parquet, and
// times `credo validate`, `credo assign --method verl.grpo` and
// `credo convert` on each format with GOMAXPROCS=1 and =2, next to
// `wc -l` and `cat > /dev/null` on the same file in the same run. It prints
// a Markdown table of MB/s of input (file size / wall time) and peak memory
// (max RSS). It is a benchmark command, not a test:
//
//	go build -o bin/credo ./cmd/credo
//	go run ./bench/files -size 1GB            # the docs/benchmarks.md table
//	go run ./bench/files -size 50MB -runs 1   # a quick check
//
// Wall-clock numbers depend on what else runs on the machine: the command
// prints the load average before and after.
package main
