package format

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"

	"github.com/credo-rl/credo/format/jsonl"
	"github.com/credo-rl/credo/format/parquet"
	"github.com/credo-rl/credo/internal/atomicfile"
	"github.com/credo-rl/credo/rollout"
)

var (
	gzipMagic = []byte{0x1f, 0x8b}
	zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// counter counts the bytes read through it; it is read by progress
// callbacks, possibly from another goroutine.
type counter struct {
	r io.Reader
	n atomic.Int64
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// counterAt counts the bytes read through a ReaderAt, capped at the size
// (Parquet reads its footer more than once).
type counterAt struct {
	r    io.ReaderAt
	size int64
	n    atomic.Int64
}

func (c *counterAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	if v := c.n.Add(int64(n)); v > c.size {
		c.n.Store(c.size)
	}
	return n, err
}

// reader adapts the format readers to Reader and reports progress.
type reader struct {
	next     func() (*rollout.Trajectory, error)
	pos      func() string
	line     func() int // nil unless JSONL
	closers  []func() error
	bytes    func() int64
	progress func(int64, int)
	ctx      context.Context
	records  int
}

func (r *reader) Next() (*rollout.Trajectory, error) {
	if r.ctx != nil {
		if err := r.ctx.Err(); err != nil {
			return nil, err
		}
	}
	t, err := r.next()
	if err == nil {
		r.records++
		if r.progress != nil {
			r.progress(r.bytes(), r.records)
		}
	}
	return t, err
}

func (r *reader) Pos() string { return r.pos() }

// InputLine is the line of the record last returned, for JSONL input
// (false for Parquet, whose records are rows).
func (r *reader) InputLine() (int, bool) {
	if r.line == nil {
		return 0, false
	}
	return r.line(), true
}

func (r *reader) Close() error {
	var err error
	for i := len(r.closers) - 1; i >= 0; i-- {
		if cerr := r.closers[i](); err == nil {
			err = cerr
		}
	}
	r.closers = nil
	return err
}

// OpenWith opens path ("-": standard input) for streaming, as described in
// the package comment.
func OpenWith(path string, o Options) (Reader, error) {
	spec, err := SpecOf(path, o.Format)
	if err != nil {
		return nil, err
	}
	name := DisplayName(path, false)
	r := &reader{progress: o.Progress, ctx: o.Context}
	ok := false
	defer func() {
		if !ok {
			r.Close()
		}
	}()
	var f *os.File
	if path == Stdio {
		f = os.Stdin
	} else {
		if f, err = os.Open(path); err != nil {
			return nil, err
		}
		r.closers = append(r.closers, f.Close)
		if st, err := f.Stat(); err == nil && st.IsDir() {
			return nil, fmt.Errorf("%s is a directory, not a rollout file", path)
		}
	}
	// Parquet in a plain regular file: random access, no copy.
	if spec.Kind == Parquet && spec.Compression == None && path != Stdio {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			var head [4]byte
			if n, _ := f.ReadAt(head[:], 0); !isCompressed(head[:n]) {
				ca := &counterAt{r: f, size: st.Size()}
				r.bytes = ca.n.Load
				pr, err := parquet.NewReader(ca, st.Size(), name)
				if err != nil {
					return nil, err
				}
				r.closers = append(r.closers, pr.Close)
				r.next, r.pos = pr.Next, func() string { return fmt.Sprintf("row %d", pr.Row()) }
				ok = true
				return r, nil
			}
		}
	}
	c := &counter{r: f}
	r.bytes = c.n.Load
	br := bufio.NewReaderSize(c, 1<<16)
	head, _ := br.Peek(4)
	var data io.Reader = br
	switch {
	case bytes.HasPrefix(head, gzipMagic), bytes.HasPrefix(head, zstdMagic):
		c := Gzip
		if bytes.HasPrefix(head, zstdMagic) {
			c = Zstd
		}
		zr, err := newDecompressor(br, c)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		g := &closeAfterRead{r: zr}
		r.closers = append(r.closers, g.Close)
		data = g
	case spec.Compression != None && len(head) > 0:
		return nil, fmt.Errorf("%s: the name says %s-compressed, but the data is not (its first bytes are % x)", name, spec.Compression, head)
	}
	data = &decompressError{r: data, name: name}
	if spec.Kind == JSONL {
		if o.Copy != nil {
			data = io.TeeReader(data, o.Copy)
		}
		jr := jsonl.NewReader(data, name)
		r.closers = append(r.closers, jr.Close) // stops its parser goroutines
		r.next, r.pos, r.line = jr.Next, func() string { return fmt.Sprintf("line %d", jr.Line()) }, jr.Line
		ok = true
		return r, nil
	}
	// Parquet through a pipe or compressed: copy it to a scratch file.
	tmp, err := atomicfile.Temp("", "credo-spool-*.parquet")
	if err != nil {
		return nil, fmt.Errorf("%s: Parquet needs random access; copying it to a scratch file failed: %w", name, err)
	}
	r.closers = append(r.closers, func() error { atomicfile.RemoveTemp(tmp); return nil })
	n, err := io.Copy(tmp, data)
	if err != nil {
		return nil, fmt.Errorf("%s: Parquet needs random access; copying it to a scratch file in %s failed: %w", name, os.TempDir(), err)
	}
	pr, err := parquet.NewReader(tmp, n, name)
	if err != nil {
		return nil, err
	}
	r.closers = append(r.closers, pr.Close)
	r.next, r.pos = pr.Next, func() string { return fmt.Sprintf("row %d", pr.Row()) }
	ok = true
	return r, nil
}

// IsCompressed reports whether data starting with head is gzip or
// Zstandard compressed (as OpenWith recognises it, whatever the name says).
func IsCompressed(head []byte) bool { return isCompressed(head) }

func isCompressed(head []byte) bool {
	return bytes.HasPrefix(head, gzipMagic) || bytes.HasPrefix(head, zstdMagic)
}

// decompressError names the file in errors of the decompressor (a
// truncated or corrupt .gz), which the format readers would otherwise
// report without it.
type decompressError struct {
	r    io.Reader
	name string
}

func (d *decompressError) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%s: reading compressed data: %w", d.name, err)
	}
	return n, err
}

// closeAfterRead closes a decompressor only when no Read runs in it: the
// JSONL reader's goroutine may still be inside Read when the reader is
// closed early (on an error, or when credo assign restarts in indexed
// mode), and a zstd decoder closed under a running Read crashes. Close
// never waits (a Read from a pipe may block for long): the running Read
// closes the decompressor when it returns.
type closeAfterRead struct {
	mu      sync.Mutex
	r       io.ReadCloser
	reading bool
	closed  bool // Close was called
	done    bool // r was closed
}

func (c *closeAfterRead) Read(p []byte) (int, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return 0, os.ErrClosed
	}
	c.reading = true
	c.mu.Unlock()
	n, err := c.r.Read(p)
	c.mu.Lock()
	c.reading = false
	if c.closed && !c.done {
		c.done = true
		c.r.Close()
	}
	c.mu.Unlock()
	return n, err
}

func (c *closeAfterRead) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	if c.reading {
		return nil
	}
	c.done = true
	return c.r.Close()
}
