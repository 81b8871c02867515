package stream

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

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
	err = gr.finish()
	r.hold(gr.held)
	if err != nil {
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

// tmpWriter names the temporary file in its write errors (a full disk),
// which the reader of the input would otherwise report as its own.
type tmpWriter struct {
	w      io.Writer
	beside string
}

func (t tmpWriter) Write(p []byte) (int, error) {
	n, err := t.w.Write(p)
	if err != nil {
		err = fmt.Errorf("write the decompressed copy of the input to a temporary file beside %s: %w", t.beside, err)
	}
	return n, err
}

// records runs a credit.Method.PerRecord method one record at a time, in
// input order, in one pass (a pipe included): memory is one record.
func (r *run) records() error {
	r.mode, r.perRecord = "one pass", true
	src, err := r.open()
	if err != nil {
		return err
	}
	defer src.close()
	x := newIndex(r.in, src.unit)
	r.x = x
	for {
		t, p, err := src.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		rec, _, err := x.add(t, p)
		if err != nil {
			return err
		}
		r.hold(1)
		b, recs := &rollout.Batch{Trajectories: []*rollout.Trajectory{t}}, []int{rec}
		if err := r.m.AssignState(b, r.v, r.st); err != nil {
			return r.methodErr(err, b, recs)
		}
		if err := r.check(b, recs); err != nil {
			return err
		}
		if err := r.w.Write(t); err != nil {
			return fmt.Errorf("write output %s: %w", r.out, err)
		}
	}
	return x.links()
}

// indexed runs a group-scope method on a regular file whose groups are not
// contiguous: index, assign group by group into a spill file, copy out in
// input order.
//
// A plain JSONL file is read back by byte offset. A compressed JSONL file
// cannot be: its first pass also writes the decompressed text to a
// temporary file beside the output, which is then read back by offset in
// its place, so that memory stays bounded by the largest group (the
// temporary file costs the decompressed size on disk; a compressed file is
// decompressed once). A Parquet file is read back by row number; a
// compressed one from its decompressed copy, made in the same way.
func (r *run) indexed() error {
	r.mode = "indexed"
	// back is the JSONL text read back by offset: the input itself, or
	// its decompressed copy (compression is recognised from the first
	// bytes, as format.OpenWith does).
	var back *os.File
	var bw *bufio.Writer
	var cp io.Writer
	if spec, err := format.SpecOf(r.in, r.inFormat); err == nil && spec.Kind == format.JSONL {
		f, err := os.Open(r.in)
		if err != nil {
			return badInput(err)
		}
		defer f.Close()
		var head [4]byte
		n, _ := f.ReadAt(head[:], 0)
		if !format.IsCompressed(head[:n]) {
			back = f
		} else {
			f, err := r.spillFile()
			if err != nil {
				return err
			}
			defer f.Abort()
			back = f.File
			bw = bufio.NewWriterSize(f, 1<<20)
			cp = tmpWriter{bw, r.tmp}
		}
	}
	// A compressed Parquet file is decompressed once into a temporary
	// file, indexed and read back by row from it (parquet_rows.go).
	var pc *parquetCopy
	var src *source
	var err error
	if r.compressedParquet() {
		if pc, err = r.decompressParquet(); err != nil {
			return err
		}
		defer pc.f.Abort()
		src, err = pc.source()
	} else {
		src, err = r.openCopy(cp)
	}
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
	if bw != nil {
		if err := bw.Flush(); err != nil {
			return fmt.Errorf("write temporary file beside %s: %w", r.tmp, err)
		}
	}
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
	case x.unit == "line" && back != nil:
		err = r.byOffset(x, back, assign)
	case pc != nil:
		err = r.byRow(x, pc, assign)
	case r.parquetByRow(x): // parquet_rows.go
		err = r.byRow(x, nil, assign)
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

// byOffset reads each group's lines back by byte offset from f (the input,
// or its decompressed copy): memory is bounded by the largest group (plus
// 8 bytes per input line for the offsets).
func (r *run) byOffset(x *index, f *os.File, assign func(*rollout.Batch, []int) error) error {
	starts, err := lineStarts(f)
	if err != nil {
		return err
	}
	size := starts[len(starts)-1]
	for _, recs := range members(x) {
		if err := r.alive(); err != nil {
			return err
		}
		r.hold(len(recs))
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
			// A buffer per record: the trajectory keeps it as its source.
			buf := make([]byte, hi-lo)
			if _, err := f.ReadAt(buf, lo); err != nil {
				return changed(r.in)
			}
			t, err := jsonl.DecodeAt(buf, line)
			if err != nil {
				return changed(r.in)
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
func lineStarts(f io.ReaderAt) ([]int64, error) {
	starts := []int64{0}
	buf := make([]byte, 1<<20)
	var off int64
	for {
		n, err := f.ReadAt(buf, off)
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
	held := 0
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
		held++
		r.hold(held)
		if left[g]--; left[g] == 0 {
			held -= len(open[g])
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
	n   int64 // bytes written
	buf []byte
	off []int64
	end []int64
}

func newSpill(f *os.File, n int) *spill {
	return &spill{f: f, bw: bufio.NewWriterSize(f, 1<<20), off: make([]int64, n), end: make([]int64, n)}
}

func (s *spill) put(rec int, t *rollout.Trajectory) error {
	var err error
	if s.buf, err = jsonl.Append(s.buf[:0], t); err != nil {
		return err
	}
	if _, err := s.bw.Write(s.buf); err != nil {
		return fmt.Errorf("write temporary file: %w", err)
	}
	s.off[rec] = s.n
	s.n += int64(len(s.buf))
	s.end[rec] = s.n
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
