package stream

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/format"
	"github.com/credo-rl/credo/format/jsonl"
	"github.com/credo-rl/credo/rollout"
)

// interleaved reports a group whose records are not contiguous.
type interleaved struct {
	group       string
	first, here string
}

func (e *interleaved) Error() string {
	return fmt.Sprintf("group uid %q starts at %s and appears again at %s after other groups", e.group, e.first, e.here)
}

// groups runs a streamable group-scope method: one pass when groups are
// contiguous, else indexed mode on a regular file.
func (r *run) groups() error {
	err := r.onePass()
	var il *interleaved
	if !errors.As(err, &il) {
		return err
	}
	if !r.regular {
		return badInputf("%s: %v; credo streams each group as soon as its records end, so a group spread over the input needs a second read, which a pipe cannot give: save the input to a file, or sort it by uid", r.in, il)
	}
	if err := r.resetOutput(); err != nil {
		return err
	}
	return r.indexed()
}

// group assigns credit to the complete group b (records recs) and checks
// it.
func (r *run) group(step credit.Step, b *rollout.Batch, recs []int) error {
	if err := step.Group(b); err != nil {
		return r.methodErr(err, b, recs)
	}
	return r.check(b, recs)
}

func (r *run) onePass() error {
	r.mode = "one pass"
	step, err := r.m.Begin(r.v, r.st)
	if err != nil {
		return badInput(err)
	}
	src, err := r.open()
	if err != nil {
		return err
	}
	defer src.close()
	x := newIndex(r.in, src.unit)
	r.x = x
	gr := newGrouper(func(b *rollout.Batch, recs []int) error {
		if err := r.group(step, b, recs); err != nil {
			return err
		}
		for _, t := range b.Trajectories {
			if err := r.w.Write(t); err != nil {
				return fmt.Errorf("write output %s: %w", r.out, err)
			}
		}
		return nil
	})
	for {
		t, p, err := src.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		rec, g, err := x.add(t, p)
		if err != nil {
			return err
		}
		if err := gr.add(x, t, rec, g); err != nil {
			return err
		}
	}
	if err := gr.finish(); err != nil {
		return err
	}
	if err := x.links(); err != nil {
		return err
	}
	if err := step.End(); err != nil {
		return badInput(err)
	}
	return nil
}

// indexed runs a group-scope method on a regular file whose groups are not
// contiguous: index, assign group by group into a spill file, copy out in
// input order.
func (r *run) indexed() error {
	r.mode = "indexed"
	src, err := r.open()
	if err != nil {
		return err
	}
	x := newIndex(r.in, src.unit)
	r.x = x
	for {
		t, p, err := src.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			src.close()
			return err
		}
		if _, _, err := x.add(t, p); err != nil {
			src.close()
			return err
		}
	}
	src.close()
	if err := x.links(); err != nil {
		return err
	}
	step, err := r.m.Begin(r.v, r.st)
	if err != nil {
		return badInput(err)
	}
	sp, err := r.spillFile()
	if err != nil {
		return err
	}
	defer sp.Abort()
	s := newSpill(sp.File, x.n())
	assign := func(b *rollout.Batch, recs []int) error {
		if err := r.group(step, b, recs); err != nil {
			return err
		}
		for i, t := range b.Trajectories {
			if err := s.put(recs[i], t); err != nil {
				return err
			}
		}
		return nil
	}
	switch {
	case x.unit == "line" && plainJSONL(r.in):
		err = r.byOffset(x, assign)
	case r.parquetByRow(x): // parquet_rows.go
		err = r.byRow(x, assign)
	default:
		err = r.byRereading(x, assign)
	}
	if err != nil {
		return err
	}
	if err := step.End(); err != nil {
		return badInput(err)
	}
	return s.copyOut(r)
}

// plainJSONL reports an uncompressed JSONL file, whose records can be read
// back by byte offset.
func plainJSONL(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".jsonl", ".ndjson":
		return true
	}
	return false
}

// members lists each group's records in input order.
func members(x *index) [][]int {
	out := make([][]int, len(x.gname))
	for g, n := range x.gsize {
		out[g] = make([]int, 0, n)
	}
	for rec, g := range x.group {
		out[g] = append(out[g], rec)
	}
	return out
}

// byOffset reads each group's lines back by byte offset: memory is bounded
// by the largest group (plus 8 bytes per input line for the offsets).
func (r *run) byOffset(x *index, assign func(*rollout.Batch, []int) error) error {
	starts, err := lineStarts(r.in)
	if err != nil {
		return err
	}
	f, err := os.Open(r.in)
	if err != nil {
		return badInput(err)
	}
	defer f.Close()
	size := starts[len(starts)-1]
	var buf []byte
	for _, recs := range members(x) {
		b := &rollout.Batch{Trajectories: make([]*rollout.Trajectory, len(recs))}
		for i, rec := range recs {
			line := x.pos[rec]
			if line >= len(starts) {
				return changed(r.in)
			}
			lo, hi := starts[line-1], starts[line]
			if hi > size || hi-lo > jsonl.MaxLineBytes+1 {
				return changed(r.in)
			}
			buf = append(buf[:0], make([]byte, hi-lo)...)
			if _, err := f.ReadAt(buf, lo); err != nil {
				return changed(r.in)
			}
			t, err := jsonl.Decode(bytes.TrimSpace(bytes.TrimPrefix(buf, []byte("\xef\xbb\xbf"))))
			if err != nil {
				return changed(r.in)
			}
			if t.ID == "" {
				t.ID = fmt.Sprintf("line-%d", line)
			}
			b.Trajectories[i] = t
		}
		if err := assign(b, recs); err != nil {
			return err
		}
	}
	return nil
}

func changed(in string) error {
	return fmt.Errorf("%s: the file changed while credo read it", in)
}

// lineStarts returns the byte offset of the start of every line, plus the
// file size: line n (from 1) is [starts[n-1], starts[n]).
func lineStarts(path string) ([]int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, badInput(err)
	}
	defer f.Close()
	starts := []int64{0}
	buf := make([]byte, 1<<20)
	var off int64
	for {
		n, err := f.Read(buf)
		b := buf[:n]
		base := off
		for {
			i := bytes.IndexByte(b, '\n')
			if i < 0 {
				break
			}
			base += int64(i) + 1
			starts = append(starts, base)
			b = b[i+1:]
		}
		off += int64(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if starts[len(starts)-1] != off {
		starts = append(starts, off) // last line without '\n'
	}
	return starts, nil
}

// byRereading reads the input again in order, holding each group until its
// last record: memory is bounded by the groups open at once.
func (r *run) byRereading(x *index, assign func(*rollout.Batch, []int) error) error {
	src, err := r.open()
	if err != nil {
		return err
	}
	defer src.close()
	left := append([]int32(nil), x.gsize...)
	open := map[int32][]*rollout.Trajectory{}
	recsOf := map[int32][]int{}
	for rec := 0; ; rec++ {
		t, _, err := src.next()
		if err == io.EOF {
			if rec != x.n() {
				return changed(r.in)
			}
			return nil
		}
		if err != nil {
			return err
		}
		if rec >= x.n() || t.ID != idOf(x, rec, t) {
			return changed(r.in)
		}
		g := x.group[rec]
		open[g] = append(open[g], t)
		recsOf[g] = append(recsOf[g], rec)
		if left[g]--; left[g] == 0 {
			if err := assign(&rollout.Batch{Trajectories: open[g]}, recsOf[g]); err != nil {
				return err
			}
			delete(open, g)
			delete(recsOf, g)
		}
	}
}

// idOf checks that record rec still has the id seen in the first pass.
func idOf(x *index, rec int, t *rollout.Trajectory) string {
	if j, ok := x.ids[t.ID]; ok && int(j) == rec {
		return t.ID
	}
	return ""
}

// spill holds finished records, in the order they were assigned, in a
// temporary JSONL file, with the offset of each so that they can be copied
// out in input order.
type spill struct {
	f   *os.File
	bw  *bufio.Writer
	cw  *countWriter
	jw  *jsonl.Writer
	off []int64
	end []int64
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func newSpill(f *os.File, n int) *spill {
	bw := bufio.NewWriterSize(f, 1<<20)
	cw := &countWriter{w: bw}
	return &spill{f: f, bw: bw, cw: cw, jw: jsonl.NewWriter(cw), off: make([]int64, n), end: make([]int64, n)}
}

func (s *spill) put(rec int, t *rollout.Trajectory) error {
	s.off[rec] = s.cw.n
	if err := s.jw.Write(t); err != nil {
		return err
	}
	if err := s.jw.Flush(); err != nil {
		return fmt.Errorf("write temporary file: %w", err)
	}
	s.end[rec] = s.cw.n
	return nil
}

// copyOut writes the spilled records to the output in input order: JSONL
// lines are copied as they are (they came from the same writer), other
// formats decode them again.
func (s *spill) copyOut(r *run) error {
	if err := s.bw.Flush(); err != nil {
		return fmt.Errorf("write temporary file: %w", err)
	}
	raw := r.spec.Kind == format.JSONL && r.spec.Compression == format.None
	var buf []byte
	for rec := range s.off {
		n := s.end[rec] - s.off[rec]
		buf = append(buf[:0], make([]byte, n)...)
		if _, err := s.f.ReadAt(buf, s.off[rec]); err != nil {
			return fmt.Errorf("read temporary file: %w", err)
		}
		if raw {
			if err := r.writeRaw(buf); err != nil {
				return err
			}
			continue
		}
		t, err := jsonl.Decode(bytes.TrimSpace(buf))
		if err != nil {
			return fmt.Errorf("read temporary file: %w", err)
		}
		if err := r.w.Write(t); err != nil {
			return fmt.Errorf("write output %s: %w", r.out, err)
		}
	}
	return nil
}

// writeRaw appends bytes to the output, bypassing the format writer (which
// has written nothing in indexed mode).
func (r *run) writeRaw(b []byte) error {
	if r.raw == nil {
		r.raw = bufio.NewWriterSize(r.f, 1<<20)
		r.w = rawCloser{r.raw}
	}
	if _, err := r.raw.Write(b); err != nil {
		return fmt.Errorf("write output %s: %w", r.out, err)
	}
	return nil
}

type rawCloser struct{ w *bufio.Writer }

func (c rawCloser) Write(*rollout.Trajectory) error { return errors.New("stream: raw output") }
func (c rawCloser) Close() error                    { return c.w.Flush() }
