// Command credo assigns per-token credit to RL rollouts of language models
// with any of its methods, checks itself against reference vectors, and
// lists what it knows.
//
//	credo methods [--format json]
//	credo assign --method NAME [--set key=value ...] --in FILE --out FILE [--in-format F] [--out-format F] [--quiet]
//	credo validate FILE [--in-format F] [--quiet]
//	credo convert IN OUT [--in-format F] [--out-format F] [--quiet]
//	credo conformance DIR
//	credo lab list | run NAME... [--seeds K] [--quick]
//	credo allocate --state FILE --budget N --min A --max B
//
// Files are .jsonl or .parquet, optionally .gz or .zst; "-" is stdin or
// stdout (JSONL unless --in-format/--out-format says otherwise).
//
// Exit codes: 0 success, 1 failure (a failing conformance case, an internal
// error), 2 bad input or usage.
package main
