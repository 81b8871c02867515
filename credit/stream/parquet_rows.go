package stream

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/credo-rl/credo/format"
	"github.com/credo-rl/credo/format/parquet"
	"github.com/credo-rl/credo/internal/atomicfile"
	"github.com/credo-rl/credo/rollout"
)

// parquetByRow reports a plain Parquet input file, whose records can be
// read back by row number (parquet.RowReader) in the indexed mode.
func (r *run) parquetByRow(x *index) bool {
	if x.unit != "row" || r.in == format.Stdio || !r.regular {
		return false
	}
	spec, err := format.SpecOf(r.in, r.inFormat)
	if err != nil || spec.Kind != format.Parquet || spec.Compression != format.None {
		return false
	}
	return string(fileHead(r.in)) == "PAR1"
}

// fileHead returns the first 4 bytes of the file at path (fewer for a
// shorter file, none when it cannot be read): enough to tell Parquet's
// magic from gzip's and Zstandard's.
func fileHead(path string) []byte {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	head := make([]byte, 4)
	n, _ := f.ReadAt(head, 0)
	return head[:n]
}

// parquetCopy is the decompressed copy of a compressed Parquet input
// (.parquet.gz, .parquet.zst) in a temporary file beside the output, read
// in its place in the indexed mode: indexed, then read back by row number,
// so that memory stays bounded by the largest group (as for a plain
// Parquet file) instead of the groups open at once. The input is
// decompressed once; the copy costs its decompressed size on disk.
type parquetCopy struct {
	f    *atomicfile.File
	size int64
	name string // the input's name, for errors in the user's coordinates
}

// compressedParquet reports a gzip or Zstandard compressed Parquet input
// in a regular file (compression recognised from the first bytes, as
// format.OpenWith does).
func (r *run) compressedParquet() bool {
	if r.in == format.Stdio || !r.regular {
		return false
	}
	spec, err := format.SpecOf(r.in, r.inFormat)
	if err != nil || spec.Kind != format.Parquet {
		return false
	}
	return format.IsCompressed(fileHead(r.in))
}

// decompressParquet writes the decompressed input to a temporary file
// beside the output; the caller aborts (removes) it when done. The
// progress of this read is the compressed bytes read.
func (r *run) decompressParquet() (*parquetCopy, error) {
	in, err := os.Open(r.in)
	if err != nil {
		return nil, badInput(err)
	}
	defer in.Close()
	r.reads++
	var progress func(int64, int)
	if r.pass != nil {
		progress = r.pass(r.reads, 0)
	}
	cr := &progressReader{r: in, progress: progress, alive: r.alive}
	br := bufio.NewReaderSize(cr, 1<<20)
	head, _ := br.Peek(4)
	name := format.DisplayName(r.in, false)
	var zr io.Reader
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		g, err := gzip.NewReader(br)
		if err != nil {
			return nil, badInput(fmt.Errorf("%s: %w", name, err))
		}
		defer g.Close()
		zr = g
	default:
		z, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, badInput(fmt.Errorf("%s: %w", name, err))
		}
		defer z.Close()
		zr = z
	}
	f, err := r.spillFile()
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(tmpWriter{f, r.tmp}, 1<<20)
	n, err := io.Copy(bw, readErr{zr, name})
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		f.Abort()
		if cerr := r.alive(); cerr != nil {
			return nil, cerr // stopped by the job's context, whatever the decompressor made of it
		}
		var re readError
		if errors.As(err, &re) {
			return nil, badInput(re.err)
		}
		return nil, err
	}
	return &parquetCopy{f: f, size: n, name: name}, nil
}

// source reads the copy in order for the index pass.
func (c *parquetCopy) source() (*source, error) {
	pr, err := parquet.NewReader(c.f.File, c.size, c.name)
	if err != nil {
		return nil, badInput(err)
	}
	return &source{r: copyReader{pr}, unit: "row"}, nil
}

// copyReader is the format.Reader of the copy; closing it leaves the file
// open (parquetCopy.f owns it).
type copyReader struct{ pr *parquet.Reader }

func (c copyReader) Next() (*rollout.Trajectory, error) { return c.pr.Next() }
func (c copyReader) Pos() string                        { return fmt.Sprintf("row %d", c.pr.Row()) }
func (c copyReader) Close() error                       { return c.pr.Close() }

// progressReader reports the bytes read so far.
type progressReader struct {
	r        io.Reader
	n        int64
	progress func(int64, int)
	alive    func() error // the job's context (run.alive)
}

func (p *progressReader) Read(b []byte) (int, error) {
	if err := p.alive(); err != nil {
		return 0, err
	}
	n, err := p.r.Read(b)
	p.n += int64(n)
	if p.progress != nil {
		p.progress(p.n, 0)
	}
	return n, err
}

// readErr names the input in errors of the decompressor (a truncated or
// corrupt .gz), and marks them as the input's (not the temporary file's).
type readErr struct {
	r    io.Reader
	name string
}

type readError struct{ err error }

func (e readError) Error() string { return e.err.Error() }

func (d readErr) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	if err != nil && err != io.EOF {
		err = readError{fmt.Errorf("%s: reading compressed data: %w", d.name, err)}
	}
	return n, err
}

// byRow reads each group's rows back by row number from the input (a
// plain Parquet file; c == nil) or its decompressed copy c: memory is
// bounded by the largest group plus the RowReader's cursors
// (parquet.MaxCursors readers of a few pages each), not by the groups open
// at once.
func (r *run) byRow(x *index, c *parquetCopy, assign func(*rollout.Batch, []int) error) error {
	var rr *parquet.RowReader
	var err error
	var size int64
	if c != nil {
		rr, err = parquet.NewRowReader(c.f.File, c.size, c.name)
		size = c.size
	} else {
		rr, err = parquet.OpenRows(r.in)
		if st, err := os.Stat(r.in); err == nil {
			size = st.Size()
		}
	}
	if err != nil {
		return badInput(err)
	}
	defer rr.Close()
	if rr.NumRows() != int64(x.n()) {
		return changed(r.in)
	}
	r.reads++
	var progress func(int64, int)
	if r.pass != nil {
		progress = r.pass(r.reads, 0)
	}
	done := 0
	for _, recs := range members(x) {
		if err := r.alive(); err != nil {
			return err
		}
		r.hold(len(recs))
		b := &rollout.Batch{Trajectories: make([]*rollout.Trajectory, len(recs))}
		for i, rec := range recs {
			t, err := rr.Read(x.pos[rec])
			if err != nil || t.ID != idOf(x, rec, t) {
				return changed(r.in)
			}
			b.Trajectories[i] = t
		}
		if err := assign(b, recs); err != nil {
			return err
		}
		if done += len(recs); progress != nil {
			progress(size*int64(done)/int64(x.n()), done)
		}
	}
	return nil
}
