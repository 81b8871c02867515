package stream

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"sync/atomic"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/format"
	"github.com/credo-rl/credo/format/parquet"
	"github.com/credo-rl/credo/rollout"
)

// openFollowed opens the input for the one-pass mode when it is a plain
// Parquet file and the output is plain Parquet too, and links the output
// writer to it (parquet.Writer.Follow): the writer then copies the column
// chunks that the method left unchanged (token ids, log-probs, mask)
// instead of encoding them again, and the output holds the same values. It
// returns nil where that does not apply; the input is then opened as usual
// (which also reports any error in opening it).
func (r *run) openFollowed(o format.Options) *source {
	if r.mode != "one pass" || r.in == format.Stdio {
		return nil
	}
	pw, ok := r.w.(*parquet.Writer)
	if !ok {
		return nil
	}
	spec, err := format.SpecOf(r.in, r.inFormat)
	if err != nil || spec.Kind != format.Parquet || spec.Compression != format.None {
		return nil
	}
	f, err := os.Open(r.in)
	if err != nil {
		return nil
	}
	st, err := f.Stat()
	var head [4]byte
	if n, _ := f.ReadAt(head[:], 0); err != nil || !st.Mode().IsRegular() || bytes.HasPrefix(head[:n], []byte{0x1f, 0x8b}) || bytes.HasPrefix(head[:n], []byte{0x28, 0xb5, 0x2f, 0xfd}) {
		f.Close()
		return nil
	}
	ca := &countAt{f: f, size: st.Size()}
	pr, err := parquet.NewReader(ca, st.Size(), format.DisplayName(r.in, false))
	if err != nil {
		f.Close()
		return nil
	}
	if err := pw.Follow(pr); err != nil {
		pr.Close()
		f.Close()
		return nil
	}
	// The per-token arrays the method does not read are not decoded where
	// the writer copies their chunks (parquet.Reader.Needs): the
	// method's declaration (credit.Method.Reads) says which it reads.
	if readDeclared {
		if err := pr.Needs(needed(r.m.ArraysRead(r.v))...); err != nil {
			pr.Close()
			f.Close()
			return nil
		}
	}
	// With more than one core, the rows are decoded in a goroutine of
	// their own while this one assigns and writes (the output is the same).
	if runtime.GOMAXPROCS(0) > 1 {
		pr.ReadAhead(parquet.DefaultRowGroupRows)
	}
	return &source{r: &followedReader{pr: pr, f: f, ca: ca, progress: o.Progress, ctx: o.Context}, unit: "row"}
}

// readDeclared: the Parquet reader decodes only the arrays the method
// declares (false in a test: no declaration, every array decoded by the
// library, for comparison).
var readDeclared = true

// needed lists the per-token fields of the arrays a, those the Parquet
// reader knows as columns (the maps log_probs, token_scores and token_tags
// are JSON columns, always read).
func needed(a credit.Arrays) []string {
	var out []string
	for _, name := range a.Names() {
		switch name {
		case "log_probs", "token_scores", "token_tags":
			continue
		}
		out = append(out, name)
	}
	return out
}

// countAt counts the bytes read from the file, capped at its size (the
// footer is read more than once), for the progress callback.
type countAt struct {
	f    *os.File
	size int64
	n    atomic.Int64
}

func (c *countAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.f.ReadAt(p, off)
	if v := c.n.Add(int64(n)); v > c.size {
		c.n.Store(c.size)
	}
	return n, err
}

// File is the input file, which the Parquet writer copies column chunks
// from (parquet.Writer.Follow).
func (c *countAt) File() *os.File { return c.f }

// followedReader is the format.Reader of a followed Parquet input.
type followedReader struct {
	pr       *parquet.Reader
	f        *os.File
	ca       *countAt
	progress func(int64, int)
	ctx      context.Context
	records  int
}

func (fr *followedReader) Next() (*rollout.Trajectory, error) {
	if fr.ctx != nil {
		if err := fr.ctx.Err(); err != nil {
			return nil, err
		}
	}
	t, err := fr.pr.Next()
	if err == nil {
		fr.records++
		if fr.progress != nil {
			fr.progress(fr.ca.n.Load(), fr.records)
		}
	}
	return t, err
}

func (fr *followedReader) Pos() string { return fmt.Sprintf("row %d", fr.pr.Row()) }

func (fr *followedReader) Close() error {
	err := fr.pr.Close()
	if cerr := fr.f.Close(); err == nil {
		err = cerr
	}
	return err
}
