package format

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/credo-rl/credo/rollout"
)

// Reader yields validated trajectories one at a time, then io.EOF.
type Reader interface {
	Next() (*rollout.Trajectory, error)
	// Pos locates the record last returned in the user's coordinates:
	// "line N" for JSONL, "row N" for Parquet (counted from 1).
	Pos() string
	Close() error
}

// Writer writes trajectories; Close flushes (it does not close the
// underlying io.Writer).
type Writer interface {
	Write(*rollout.Trajectory) error
	Close() error
}

// Kind is a file format.
type Kind string

// Formats.
const (
	JSONL   Kind = "jsonl"
	Parquet Kind = "parquet"
)

// Compression is a whole-file compression.
type Compression string

// Compressions.
const (
	None Compression = ""
	Gzip Compression = "gz"
	Zstd Compression = "zst"
)

// Stdio is the path that means standard input (for reading) or standard
// output (for writing).
const Stdio = "-"

// Spec is what a path holds: a format and a whole-file compression.
type Spec struct {
	Kind        Kind
	Compression Compression
}

func (s Spec) String() string {
	if s.Compression == None {
		return string(s.Kind)
	}
	return string(s.Kind) + "." + string(s.Compression)
}

// ParseSpec parses a format name as given to --in-format/--out-format:
// jsonl or parquet, optionally followed by .gz or .zst.
func ParseSpec(s string) (Spec, error) {
	name, comp := s, None
	for _, c := range []Compression{Gzip, Zstd} {
		if base, ok := strings.CutSuffix(strings.ToLower(s), "."+string(c)); ok {
			name, comp = base, c
		}
	}
	switch strings.ToLower(name) {
	case "jsonl", "ndjson":
		return Spec{JSONL, comp}, nil
	case "parquet", "pq":
		return Spec{Parquet, comp}, nil
	}
	return Spec{}, fmt.Errorf("unknown format %q: want jsonl or parquet, optionally with .gz or .zst", s)
}

// SpecOf infers what path holds from its name; format, when not empty,
// overrides it (see ParseSpec). "-" is JSONL unless format says otherwise.
func SpecOf(path, format string) (Spec, error) {
	if format != "" {
		return ParseSpec(format)
	}
	if path == Stdio {
		return Spec{Kind: JSONL}, nil
	}
	name, comp := strings.ToLower(path), None
	switch filepath.Ext(name) {
	case ".gz":
		comp = Gzip
	case ".zst", ".zstd":
		comp = Zstd
	}
	if comp != None {
		name = strings.TrimSuffix(name, filepath.Ext(name))
	}
	switch ext := filepath.Ext(name); ext {
	case ".jsonl", ".ndjson":
		return Spec{JSONL, comp}, nil
	case ".parquet", ".pq":
		return Spec{Parquet, comp}, nil
	default:
		return Spec{}, fmt.Errorf("%s: unknown rollout format %q: want .jsonl or .parquet, optionally followed by .gz or .zst (or name the format with --in-format/--out-format)", path, ext)
	}
}

// KindOf infers the format from a file name (see SpecOf).
func KindOf(path string) (Kind, error) {
	s, err := SpecOf(path, "")
	return s.Kind, err
}

// DisplayName is the name of path in messages: "stdin" or "stdout" for "-".
func DisplayName(path string, output bool) string {
	if path != Stdio {
		return path
	}
	if output {
		return "stdout"
	}
	return "stdin"
}

// Rereadable reports whether path can be read a second time from the
// start: false for "-", pipes (FIFOs), sockets, character devices and paths
// that cannot be stat'ed; true for regular files, compressed or not.
func Rereadable(path string) bool {
	if path == Stdio {
		return false
	}
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

// Size is the size in bytes of a regular file, or -1 (for "-", a pipe, an
// error): the total for a progress bar, counted before any decompression.
func Size(path string) int64 {
	if path == Stdio {
		return -1
	}
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() {
		return -1
	}
	return st.Size()
}

// Options adjust OpenWith and CreateWith.
type Options struct {
	// Format names the format (see ParseSpec) where the path does not:
	// required neither for files with a known extension nor for "-", which
	// is JSONL by default.
	Format string
	// Context, when set, stops the read once it is done: Next returns its
	// error (context.Canceled or context.DeadlineExceeded) before reading
	// another record. nil reads to the end.
	Context context.Context
	// Progress, when set, is called after each record read with the bytes
	// of the file consumed so far (before decompression) and the records
	// returned. It may be called from the goroutine calling Next only.
	Progress func(bytes int64, records int)
	// Copy, when set for JSONL input, receives the bytes of the records as
	// the reader consumes them, after decompression: once the reader has
	// returned io.EOF, Copy holds the input's JSONL text, line for line (a
	// compressed input can then be read again by byte offset). An error
	// of Copy stops the read with that error.
	Copy io.Writer
}

// Open opens a rollout file for streaming.
func Open(path string) (Reader, error) { return OpenWith(path, Options{}) }

// ReadAll reads a whole file into a validated batch: each record, then
// what involves several (see Links), with errors located by line or row.
func ReadAll(path string) (*rollout.Batch, error) { return ReadAllWith(path, Options{}) }

// ReadAllWith is ReadAll with options.
func ReadAllWith(path string, o Options) (*rollout.Batch, error) {
	r, err := OpenWith(path, o)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	b := &rollout.Batch{}
	links := NewLinks(DisplayName(path, false))
	for {
		t, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if err := links.Add(t, r.Pos()); err != nil {
			return nil, err
		}
		b.Trajectories = append(b.Trajectories, t)
	}
	if len(b.Trajectories) == 0 {
		return b, nil
	}
	if err := links.Check(); err != nil {
		return nil, err
	}
	return b, nil
}
