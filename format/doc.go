// Package format opens rollout files by extension: .jsonl (credo's JSONL
// format, package format/jsonl) and .parquet (verl-style columns, package
// format/parquet), either of them optionally compressed as a whole with
// gzip (.gz) or Zstandard (.zst), and "-" for standard input or output.
//
// The format is named by the extension inside any compression suffix
// (x.jsonl.gz, x.parquet.zst); "-" is JSONL unless Options.Format says
// otherwise. On input, compression is recognised from the data itself (the
// gzip and zstd magic numbers), so a compressed stream on stdin needs no
// flag; a name ending in .gz or .zst must hold such data. Parquet is read
// through random access, so Parquet that arrives compressed or through a
// pipe is first copied to a scratch file in $TMPDIR (removed on close and on
// SIGINT/SIGTERM). Parquet compresses its pages itself: .parquet.gz works but
// rarely makes a file smaller.
package format
