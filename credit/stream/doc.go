// Package stream runs a credit method over a rollout file and writes the
// records back with their credit, in input order, with memory bounded by
// the method's scope rather than by the file (docs/format.md, "Memory").
//
// Group-scope methods (credit.ScopeGroup, stateless or with credit.Steps)
// are streamed in one pass when each group's records are contiguous: a
// group is assigned, checked and written as soon as the next group starts.
// When a group id reappears after another group, the run starts again in
// indexed mode on a regular file: a first pass indexes every record (its
// line or row, group, length; no token data), a second assigns the groups
// one at a time (a JSONL file is read back by byte offset and a plain
// Parquet file by row number, so memory is bounded by the largest group; a
// compressed JSONL file is decompressed to a temporary file beside the
// output during the first pass and read back from there; compressed Parquet
// is re-read in order, keeping only the groups still open) and spills the
// finished records to a
// temporary file next to the output, and a third copies them out in input
// order. A pipe cannot be read twice: a non-contiguous group on a pipe is
// refused with a message saying so.
//
// Methods marked credit.Method.PerRecord (spiral.rae, whose state advances
// trajectory by trajectory) are run one record at a time in one pass, a
// pipe included.
//
// Batch-scope methods with a multi-pass form (credit.Method.Sums: verl's
// GAE, REINFORCE++ and REINFORCE++-baseline whitening and GPG, verl-agent's
// REINFORCE++-baseline, PURE, OpenRLHF's pipeline) read a regular input
// two to four times and hold one record, or one group, at a time; other
// batch-scope methods, and those on a pipe, read the whole input into
// memory.
//
// With GOMAXPROCS > 1 the steps of a JSONL run overlap: the reader parses
// blocks of lines in goroutines ahead of the engine, the engine assigns and
// checks group by group, and the writer encodes batches of records in
// goroutines behind it and writes them in input order; the queues between
// them hold a few blocks each (format/jsonl). BenchmarkAssignJSONL measures
// the whole path with -cpu 1,2.
//
// Every group's credit is checked before it is written: a NaN or ±Inf in
// advantages, returns, loss weights or token rewards stops the run (exit 2)
// with the method, its parameter values, the group and the input line or
// row. Stateful methods advance their state once per run (one call = one
// training step), and the output and the state file are committed together.
package stream
