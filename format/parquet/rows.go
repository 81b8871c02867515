package parquet

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"

	pq "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding"
	"github.com/parquet-go/parquet-go/format"

	"github.com/credo-rl/credo/rollout"
)

// Rows are assembled column by column, readBatch rows at a time, the way
// the library's own row reader (RowGroup.Rows) does it, so that rows, end of
// row group and read errors come out exactly as they would from it. Lists of
// numbers (the per-token arrays) do not go through parquet.Value at all:
// their pages are read as definition/repetition levels and a typed array of
// values, and each row's array is copied out in one go. The other columns
// are read as parquet.Values through the pages' value readers.

// leafReader reads the pages of one leaf column of the current row group.
type leafReader struct {
	pages  pq.Pages
	absent bool // the row group has no chunk for this leaf
	done   bool // the chunk is exhausted

	// Columns read as values.
	vr       pq.ValueReader // values of the current page
	buf      []pq.Value     // values read from the page, buf[off:end] not yet used
	off, end int
	arena    []pq.Value // values of the rows of the batch
	bounds   []int      // row k of the batch is arena[bounds[k]:bounds[k+1]]

	// Lists of numbers.
	list    *column
	maxDef  byte
	integer bool     // the leaf holds integers: values are widened to int64
	cur     listPage // page being read
	next    listPage // page read ahead to see whether a row goes on
	spare   [2]listScratch
	res     []listCell // per row of the batch
	accDef  []byte     // a row that spans pages: its levels and values
	accInts []int64
	accFlts []float64
	vals    []pq.Value // scratch for pages decoded through their value reader

	// Skipping (skip.go).
	skip    int         // skipNone, skipValues or skipCopy
	src     io.ReaderAt // the file (skipValues)
	lvPages []pageInfo  // the pages of the chunk (skipValues)
	lvNext  int         // next of lvPages
	lvBuf   []byte      // levels of a page as read
	zi      []int64     // zeros for placeholders
	zf      []float64
	codec   format.CompressionCodec // of the chunk (skipValues, ownValues)
	valBuf  []byte                  // decompressed values of a page (skipValues, ownValues)
	dict    []float64               // ownValues: the chunk's dictionary
	dictOK  bool                    // its values are finite (and >= 0 for the mask)
}

// listPage is a page of a list column: its levels and its non-null values,
// widened to int64 (integer leaves, raw bits) or float64 (other leaves).
type listPage struct {
	page     pq.Page
	rep, def []byte
	ints     []int64
	flts     []float64
	pos, nv  int  // next level, next value
	scratch  int  // 1 + index of the listScratch holding the widened values, 0 if none
	own      bool // read by readLevelsPage (skipValues, ownValues), not by the library
	skip     bool // the values are not kept (skipValues)
	checked  bool // ownValues: the values are finite (and >= 0 for the mask)
}

// loaded reports a page being held.
func (p *listPage) loaded() bool { return p.page != nil || p.own }

type listScratch struct {
	ints     []int64
	flts     []float64
	rep, def []byte // levels of a skipValues page
	used     bool
}

// listCell is the decoded array of a list column in one row of the batch.
type listCell struct {
	present bool
	ints    []int64
	flts    []float64
	err     error
	checked bool // flts were checked valid when read (ownValues): finite, and >= 0 for the mask
}

// openGroup prepares reading row group g.
func (r *Reader) openGroup(g pq.RowGroup) {
	chunks := g.ColumnChunks()
	if r.leaf == nil {
		r.leaf = make([]leafReader, r.leaves)
		for i := range r.plan {
			c := &r.plan[i]
			if c.kind == kindTokens || c.kind == kindFloats {
				l := &r.leaf[c.first]
				l.list = c
				l.maxDef = byte(c.maxDef)
				l.integer = c.leafKind == pq.Int32 || c.leafKind == pq.Int64
				l.res = make([]listCell, readBatch)
			}
		}
		for i := range r.leaf {
			if r.leaf[i].list == nil {
				r.leaf[i].bounds = make([]int, readBatch+1)
			}
		}
	}
	for i := range r.leaf {
		l := &r.leaf[i]
		l.absent = i >= len(chunks)
		l.done = false
		l.skip = skipNone
		if !l.absent {
			l.pages = chunks[i].Pages()
		}
	}
	r.open, r.seeked = true, false
	r.skipping, r.ownFloats = 0, false
	r.inGroup, r.seekTo = 0, 0
}

// closeGroup releases the pages of the current row group.
func (r *Reader) closeGroup() {
	if !r.open {
		return
	}
	r.open = false
	for i := range r.leaf {
		l := &r.leaf[i]
		l.releaseList()
		l.vr, l.off, l.end = nil, 0, 0
		if l.pages != nil {
			p := l.pages
			l.pages = nil
			p.Close()
		}
	}
}

// readRows reads the next rows of the current row group into the batch: it
// returns the number of rows and whether a column chunk came to its end
// (then the row group is done after these rows).
func (r *Reader) readRows() (n int, eof bool, err error) {
	if !r.seeked {
		// Like the library's row reader, start by seeking to the first row.
		for i := range r.leaf {
			if l := &r.leaf[i]; !l.absent && l.pages != nil {
				if err := l.pages.SeekToRow(int64(r.seekTo)); err != nil {
					return 0, false, err
				}
			}
		}
		r.seeked = true
	}
	for i := range r.leaf {
		l := &r.leaf[i]
		if l.absent {
			continue
		}
		if l.list == nil {
			l.arena = l.arena[:0]
		}
		for k := range readBatch {
			var got, end bool
			if l.list != nil {
				got, end, err = l.listRow(&l.res[k])
			} else {
				got, end, err = l.valueRow()
				l.bounds[k+1] = len(l.arena)
			}
			if err != nil {
				return 0, false, err
			}
			if got {
				n = max(n, k+1)
			}
			eof = eof || end
		}
	}
	return n, eof, nil
}

// rowValues returns the values of leaf i in row k of the batch (none if the
// column has no such row).
func (r *Reader) rowValues(i, k int) []pq.Value {
	l := &r.leaf[i]
	if l.absent || l.list != nil {
		return nil
	}
	return l.arena[l.bounds[k]:l.bounds[k+1]:l.bounds[k+1]]
}

// present reports whether leaf i has row k of the batch.
func (r *Reader) present(i, k int) bool {
	l := &r.leaf[i]
	switch {
	case l.absent:
		return false
	case l.list != nil:
		return l.res[k].present
	}
	return l.bounds[k+1] > l.bounds[k]
}

// readValues reads values of the column, going from page to page, like the
// library's column chunk value reader.
func (l *leafReader) readValues() (int, error) {
	if l.buf == nil {
		l.buf = make([]pq.Value, 256)
	}
	for {
		if l.vr == nil {
			p, err := l.pages.ReadPage()
			if err != nil {
				return 0, err
			}
			// The page is not released: byte arrays of the values point
			// into it and stay in use until the row is decoded.
			l.vr = p.Values()
		}
		n, err := l.vr.ReadValues(l.buf)
		if n > 0 {
			return n, nil
		}
		if err == nil {
			return 0, io.ErrNoProgress
		}
		if err != io.EOF {
			return 0, err
		}
		l.vr = nil
	}
}

// valueRow appends the values of the next row to the arena: a row starts
// with the next value and goes on while values repeat (repetition level >
// 0). end reports the end of the column chunk.
func (l *leafReader) valueRow() (got, end bool, err error) {
	if l.done {
		return false, true, nil
	}
	inRow := 1
	for {
		if l.off == l.end {
			n, err := l.readValues()
			l.off, l.end = 0, n
			if n == 0 {
				if err == io.EOF {
					l.done = true
					return got, true, nil
				}
				return got, false, err
			}
		}
		values := l.buf[l.off:l.end]
		for inRow < len(values) && values[inRow].RepetitionLevel() != 0 {
			inRow++
		}
		if inRow == 0 {
			return got, false, nil
		}
		l.arena = append(l.arena, values[:inRow]...)
		got = true
		l.off += inRow
		if inRow != len(values) {
			return got, false, nil
		}
		inRow = 0
	}
}

func (l *leafReader) releaseList() {
	l.releasePage(&l.cur)
	l.releasePage(&l.next)
}

func (l *leafReader) releasePage(p *listPage) {
	if p.scratch > 0 {
		l.spare[p.scratch-1].used = false
	}
	page := p.page
	*p = listPage{}
	if page != nil {
		pq.Release(page)
	}
}

// readListPage reads the next page with levels into p, skipping empty ones.
// It returns false at the end of the column chunk.
func (l *leafReader) readListPage(p *listPage) (bool, error) {
	if l.skip == skipValues || l.skip == ownValues {
		*p = listPage{}
		if l.done {
			return false, nil
		}
		ok, err := l.readLevelsPage(l.src, p)
		if err != nil {
			l.releasePage(p)
		}
		return ok, err
	}
	for {
		if l.done {
			return false, nil
		}
		page, err := l.pages.ReadPage()
		if err == io.EOF {
			l.done = true
			return false, nil
		}
		if err != nil {
			return false, err
		}
		*p = listPage{page: page}
		if err := l.loadListPage(p); err != nil {
			l.releasePage(p)
			return false, err
		}
		if len(p.def) > 0 {
			return true, nil
		}
		l.releasePage(p)
	}
}

var errListPage = errors.New("corrupt file: a page of a list column has fewer repetition levels than definition levels")

// typedKind is the kind of the typed arrays of pages of a leaf kind.
func typedKind(k pq.Kind) encoding.Kind {
	switch k {
	case pq.Int32:
		return encoding.Int32
	case pq.Int64:
		return encoding.Int64
	case pq.Float:
		return encoding.Float
	case pq.Double:
		return encoding.Double
	}
	return encoding.Undefined
}

// loadListPage takes the levels and values of p.page.
func (l *leafReader) loadListPage(p *listPage) error {
	page := p.page
	p.rep, p.def = page.RepetitionLevels(), page.DefinitionLevels()
	if len(p.rep) < len(p.def) {
		return errListPage
	}
	if len(p.def) == 0 {
		return nil
	}
	need := bytes.Count(p.def, []byte{l.maxDef})
	kind := l.list.leafKind
	want := typedKind(kind)
	data := page.Data()
	dict := page.Dictionary()
	switch {
	case want == encoding.Undefined:
		return l.loadValues(p, need)
	case dict != nil:
		dv := dict.Page().Data()
		if data.Kind() != encoding.Int32 || dv.Kind() != want {
			return l.loadValues(p, need)
		}
		idx := data.Int32()
		idx = idx[:min(len(idx), need)]
		s := l.scratch(p)
		ok := false
		switch kind {
		case pq.Int32:
			s.ints, ok = lookup(s.ints, dv.Int32(), idx, l.widen32())
			p.ints = s.ints
		case pq.Int64:
			s.ints, ok = lookup(s.ints, dv.Int64(), idx, func(x int64) int64 { return x })
			p.ints = s.ints
		case pq.Float:
			s.flts, ok = lookup(s.flts, dv.Float(), idx, func(x float32) float64 { return float64(x) })
			p.flts = s.flts
		case pq.Double:
			s.flts, ok = lookup(s.flts, dv.Double(), idx, func(x float64) float64 { return x })
			p.flts = s.flts
		}
		if !ok {
			return fmt.Errorf("corrupt file: dictionary index out of range in a page of column %s", l.list.name)
		}
		l.truncate(p, need)
		return nil
	case data.Kind() != want:
		return l.loadValues(p, need)
	}
	switch kind {
	case pq.Int32:
		s := l.scratch(p)
		s.ints = widen(s.ints, data.Int32(), l.widen32())
		p.ints = s.ints
	case pq.Int64:
		p.ints = data.Int64()
	case pq.Float:
		s := l.scratch(p)
		s.flts = widen(s.flts, data.Float(), func(x float32) float64 { return float64(x) })
		p.flts = s.flts
	case pq.Double:
		p.flts = data.Double()
	}
	l.truncate(p, need)
	return nil
}

// truncate cuts the levels of p short when the page has fewer values than
// its definition levels call for: the library's value reader stops at the
// first level without a value and goes on with the next page.
func (l *leafReader) truncate(p *listPage, need int) {
	have := len(p.flts)
	if l.integer {
		have = len(p.ints)
	}
	if have >= need {
		return
	}
	for i, d := range p.def {
		if d == l.maxDef {
			if have == 0 {
				p.def, p.rep = p.def[:i], p.rep[:i]
				return
			}
			have--
		}
	}
}

// loadValues takes the values of a page that has no typed array of its own
// kind (booleans and anything unusual) through its value reader: booleans
// become 0/1, integers their raw int64 bits (uint32 zero-extended).
func (l *leafReader) loadValues(p *listPage, need int) error {
	s := l.scratch(p)
	s.ints, s.flts = s.ints[:0], s.flts[:0]
	c := l.list
	if cap(l.vals) == 0 {
		l.vals = make([]pq.Value, 256)
	}
	vr := p.page.Values()
	for {
		n, err := vr.ReadValues(l.vals)
		for _, v := range l.vals[:n] {
			if v.DefinitionLevel() != int(l.maxDef) {
				continue
			}
			switch {
			case c.leafKind == pq.Int32 && c.unsigned:
				s.ints = append(s.ints, int64(v.Uint32()))
			case c.leafKind == pq.Int32:
				s.ints = append(s.ints, int64(v.Int32()))
			case l.integer:
				s.ints = append(s.ints, v.Int64())
			case c.leafKind == pq.Boolean:
				x := 0.0
				if v.Boolean() {
					x = 1
				}
				s.flts = append(s.flts, x)
			case c.leafKind == pq.Float:
				s.flts = append(s.flts, float64(v.Float()))
			default:
				s.flts = append(s.flts, v.Double())
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if n == 0 {
			return io.ErrNoProgress
		}
	}
	p.ints, p.flts = s.ints, s.flts
	l.truncate(p, need)
	return nil
}

// scratch returns a free buffer for the widened values of p.
func (l *leafReader) scratch(p *listPage) *listScratch {
	for i := range l.spare {
		if !l.spare[i].used {
			l.spare[i].used = true
			p.scratch = i + 1
			return &l.spare[i]
		}
	}
	panic("parquet: no free list scratch buffer") // at most two pages are held
}

// widen32 converts an int32 value to the raw int64 of column.integer.
func (l *leafReader) widen32() func(int32) int64 {
	if l.list.unsigned {
		return func(x int32) int64 { return int64(uint32(x)) }
	}
	return func(x int32) int64 { return int64(x) }
}

func widen[S, D any](dst []D, src []S, f func(S) D) []D {
	dst = dst[:0]
	if cap(dst) < len(src) {
		dst = make([]D, 0, len(src))
	}
	for _, x := range src {
		dst = append(dst, f(x))
	}
	return dst
}

func lookup[S, D any](dst []D, dict []S, idx []int32, f func(S) D) ([]D, bool) {
	dst = dst[:0]
	if cap(dst) < len(idx) {
		dst = make([]D, 0, len(idx))
	}
	for _, i := range idx {
		if i < 0 || int(i) >= len(dict) {
			return dst, false
		}
		dst = append(dst, f(dict[i]))
	}
	return dst, true
}

// listRow decodes the next row of a list column into res: a row starts
// with the next level and goes on while levels repeat, across pages. end
// reports the end of the column chunk.
func (l *leafReader) listRow(res *listCell) (got, end bool, err error) {
	*res = listCell{}
	p := &l.cur
	if !p.loaded() || p.pos >= len(p.def) {
		l.releasePage(p)
		if l.next.loaded() {
			*p, l.next = l.next, listPage{}
		} else if ok, err := l.readListPage(p); err != nil {
			return false, false, err
		} else if !ok {
			return false, true, nil
		}
	}
	start := p.pos
	e := len(p.def)
	if i := bytes.IndexByte(p.rep[start+1:len(p.def)], 0); i >= 0 {
		e = start + 1 + i
	}
	if e == len(p.def) {
		// The row reaches the end of the page: it goes on if the next page
		// starts with a repeated level.
		ok, err := l.readListPage(&l.next)
		if err != nil {
			return false, false, err
		}
		end = !ok
		if ok && l.next.rep[0] != 0 {
			end, err = l.spanningRow(res)
			return err == nil, end, err
		}
	}
	defs := p.def[start:e]
	k := bytes.Count(defs, []byte{l.maxDef})
	switch {
	case p.skip:
		l.finishSkipped(res, defs, k)
	case l.skip == ownValues:
		l.finishOwn(res, defs, p.flts[p.nv:p.nv+k], p.checked)
	case l.integer:
		l.finishRow(res, defs, p.ints[p.nv:p.nv+k], nil)
	default:
		l.finishRow(res, defs, nil, p.flts[p.nv:p.nv+k])
	}
	p.pos, p.nv = e, p.nv+k
	res.present = true
	return true, end, nil
}

// spanningRow decodes a row that starts at l.cur.pos and goes on in the
// pages after it (l.next is the first of them). end reports the end of the
// column chunk.
func (l *leafReader) spanningRow(res *listCell) (end bool, err error) {
	l.accDef, l.accInts, l.accFlts = l.accDef[:0], l.accInts[:0], l.accFlts[:0]
	p := &l.cur
	start, e := p.pos, len(p.def)
	skipped := 0 // values not read (skipValues)
	for {
		defs := p.def[start:e]
		k := bytes.Count(defs, []byte{l.maxDef})
		l.accDef = append(l.accDef, defs...)
		if p.skip {
			skipped += k
		} else if l.integer {
			l.accInts = append(l.accInts, p.ints[p.nv:p.nv+k]...)
		} else {
			l.accFlts = append(l.accFlts, p.flts[p.nv:p.nv+k]...)
		}
		p.pos, p.nv = e, p.nv+k
		if e < len(p.def) {
			break // the row ends in this page
		}
		if !l.next.loaded() {
			ok, err := l.readListPage(&l.next)
			if err != nil {
				return false, err
			}
			if !ok {
				end = true // end of the column chunk
				break
			}
		}
		if l.next.rep[0] == 0 {
			break // the next page starts a new row
		}
		l.releasePage(p)
		*p, l.next = l.next, listPage{}
		start, e = 0, len(p.def)
		if i := bytes.IndexByte(p.rep[:len(p.def)], 0); i >= 0 {
			e = i
		}
	}
	if l.skip == skipValues {
		l.finishSkipped(res, l.accDef, skipped)
	} else {
		l.finishRow(res, l.accDef, l.accInts, l.accFlts)
	}
	res.present = true
	return end, nil
}

// listShapeOf returns the number of elements of a list row from its
// definition levels, or -1 for null. Levels below nullBelow or emptyBelow
// are a null or empty list and must come alone; the other levels are
// elements, which finishInts and finishFloats check for nulls.
func (c *column) listShapeOf(defs []byte) (int, error) {
	d := int(defs[0])
	switch {
	case d < c.nullBelow:
		if len(defs) != 1 {
			return 0, errCorrupt
		}
		return -1, nil
	case d < c.emptyBelow:
		if len(defs) != 1 {
			return 0, errCorrupt
		}
		if c.bare && c.kind == kindFloats {
			return -1, nil // a bare repeated column cannot say null
		}
		return 0, nil
	}
	return len(defs), nil
}

// nullLevel returns the error naming the first null element of a list row.
func (c *column) nullLevel(defs []byte) error {
	for i, d := range defs {
		if int(d) != c.maxDef {
			return &rollout.FieldError{Field: fmt.Sprintf("%s[%d]", c.name, i), Msg: "null, want a number"}
		}
	}
	return nil
}

// finish decodes a list row into res: tokens from ints, floats from flts
// (float leaves) or ints (integer leaves).
func (c *column) finish(res *listCell, defs []byte, ints []int64, flts []float64) {
	if c.kind == kindTokens {
		res.ints, res.err = c.finishInts(defs, ints)
	} else {
		res.flts, res.err = c.finishFloats(defs, flts, ints)
	}
}

// finishInts decodes the token ids of a row given by its definition levels
// and its non-null values (raw int64 bits of the leaf): unsigned 64-bit ids
// beyond int64 are an error, reported before null elements.
func (c *column) finishInts(defs []byte, vals []int64) ([]int64, error) {
	n, err := c.listShapeOf(defs)
	if err != nil || n < 0 {
		return nil, err
	}
	u64 := c.unsigned && c.leafKind == pq.Int64
	if len(vals) == n {
		if u64 {
			for i, x := range vals {
				if x < 0 {
					return nil, overflow(c, i, x)
				}
			}
		}
		return clone(vals), nil
	}
	// Null elements: a token id too large is reported first, as by tokens.
	if u64 {
		j := 0
		for i, d := range defs {
			if int(d) == c.maxDef {
				if vals[j] < 0 {
					return nil, overflow(c, i, vals[j])
				}
				j++
			}
		}
	}
	return nil, c.nullLevel(defs)
}

func overflow(c *column, i int, x int64) error {
	return &rollout.FieldError{Field: fmt.Sprintf("%s[%d]", c.name, i), Msg: fmt.Sprintf("token id %d does not fit in int64", uint64(x))}
}

// finishFloats decodes a per-token float array of a row given by its
// definition levels and its non-null values: flts for float and boolean
// leaves, ints (raw int64 bits) for integer leaves.
func (c *column) finishFloats(defs []byte, flts []float64, ints []int64) ([]float64, error) {
	n, err := c.listShapeOf(defs)
	if err != nil || n < 0 {
		return nil, err
	}
	integer := c.leafKind == pq.Int32 || c.leafKind == pq.Int64
	if (integer && len(ints) != n) || (!integer && len(flts) != n) {
		return nil, c.nullLevel(defs)
	}
	if !integer {
		return clone(flts), nil
	}
	out := make([]float64, n)
	u64 := c.unsigned && c.leafKind == pq.Int64
	for i, x := range ints {
		if u64 && x < 0 {
			x = math.MaxInt64 // as column.integer
		}
		out[i] = float64(x)
	}
	return out, nil
}

// clone returns a copy of xs with cap == len, non-nil when xs is empty.
// Appending to a nil slice does not zero the memory it then overwrites,
// unlike make.
func clone[T int64 | float64](xs []T) []T {
	if len(xs) == 0 {
		return make([]T, 0)
	}
	out := append([]T(nil), xs...)
	return out[:len(xs):len(xs)]
}
