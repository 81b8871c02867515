// Package jsonl reads and writes credo's JSONL rollout format: one
// trajectory per line, fields as documented in docs/format.md (verl
// DataProto names).
//
// Reading is streamed through a hand-written tokenizer for the known fields
// (no reflection; numbers are parsed to the float64 that strconv.ParseFloat
// gives, as encoding/json does) and, with GOMAXPROCS > 1, in parallel over
// blocks of lines, records coming out in input order. Besides what
// encoding/json checks, the reader rejects a repeated key in any object
// of the record, inside fields credo does not know included, strings that are not valid UTF-8, unpaired
// UTF-16 surrogate escapes in known fields, a UTF-8 byte-order mark, null
// inside number arrays and maps, and keys that differ from a known field
// only in case; every error names the line and the field.
//
// Each trajectory keeps its input line (rollout.Trajectory.Source). The
// writer writes such a trajectory back as the input's bytes, every field in
// the input's order, with only the fields that changed encoded again: the
// outputs advantages, returns and loss_weights, and any input field that
// code replaced. Trajectories built in code are written in canonical form:
// encoding/json's bytes for rollout.Trajectory, credo_version stamped,
// unknown fields after the known ones in key order.
package jsonl
