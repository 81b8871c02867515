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
// one at a time (a plain JSONL file is read back by byte offset and a plain
// Parquet file by row number, so memory is bounded by the largest group;
// other inputs are re-read in order, keeping only the groups still open) and spills the finished records to a
// temporary file next to the output, and a third copies them out in input
// order. A pipe cannot be read twice: a non-contiguous group on a pipe is
// refused with a message saying so.
//
// Batch-scope methods with a multi-pass form (credit.Method.Sums: verl's
// GAE, REINFORCE++ and REINFORCE++-baseline whitening and GPG, OpenRLHF's
// pipeline) read a regular input
// two or three times and hold one record, or one group, at a time; other
// batch-scope methods, and those on a pipe, read the whole input into
// memory.
//
// Every group's credit is checked before it is written: a NaN or ±Inf in
// advantages, returns, loss weights or token rewards stops the run (exit 2)
// with the method, its parameter values, the group and the input line or
// row. Stateful methods advance their state once per run (one call = one
// training step), and the output and the state file are committed together.
package stream
