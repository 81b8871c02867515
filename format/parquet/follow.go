package parquet

import (
	"fmt"
	"io"
	"os"
	"slices"
	"unsafe"

	pq "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/credo-rl/credo/rollout"
)

// Copying unchanged columns.
//
// A run that reads a Parquet file, changes a few columns of every row (the
// advantages and returns of a credit method) and writes the rows in the same
// order spends most of its time re-encoding the columns it did not change:
// the token ids and log-probabilities. Writer.Follow links a Writer to the
// Reader the rows come from. The Reader then keeps in each trajectory's
// Source (rollout.Trajectory.Source) the row it was read from and the slice
// headers of its per-token arrays. The Writer ends its row groups where the
// input's end, and writes every per-token column that still holds what was
// read in all rows of the row group, and whose layout in the input is the
// one the Writer writes, as a copy of the input's column chunk: its pages,
// compressed as they were, with the chunk's metadata moved to the new
// offset. The other columns are encoded as usual. The file holds the same
// values either way; only the encoding of a copied chunk (dictionary or
// plain, codec, page sizes) is that of the input.
//
// "Still holds what was read" follows the contract of
// rollout.Trajectory.Source, as the JSONL writer does: an array replaced or
// re-sliced is noticed (its slice header differs), an element changed in
// place is not (code that does that calls ClearSource); the outputs
// advantages, returns and loss_weights are always encoded. Rows are matched
// to the input by their Source: a row group is copied only when its rows
// are exactly one input row group, in order.

// listColumns is the number of per-token columns: responses and floatFields.
const listColumns = 10 // 1 + len(floatFields)

// header is a slice header: where an array starts and its length (nil
// and empty differ in the pointer).
type header struct {
	p unsafe.Pointer
	n int
}

func hdr[T any](xs []T) header { return header{unsafe.Pointer(unsafe.SliceData(xs)), len(xs)} }

// arrayHeaders returns the headers of the per-token arrays of t in
// listColumns order: responses, then floatFields.
func arrayHeaders(t *rollout.Trajectory) (h [listColumns]header) {
	h[0] = hdr(t.Tokens)
	for i, xs := range floatsOf(t) {
		h[1+i] = hdr(xs)
	}
	return h
}

// outputColumns are the per-token columns that credit methods write
// (advantages, returns, loss_weights), in listColumns order: always encoded.
const outputColumns = 1<<(1+5) | 1<<(1+6) | 1<<(1+7)

// source is what the Reader keeps in rollout.Trajectory.Source under
// Follow.
type source struct {
	r      *Reader
	group  int // input row group
	row    int // row within it, from 0
	arrays [listColumns]header
	// skipped: bit k set when per-token column k holds a placeholder, not
	// the values of the file (Reader.Needs, skip.go).
	skipped uint16
}

// origin is what the Writer knows of a buffered row under Follow.
type origin struct {
	matched   bool
	group     int
	row       int
	unchanged uint16 // bit k: per-token column k (listColumns order) unchanged
	skipped   uint16 // bit k: per-token column k was a placeholder when read
}

// follower is the state of Writer.Follow.
type follower struct {
	r      *Reader
	w      *Writer
	on     bool
	src    [listColumns]int // input leaf column of each per-token column, -1 if it cannot be copied
	copied int              // column chunks copied, for tests and benchmarks
	buf    []byte           // copy buffer
}

// Follow links w to r: the trajectories written to w are those read from
// r, in the same order, with only some of their columns changed. w then
// copies the column chunks of r whose values did not change instead of
// encoding them again (see the comment at the top of follow.go); the file
// holds the same values as without Follow. Call it before the first Write.
//
// When r is closed, w writes the rows it holds (ending a row group there)
// and the following ends.
//
// Under Follow, r keeps in each trajectory's Source the row it was read
// from, and w keeps the per-token arrays of the trajectories it is given
// until their row group is written (at the end of each input row group):
// they must not be changed after Write. Rows that r did not return, or
// that come out of order, are written as usual.
func (w *Writer) Follow(r *Reader) error {
	if w.started || len(w.pending) > 0 {
		return fmt.Errorf("parquet: Follow after Write")
	}
	f := &follower{r: r, w: w, on: true}
	for k := range f.src {
		f.src[k] = -1
	}
	for i := range r.plan {
		c := &r.plan[i]
		k := -1
		var want pq.Node
		switch {
		case c.kind == kindTokens:
			k, want = 0, pq.List(pq.Int(64))
		case c.kind == kindFloats:
			k, want = 1+slices.Index(floatFields, c.name), listOfDouble
		default:
			continue
		}
		if c.n == 1 && pq.EqualNodes(c.node, want) && slices.Equal(leafPath(c.node, c.name), leafPath(want, c.name)) {
			f.src[k] = c.first
		}
	}
	r.follower = f
	w.follow = f
	return nil
}

// leafPath is the path of the single leaf under a top-level column.
func leafPath(n pq.Node, name string) []string {
	path := []string{name}
	for !n.Leaf() {
		fs := n.Fields()
		if len(fs) != 1 {
			return nil
		}
		path = append(path, fs[0].Name())
		n = fs[0]
	}
	return path
}

func (f *follower) active() bool { return f.on }

// stop ends the following.
func (f *follower) stop() { f.on = false }

// keep records in t.Source where row t was read (called by Reader.Next).
func (f *follower) keep(r *Reader, t *rollout.Trajectory, group, row int) {
	s := &source{r: r, group: group, row: row, arrays: arrayHeaders(t)}
	for k, h := range s.arrays {
		if r.skipping&(1<<k) != 0 && h.p != nil { // null stays null: no placeholder
			s.skipped |= 1 << k
		}
	}
	t.Source = s
}

// The largest input row group whose boundaries the Writer follows, in rows
// and in uncompressed bytes (see followable).
const (
	maxRowGroupRowsFollowed  = 1 << 14
	maxRowGroupBytesFollowed = 128 << 20
)

// match reports whether t was read by the followed Reader, and records
// its origin and unchanged columns in p.
func (f *follower) match(w *Writer, t *rollout.Trajectory, p *prepared) bool {
	s, ok := t.Source.(*source)
	if !f.on || !ok || s.r != f.r {
		return false
	}
	p.src = origin{matched: true, group: s.group, row: s.row, skipped: s.skipped}
	now := arrayHeaders(t)
	for k, src := range f.src {
		if src >= 0 && outputColumns&(1<<k) == 0 && now[k] == s.arrays[k] {
			p.src.unchanged |= 1 << k
		}
	}
	return true
}

// added is called when p joins the current row group.
func (f *follower) added(w *Writer, p *prepared) {}

// groupDone reports the end of the input row group of the buffered rows.
func (f *follower) groupDone(w *Writer) bool {
	if len(w.rows) == 0 {
		return false
	}
	last := w.rows[len(w.rows)-1].src
	if !last.matched {
		return len(w.rows) >= w.groupRows()
	}
	rg := f.r.file.Metadata().RowGroups[last.group]
	if !followable(rg.NumRows, rg.TotalByteSize) {
		return len(w.rows) >= w.groupRows()
	}
	return int64(last.row+1) == rg.NumRows || int64(len(w.rows)) >= max(rg.NumRows, int64(w.groupRows()))
}

// followable reports an input row group small enough for the Writer to
// end its row group with it: the Writer holds the rows of a row group
// until it is written, so a large one (other writers make row groups of a
// million rows) is written in row groups of the usual size instead, and
// encoded.
func followable(rows, bytes int64) bool {
	return rows <= maxRowGroupRowsFollowed && bytes <= maxRowGroupBytesFollowed
}

// copyable reports, per output column, whether the buffered rows are
// exactly one input row group and the column is unchanged in all of them.
func (f *follower) copyable(w *Writer) []bool {
	rows := w.rows
	g := rows[0].src.group
	if !rows[0].src.matched || int64(len(rows)) != f.r.file.Metadata().RowGroups[g].NumRows {
		return nil
	}
	all := ^uint16(0)
	for i, p := range rows {
		if !p.src.matched || p.src.group != g || p.src.row != i {
			return nil
		}
		all &= p.src.unchanged
	}
	out := make([]bool, len(w.cols))
	any := false
	for i, c := range w.cols {
		k := c.arrayBit()
		if k >= 0 && f.src[k] >= 0 && all&(1<<k) != 0 {
			out[i] = true
			any = true
		}
	}
	if !any {
		return nil
	}
	return out
}

// placeholders returns the per-token columns of t that still hold the
// placeholders it was read with.
func (s *source) placeholders(t *rollout.Trajectory) uint16 {
	if s.skipped == 0 {
		return 0
	}
	now := arrayHeaders(t)
	var held uint16
	for k := range now {
		if s.skipped&(1<<k) != 0 && now[k] == s.arrays[k] {
			held |= 1 << k
		}
	}
	return held
}

// placeholders returns the error for a per-token column that holds
// placeholders (values not read, Reader.Needs) in the buffered rows but is
// not copied from the input (copied[i] false): it cannot be encoded.
func (f *follower) placeholders(w *Writer, copied []bool) error {
	var held uint16
	for _, p := range w.rows {
		held |= p.src.skipped & p.src.unchanged
	}
	if held == 0 {
		return nil
	}
	for i, c := range w.cols {
		k := c.arrayBit()
		if k >= 0 && held&(1<<k) != 0 && (copied == nil || !copied[i]) {
			return fmt.Errorf("parquet: column %s was not read from the input (Reader.Needs) and cannot be copied into this row group: it cannot be written", c.path[0])
		}
	}
	return nil
}

// copyChunk writes the input's chunk of output column i for the buffered
// row group.
func (f *follower) copyChunk(w *Writer, i int) (format.ColumnChunk, error) {
	c := &w.cols[i]
	k := 0
	if c.kind == outFloats {
		k = 1 + c.field
	}
	g := w.rows[0].src.group
	in := f.r.file.Metadata().RowGroups[g].Columns[f.src[k]]
	m := in.MetaData
	start := m.DataPageOffset
	if m.DictionaryPageOffset > 0 && m.DictionaryPageOffset < start {
		start = m.DictionaryPageOffset
	}
	n := m.TotalCompressedSize
	at := w.out.n
	if err := f.copyBytes(w, start, n); err != nil {
		return format.ColumnChunk{}, fmt.Errorf("copying column %s of input row group %d: %w", c.path[0], g+1, err)
	}
	if w.out.n-at != n {
		return format.ColumnChunk{}, fmt.Errorf("copying column %s of input row group %d: the input file is shorter than its footer says", c.path[0], g+1)
	}
	md := m
	md.PathInSchema = slices.Clone(c.path)
	md.DataPageOffset = at + (m.DataPageOffset - start)
	if m.DictionaryPageOffset > 0 {
		md.DictionaryPageOffset = at + (m.DictionaryPageOffset - start)
	}
	md.IndexPageOffset = 0
	md.BloomFilterOffset, md.BloomFilterLength = 0, 0
	md.Encoding = slices.Clone(m.Encoding)
	md.EncodingStats = slices.Clone(m.EncodingStats)
	md.KeyValueMetadata = slices.Clone(m.KeyValueMetadata)
	f.copied++
	return format.ColumnChunk{MetaData: md}, nil
}

// fileSource is implemented by an input that is an open file (as the
// counting reader of credit/stream is).
type fileSource interface{ File() *os.File }

// copyBytes copies n bytes of the input at start to the output. From a file
// to a file it lets the kernel copy (os.File.ReadFrom: copy_file_range on
// Linux), else it reads and writes through a buffer.
func (f *follower) copyBytes(w *Writer, start, n int64) error {
	src, ok := f.r.r.(*os.File)
	if fs, isFS := f.r.r.(fileSource); isFS {
		src, ok = fs.File(), true
	}
	if rf, isRF := w.out.w.(io.ReaderFrom); ok && isRF {
		if _, err := src.Seek(start, io.SeekStart); err == nil {
			k, err := rf.ReadFrom(&io.LimitedReader{R: src, N: n})
			w.out.n += k
			return err
		}
	}
	if f.buf == nil {
		f.buf = make([]byte, 1<<20)
	}
	_, err := io.CopyBuffer(struct{ io.Writer }{w.out}, io.NewSectionReader(f.r.r, start, n), f.buf)
	return err
}

// readerClosing is called when the Reader is closed: the buffered rows are
// written now, while the input can still be read, and the following ends.
func (f *follower) readerClosing() {
	w := f.w
	if f.on && w.err == nil && !w.closed {
		if !w.started && len(w.pending) > 0 {
			w.start()
		}
		if len(w.rows) > 0 {
			w.flush()
		}
	}
	f.stop()
}

// flushed is called after a row group is written.
func (f *follower) flushed(w *Writer) {}

// CopiedChunks is the number of column chunks that w copied from the input
// under Follow.
func (w *Writer) CopiedChunks() int {
	if w.follow == nil {
		return 0
	}
	return w.follow.copied
}
