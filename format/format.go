// Package format opens rollout files by extension: .jsonl (credo's JSONL
// format, package format/jsonl) and .parquet (verl-style columns, package
// format/parquet).
package format

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/credo-rl/credo/format/jsonl"
	"github.com/credo-rl/credo/rollout"
)

// Reader yields validated trajectories one at a time, then io.EOF.
type Reader interface {
	Next() (*rollout.Trajectory, error)
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

// KindOf infers the format from a file name.
func KindOf(path string) (Kind, error) {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".jsonl", ".ndjson":
		return JSONL, nil
	case ".parquet", ".pq":
		return Parquet, nil
	default:
		return "", fmt.Errorf("%s: unknown rollout format %q: want .jsonl or .parquet", path, ext)
	}
}

type jsonlReader struct {
	f *os.File
	r *jsonl.Reader
}

func (j *jsonlReader) Next() (*rollout.Trajectory, error) { return j.r.Next() }
func (j *jsonlReader) Close() error {
	j.r.Close()
	return j.f.Close()
}

type jsonlWriter struct{ w *jsonl.Writer }

func (j *jsonlWriter) Write(t *rollout.Trajectory) error { return j.w.Write(t) }
func (j *jsonlWriter) Close() error                      { return j.w.Flush() }

// Open opens a rollout file for streaming.
func Open(path string) (Reader, error) {
	k, err := KindOf(path)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	switch k {
	case JSONL:
		return &jsonlReader{f: f, r: jsonl.NewReader(f, path)}, nil
	default:
		r, err := openParquet(f, path)
		if err != nil {
			f.Close()
			return nil, err
		}
		return r, nil
	}
}

// NewWriter writes the format of path to w.
func NewWriter(w io.Writer, path string) (Writer, error) {
	k, err := KindOf(path)
	if err != nil {
		return nil, err
	}
	if k == JSONL {
		return &jsonlWriter{w: jsonl.NewWriter(w)}, nil
	}
	return newParquetWriter(w)
}

// ReadAll reads a whole file into a validated batch.
func ReadAll(path string) (*rollout.Batch, error) {
	r, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	b := &rollout.Batch{}
	for {
		t, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		b.Trajectories = append(b.Trajectories, t)
	}
	if err := b.ValidateLinks(); err != nil { // records were validated by Next
		if re, ok := err.(*rollout.RecordError); ok {
			re.File = path
		}
		return nil, err
	}
	return b, nil
}
