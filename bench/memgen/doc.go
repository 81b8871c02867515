// Command memgen writes a synthetic JSONL rollout file for measuring the
// peak memory of credo assign (docs/benchmarks.md, "Memory of credo
// assign"). Groups of -group trajectories of -tokens tokens each carry
// responses, response_mask, values and an outcome reward; with -interleave
// every group is spread over the whole file (record k belongs to group
// k mod groups), the worst case for group streaming.
//
//	go run ./bench/memgen -mb 1024 -interleave -out /tmp/inter.jsonl
package main
