package format

import (
	"bufio"
	"github.com/klauspost/compress/gzip"
	"io"
	"os"

	"github.com/klauspost/compress/zstd"

	"github.com/credo-rl/credo/format/jsonl"
	"github.com/credo-rl/credo/format/parquet"
	"github.com/credo-rl/credo/internal/atomicfile"
	"github.com/credo-rl/credo/rollout"
)

type jsonlWriter struct{ w *jsonl.Writer }

func (j *jsonlWriter) Write(t *rollout.Trajectory) error { return j.w.Write(t) }
func (j *jsonlWriter) Close() error                      { return j.w.Flush() }

// compressed closes the compressor after the format writer.
type compressed struct {
	Writer
	c io.Closer
}

func (c *compressed) Close() error {
	err := c.Writer.Close()
	if cerr := c.c.Close(); err == nil {
		err = cerr
	}
	return err
}

// NewWriter writes the format of path (see SpecOf; "-" is JSONL) to w,
// compressed when the name ends in .gz or .zst.
func NewWriter(w io.Writer, path string) (Writer, error) {
	s, err := SpecOf(path, "")
	if err != nil {
		return nil, err
	}
	return NewSpecWriter(w, s)
}

// NewSpecWriter writes format s to w. Close flushes the format and the
// compressor; it does not close w.
func NewSpecWriter(w io.Writer, s Spec) (Writer, error) {
	c, err := newCompressor(w, s.Compression)
	if err != nil {
		return nil, err
	}
	if c != nil {
		w = c
	}
	var fw Writer
	if s.Kind == JSONL {
		fw = &jsonlWriter{w: jsonl.NewWriter(w)}
	} else {
		fw = parquet.NewWriter(w)
	}
	if c != nil {
		fw = &compressed{Writer: fw, c: c}
	}
	return fw, nil
}

// Output is a rollout file being written: to a temporary file renamed over
// the destination by Commit (see package internal/atomicfile), or to
// standard output for "-", where Commit flushes and Abort cannot take back
// what was already written (the exit code then tells).
type Output struct {
	Writer
	file   *atomicfile.File
	stdout *bufio.Writer
	closed bool
}

// CreateWith starts writing path ("-": standard output) in the format of
// its name or of o.Format (o.Progress is not used). The directory is
// checked first: an error is then an *atomicfile.DirError.
func CreateWith(path string, o Options) (*Output, error) {
	s, err := SpecOf(path, o.Format)
	if err != nil {
		return nil, err
	}
	out := &Output{}
	var w io.Writer
	if path == Stdio {
		out.stdout = bufio.NewWriterSize(os.Stdout, 1<<16)
		w = out.stdout
	} else {
		if out.file, err = atomicfile.Create(path); err != nil {
			return nil, err
		}
		w = out.file
	}
	if out.Writer, err = NewSpecWriter(w, s); err != nil {
		out.Abort()
		return nil, err
	}
	return out, nil
}

// File is the temporary file behind the output, nil for standard output:
// commit it with others through atomicfile.CommitAll after Close.
func (o *Output) File() *atomicfile.File { return o.file }

// Close flushes the format writer and any compressor without committing.
func (o *Output) Close() error {
	if o.closed {
		return nil
	}
	o.closed = true
	err := o.Writer.Close()
	if o.stdout != nil {
		if ferr := o.stdout.Flush(); err == nil {
			err = ferr
		}
	}
	return err
}

// Commit closes the output and, for a file, renames it into place.
func (o *Output) Commit() error {
	if err := o.Close(); err != nil {
		o.Abort()
		return err
	}
	if o.file != nil {
		return o.file.Commit()
	}
	return nil
}

// Abort discards a file output (dest is left as it was); safe after Commit.
func (o *Output) Abort() {
	if o.file != nil {
		o.file.Abort()
	}
}

// newCompressor compresses to w (nil for None). gzip is klauspost's
// drop-in for compress/gzip: the same format, written several times
// faster (BenchmarkCompress).
func newCompressor(w io.Writer, c Compression) (io.WriteCloser, error) {
	switch c {
	case Gzip:
		return gzip.NewWriter(w), nil
	case Zstd:
		return zstd.NewWriter(w, zstd.WithEncoderConcurrency(1))
	}
	return nil, nil
}

// newDecompressor decompresses r.
func newDecompressor(r io.Reader, c Compression) (io.ReadCloser, error) {
	switch c {
	case Gzip:
		return gzip.NewReader(r)
	case Zstd:
		zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		return zr.IOReadCloser(), nil
	}
	return io.NopCloser(r), nil
}
