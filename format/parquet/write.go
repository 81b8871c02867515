package parquet

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"unsafe"

	pq "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"

	"github.com/credo-rl/credo/rollout"
)

// DefaultRowGroupRows is the number of rows per row group of a Writer.
const DefaultRowGroupRows = 1024

// Writer writes trajectories as rows of a Parquet file. Rows are buffered
// and written a row group at a time; the file is complete only after Close.
// Pages are encoded by the Writer itself (see encode.go).
type Writer struct {
	// RowGroupRows is the number of rows per row group (DefaultRowGroupRows
	// when <= 0). Memory use is about one row group of data. Set it before
	// the first Write.
	RowGroupRows int

	out      *countWriter
	started  bool
	starting bool // writing the pending rows
	schema   *pq.Schema
	meta     format.FileMetaData // schema, version and creator of the file
	cols     []outColumn         // per leaf column, in schema order
	extras   map[string]bool
	pending  []*prepared // rows of the first row group, before the schema is fixed
	rows     []*prepared // rows of the current row group
	arena    arena
	enc      pageEncoder
	dict     floatDict
	kept     [9]*chunkOut // float chunks encoded in this row group, by field (sameFloats)
	keptBuf  [9][]byte
	groups   []format.RowGroup
	total    int64
	err      error
	closed   bool

	follow *follower // see Follow
}

// countWriter counts the bytes written, which are the file offsets.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Leaf columns of the written schema.
const (
	outUID = iota
	outTrajUID
	outVersion
	outTokens
	outFloats // per-token float list; field selects which
	outParentTraj
	outParentToken
	outProbe
	outGroundTruth
	outJSON // structured field as JSON text; field selects which
	outCredoExtra
	outExtra
)

type outColumn struct {
	kind   int
	field  int    // outFloats: index in floatFields; outJSON: index in jsonFields
	name   string // outExtra: the Extra key
	path   []string
	typ    format.Type
	maxDef int
	maxRep int
	node   pq.Node // the leaf
	top    pq.Node // the top-level field
}

// arrayBit is the column's bit in the masks of per-token arrays kept by
// a follower (0: token ids, 1+i: floatFields[i]), or -1 for the others.
func (c *outColumn) arrayBit() int {
	switch c.kind {
	case outTokens:
		return 0
	case outFloats:
		return 1 + c.field
	}
	return -1
}

var floatFields = []string{"response_mask", "old_log_probs", "ref_log_prob", "token_level_rewards", "values", "advantages", "returns", "loss_weights", "rollout_log_probs"}

func floatsOf(t *rollout.Trajectory) [9][]float64 {
	return [9][]float64{t.Mask, t.OldLogProbs, t.RefLogProbs, t.TokenRewards, t.Values, t.Advantages, t.Returns, t.LossWeights, t.RolloutLogProbs}
}

var jsonFields = []string{"rewards", "features", "log_probs", "token_scores", "token_tags", "steps"}

// prepared is a trajectory ready to be written: structured fields in JSON,
// Extra checked.
type prepared struct {
	group, id, groundTruth string
	parent                 *rollout.Branch
	probe                  bool
	tokens                 []int64
	floats                 [9][]float64
	json                   [6][]byte // nil = null
	extra                  map[string]json.RawMessage
	credoExtra             []byte
	src                    origin // Follow: where the row came from
}

// NewWriter writes to w. Call Close when done; Close does not close w.
func NewWriter(w io.Writer) *Writer { return &Writer{out: &countWriter{w: w}} }

func (w *Writer) groupRows() int {
	if w.RowGroupRows <= 0 {
		return DefaultRowGroupRows
	}
	return w.RowGroupRows
}

// Write writes one trajectory, stamped with the current format version, and
// its unknown input fields (Extra). It does not keep t (but see Follow).
func (w *Writer) Write(t *rollout.Trajectory) error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return fmt.Errorf("parquet: write after Close")
	}
	p, err := w.prepare(t)
	if err != nil {
		return fmt.Errorf("trajectory %q: %w", t.ID, err)
	}
	if !w.started {
		w.pending = append(w.pending, p)
		if len(w.pending) >= w.groupRows() {
			return w.start()
		}
		return nil
	}
	w.add(p)
	if w.groupDone() {
		return w.flush()
	}
	return nil
}

// Close writes the buffered rows and the footer.
func (w *Writer) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	if w.err != nil {
		return w.err
	}
	if !w.started {
		if err := w.start(); err != nil {
			return err
		}
	}
	if err := w.flush(); err != nil {
		return err
	}
	md := w.meta
	md.NumRows = w.total
	md.RowGroups = w.groups
	fb, err := thrift.Marshal(new(thrift.CompactProtocol), &md)
	if err != nil {
		w.err = err
		return err
	}
	fb = binary.LittleEndian.AppendUint32(fb, uint32(len(fb)))
	fb = append(fb, "PAR1"...)
	if _, err := w.out.Write(fb); err != nil {
		w.err = err
	}
	return w.err
}

var listOfDouble = pq.Optional(pq.List(pq.Leaf(pq.DoubleType)))

// start fixes the schema from the buffered first row group and writes the
// file header.
func (w *Writer) start() error {
	w.started = true
	g := pq.Group{
		"uid":           pq.String(),
		"traj_uid":      pq.String(),
		"credo_version": pq.Optional(pq.Int(32)),
		"responses":     pq.List(pq.Int(64)),
		"parent":        pq.Optional(pq.Group{"traj_uid": pq.String(), "token": pq.Int(64)}),
		"probe":         pq.Optional(pq.Leaf(pq.BooleanType)),
		"ground_truth":  pq.Optional(pq.String()),
		"credo_extra":   pq.Optional(pq.JSON()),
	}
	for _, f := range floatFields {
		g[f] = listOfDouble
	}
	for _, f := range jsonFields {
		g[f] = pq.Optional(pq.JSON())
	}
	w.extras = map[string]bool{}
	for _, p := range w.pending {
		for k := range p.extra {
			g[k] = pq.Optional(pq.JSON())
			w.extras[k] = true
		}
	}
	w.schema = pq.NewSchema("credo", g)
	// The schema elements, version and creator of the footer are those the
	// Parquet library writes for this schema: take them from an empty file.
	var empty bytes.Buffer
	ew := pq.NewGenericWriter[any](&empty, w.schema, pq.CreatedBy("credo", "", ""))
	if err := ew.Close(); err != nil {
		w.err = err
		return err
	}
	f, err := pq.OpenFile(bytes.NewReader(empty.Bytes()), int64(empty.Len()))
	if err != nil {
		w.err = err
		return err
	}
	em := f.Metadata()
	w.meta = format.FileMetaData{Version: em.Version, Schema: em.Schema, CreatedBy: em.CreatedBy, KeyValueMetadata: em.KeyValueMetadata, ColumnOrders: em.ColumnOrders}
	w.cols = nil
	for _, path := range w.schema.Columns() {
		c := outColumn{kind: outExtra, name: path[0], path: path}
		leaf, _ := w.schema.Lookup(path...)
		c.node, c.maxDef, c.maxRep = leaf.Node, leaf.MaxDefinitionLevel, leaf.MaxRepetitionLevel
		c.top = fieldOf(w.schema, path[0])
		switch leaf.Node.Type().Kind() {
		case pq.Boolean:
			c.typ = format.Boolean
		case pq.Int32:
			c.typ = format.Int32
		case pq.Int64:
			c.typ = format.Int64
		case pq.Double:
			c.typ = format.Double
		default:
			c.typ = format.ByteArray
		}
		switch path[0] {
		case "uid":
			c.kind = outUID
		case "traj_uid":
			c.kind = outTrajUID
		case "credo_version":
			c.kind = outVersion
		case "responses":
			c.kind = outTokens
		case "parent":
			c.kind = outParentTraj
			if path[len(path)-1] == "token" {
				c.kind = outParentToken
			}
		case "probe":
			c.kind = outProbe
		case "ground_truth":
			c.kind = outGroundTruth
		case "credo_extra":
			c.kind = outCredoExtra
		}
		if i := slices.Index(floatFields, path[0]); i >= 0 {
			c.kind, c.field = outFloats, i
		}
		if i := slices.Index(jsonFields, path[0]); i >= 0 {
			c.kind, c.field = outJSON, i
		}
		w.cols = append(w.cols, c)
	}
	if _, err := w.out.Write([]byte("PAR1")); err != nil {
		w.err = err
		return err
	}
	// The pending rows share the arena: it is reused only after the last
	// of them is written.
	pending := w.pending
	w.pending = nil
	w.starting = true
	for i, p := range pending {
		w.add(p)
		if w.groupDone() || i == len(pending)-1 {
			if err := w.flush(); err != nil {
				return err
			}
		}
	}
	w.starting = false
	w.arena.reset()
	return nil
}

func fieldOf(s *pq.Schema, name string) pq.Node {
	for _, f := range s.Fields() {
		if f.Name() == name {
			return f
		}
	}
	return nil
}

// add buffers the row p in the current row group.
func (w *Writer) add(p *prepared) {
	p.credoExtra = w.credoExtra(p)
	w.rows = append(w.rows, p)
	if w.follow != nil {
		w.follow.added(w, p)
	}
}

// groupDone reports whether the current row group is complete.
func (w *Writer) groupDone() bool {
	if w.follow != nil && w.follow.active() {
		return w.follow.groupDone(w)
	}
	return len(w.rows) >= w.groupRows()
}

// flush encodes and writes the current row group.
func (w *Writer) flush() error {
	if len(w.rows) == 0 || w.err != nil {
		return w.err
	}
	rg := format.RowGroup{NumRows: int64(len(w.rows)), Ordinal: int16(len(w.groups)), FileOffset: w.out.n}
	var copied []bool
	if w.follow != nil {
		copied = w.follow.copyable(w)
		if err := w.follow.placeholders(w, copied); err != nil {
			w.err = err
			return err
		}
	}
	for i := range w.cols {
		start := w.out.n
		var cc format.ColumnChunk
		var err error
		if copied != nil && copied[i] {
			cc, err = w.follow.copyChunk(w, i)
		} else {
			cc, err = w.writeChunk(i)
		}
		if err != nil {
			w.err = err
			return err
		}
		cc.FileOffset = start
		rg.TotalByteSize += cc.MetaData.TotalUncompressedSize
		rg.TotalCompressedSize += cc.MetaData.TotalCompressedSize
		rg.Columns = append(rg.Columns, cc)
	}
	w.groups = append(w.groups, rg)
	for g, kept := range w.kept {
		if kept != nil {
			w.keptBuf[g], w.kept[g] = kept.data[:0], nil // the buffer is reused
		}
	}
	w.total += rg.NumRows
	clear(w.rows)
	w.rows = w.rows[:0]
	if !w.starting {
		w.arena.reset()
	}
	if w.follow != nil {
		w.follow.flushed(w)
	}
	return nil
}

// writeChunk encodes column i of the buffered rows and writes it.
func (w *Writer) writeChunk(i int) (format.ColumnChunk, error) {
	c := &w.cols[i]
	e := &w.enc
	co := chunkOut{data: e.body[:0]}
	switch c.kind {
	case outFloats:
		if same := w.sameFloats(c.field); same != nil {
			// The rows share this column's arrays with a column written
			// before (verl's returns are its advantages): same pages.
			co = *same
			co.data = append(co.data[:0:0], same.data...)
			break
		}
		w.floatChunk(c, &co)
		if len(co.data) <= 16<<20 {
			kept := co
			kept.data = append(w.keptBuf[c.field][:0], co.data...)
			w.kept[c.field] = &kept
		}
	case outTokens:
		w.tokenChunk(c, &co)
	default:
		w.scalarChunk(c, &co)
	}
	e.body = co.data
	start := w.out.n
	if _, err := w.out.Write(co.data); err != nil {
		return format.ColumnChunk{}, err
	}
	md := format.ColumnMetaData{
		Type: c.typ, Encoding: co.encodings, PathInSchema: c.path, Codec: format.Snappy,
		NumValues: co.numValues, TotalUncompressedSize: co.uncompSize, TotalCompressedSize: int64(len(co.data)),
		DataPageOffset: start + int64(co.dictLen),
		Statistics:     format.Statistics{NullCount: co.nulls},
	}
	if co.dictLen > 0 {
		md.DictionaryPageOffset = start
	}
	return format.ColumnChunk{MetaData: md}, nil
}

// sameFloats returns the chunk of a float column encoded before in this
// row group whose arrays are, in every row, those of field f (same slice
// headers), or nil.
func (w *Writer) sameFloats(f int) *chunkOut {
	for g, kept := range w.kept {
		if kept == nil || g == f {
			continue
		}
		same := true
		for _, p := range w.rows {
			if hdr(p.floats[f]) != hdr(p.floats[g]) {
				same = false
				break
			}
		}
		if same {
			return kept
		}
	}
	return nil
}

// tokenChunk encodes responses: a required list of required int64 (levels:
// empty list 0, element 1).
func (w *Writer) tokenChunk(c *outColumn, co *chunkOut) {
	e := &w.enc
	co.encodings = []format.Encoding{format.Plain, format.RLE}
	e.startPage(c.maxRep, c.maxDef)
	levels, nulls, rows := 0, 0, 0
	for k, p := range w.rows {
		lv, nl := e.listLevels(len(p.tokens), 0, 0, c.maxDef)
		e.vals = appendInts(e.vals, p.tokens)
		levels, nulls, rows = levels+lv, nulls+nl, rows+1
		if len(e.vals) >= pageBytes || levels >= pageLevels || k == len(w.rows)-1 {
			e.dataPage(co, format.Plain, levels, nulls, rows)
			e.startPage(c.maxRep, c.maxDef)
			levels, nulls, rows = 0, 0, 0
		}
	}
}

// floatChunk encodes a per-token float column: an optional list of
// required doubles (levels: null 0, empty 1, element 2), PLAIN or, when it
// has few runs of distinct values, RLE_DICTIONARY.
func (w *Writer) floatChunk(c *outColumn, co *chunkOut) {
	e := &w.enc
	f := c.field
	d, ok := w.dictionary(f)
	co.encodings = []format.Encoding{format.Plain, format.RLE}
	enc := format.Plain
	width := 0
	if ok {
		co.encodings = append(co.encodings, format.RLEDictionary)
		enc = format.RLEDictionary
		width = max(1, bitWidth(len(d.order)-1))
		e.vals = e.vals[:0]
		for _, b := range d.order {
			e.vals = binary.LittleEndian.AppendUint64(e.vals, b)
		}
		e.dictPage(co, len(d.order))
	}
	startPage := func() {
		e.startPage(c.maxRep, c.maxDef)
		if ok {
			e.idx.reset(width)
		}
	}
	startPage()
	levels, nulls, rows, vals, run := 0, 0, 0, 0, 0
	for k, p := range w.rows {
		xs := p.floats[f]
		n := len(xs)
		if xs == nil {
			n = -1
		}
		lv, nl := e.listLevels(n, 0, 1, c.maxDef)
		levels, nulls, rows = levels+lv, nulls+nl, rows+1
		if ok {
			// The runs of the row, found by dictionary.
			for left := len(xs); left > 0; run++ {
				r := d.runs[run]
				e.idx.add(uint32(r.index), int(r.n))
				left -= int(r.n)
			}
			vals += len(xs)
		} else {
			e.vals = appendFloats(e.vals, xs)
			vals = len(e.vals) / 8
		}
		if vals*8 >= pageBytes || levels >= pageLevels || k == len(w.rows)-1 {
			if ok {
				e.vals = append(e.vals[:0], byte(width))
				e.vals = append(e.vals, e.idx.bytes()...)
			}
			e.dataPage(co, enc, levels, nulls, rows)
			startPage()
			levels, nulls, rows, vals = 0, 0, 0, 0
		}
	}
}

// floatDict is the dictionary of a float column chunk: value bits to
// index, the values in index order, and the runs of equal values of the
// chunk's rows in order (a run does not go over the end of a row).
type floatDict struct {
	index map[uint64]int32
	order []uint64
	runs  []dictRun
}

type dictRun struct {
	index int32
	n     int32
}

// dictionary returns the dictionary of float field f over the buffered rows
// when it pays: at most maxDict distinct values, and runs of equal values
// at least 8 long on average.
func (w *Writer) dictionary(f int) (*floatDict, bool) {
	d := &w.dict
	clear(d.index)
	if d.index == nil {
		d.index = map[uint64]int32{}
	}
	d.order, d.runs = d.order[:0], d.runs[:0]
	total := 0
	for _, p := range w.rows {
		xs := p.floats[f]
		total += len(xs)
		for j := 0; j < len(xs); {
			b := math.Float64bits(xs[j])
			r := runEnd(xs, j)
			i, seen := d.index[b]
			if !seen {
				if len(d.order) == maxDict {
					return nil, false
				}
				i = int32(len(d.order))
				d.index[b] = i
				d.order = append(d.order, b)
			}
			for n := r - j; n > 0; n -= math.MaxInt32 {
				d.runs = append(d.runs, dictRun{index: i, n: int32(min(n, math.MaxInt32))})
			}
			j = r
		}
		if len(d.runs)*8 > total+4096 { // no long runs: PLAIN (found early)
			return nil, false
		}
	}
	if total == 0 || len(d.runs)*8 > total {
		return nil, false
	}
	return d, true
}

// runEnd returns the end of the run of values bitwise equal to xs[j]. Long
// runs are skipped 64 values at a time by comparing the bytes of xs with
// those of xs shifted by one value (a vectorised memory comparison).
func runEnd(xs []float64, j int) int {
	b := math.Float64bits(xs[j])
	r := j + 1
	for r < len(xs) && r-j < 8 && math.Float64bits(xs[r]) == b {
		r++
	}
	if r-j == 8 && littleEndian {
		all := unsafe.Slice((*byte)(unsafe.Pointer(&xs[0])), len(xs)*8)
		for r+64 <= len(xs) && bytes.Equal(all[(r-1)*8:(r+63)*8], all[r*8:(r+64)*8]) {
			r += 64
		}
	}
	for r < len(xs) && math.Float64bits(xs[r]) == b {
		r++
	}
	return r
}

// scalarChunk encodes a column with one value per row: required or
// optional byte arrays, int32, int64, booleans.
func (w *Writer) scalarChunk(c *outColumn, co *chunkOut) {
	e := &w.enc
	co.encodings = []format.Encoding{format.Plain, format.RLE}
	e.startPage(c.maxRep, c.maxDef)
	levels, nulls, rows, nb := 0, 0, 0, 0
	for k, p := range w.rows {
		var b []byte
		present := true
		switch c.kind {
		case outUID:
			b = []byte(p.group)
		case outTrajUID:
			b = []byte(p.id)
		case outGroundTruth:
			if p.groundTruth != "" {
				b = []byte(p.groundTruth)
			}
			present = b != nil
		case outJSON:
			b = p.json[c.field]
			present = b != nil
		case outCredoExtra:
			b = p.credoExtra
			present = b != nil
		case outExtra:
			b = p.extra[c.name]
			present = b != nil
		case outParentTraj, outParentToken:
			present = p.parent != nil
		}
		if c.maxDef > 0 {
			if present {
				e.def.add(uint32(c.maxDef), 1)
			} else {
				e.def.add(0, 1)
				nulls++
			}
		}
		levels++
		rows++
		if present {
			switch c.kind {
			case outVersion:
				e.vals = binary.LittleEndian.AppendUint32(e.vals, uint32(rollout.FormatVersion))
			case outParentToken:
				e.vals = binary.LittleEndian.AppendUint64(e.vals, uint64(int64(p.parent.Token)))
			case outParentTraj:
				e.vals = binary.LittleEndian.AppendUint32(e.vals, uint32(len(p.parent.Trajectory)))
				e.vals = append(e.vals, p.parent.Trajectory...)
			case outProbe:
				if nb%8 == 0 {
					e.vals = append(e.vals, 0)
				}
				if p.probe {
					e.vals[len(e.vals)-1] |= 1 << (nb % 8)
				}
				nb++
			default:
				e.vals = binary.LittleEndian.AppendUint32(e.vals, uint32(len(b)))
				e.vals = append(e.vals, b...)
			}
		}
		if len(e.vals) >= pageBytes || k == len(w.rows)-1 {
			e.dataPage(co, format.Plain, levels, nulls, rows)
			e.startPage(c.maxRep, c.maxDef)
			levels, nulls, rows, nb = 0, 0, 0, 0
		}
	}
}

// credoExtra returns the JSON object of the Extra keys of p that have no
// column of their own, or nil.
func (w *Writer) credoExtra(p *prepared) []byte {
	var overflow map[string]json.RawMessage
	for k, v := range p.extra {
		if !w.extras[k] {
			if overflow == nil {
				overflow = map[string]json.RawMessage{}
			}
			overflow[k] = v
		}
	}
	if overflow == nil {
		return nil
	}
	b, _ := json.Marshal(overflow) // values checked valid in prepare
	return b
}

// arena holds copies of the per-token arrays of the buffered rows, in
// blocks that are reused from one row group to the next.
type arena struct {
	f blocks[float64]
	i blocks[int64]
}

func (a *arena) reset() { a.f.reset(); a.i.reset() }

func (a *arena) floats(xs []float64) []float64 { return a.f.copy(xs) }

func (a *arena) ints(xs []int64) []int64 { return a.i.copy(xs) }

// blocks is a list of buffers filled one after the other.
type blocks[T any] struct {
	bs  [][]T
	cur int
}

const blockLen = 1 << 17 // values per block (1 MiB)

func (b *blocks[T]) reset() {
	for i := range b.bs {
		b.bs[i] = b.bs[i][:0]
	}
	b.cur = 0
}

// copy returns a copy of xs (nil for nil, empty for empty) in the blocks.
func (b *blocks[T]) copy(xs []T) []T {
	switch {
	case xs == nil:
		return nil
	case len(xs) == 0:
		return []T{}
	}
	for b.cur < len(b.bs) && cap(b.bs[b.cur])-len(b.bs[b.cur]) < len(xs) {
		if len(b.bs[b.cur]) == 0 { // a block too small for xs: replace it
			b.bs[b.cur] = make([]T, 0, max(blockLen, len(xs)))
			break
		}
		b.cur++
	}
	if b.cur == len(b.bs) {
		b.bs = append(b.bs, make([]T, 0, max(blockLen, len(xs))))
	}
	blk := b.bs[b.cur]
	s := len(blk)
	blk = append(blk, xs...)
	b.bs[b.cur] = blk
	return blk[s:len(blk):len(blk)]
}

// prepare encodes the structured fields of t and checks Extra. The result
// does not share memory with t: the per-token arrays are copied into the
// arena, except under Follow, which keeps them until the row group is
// written.
func (w *Writer) prepare(t *rollout.Trajectory) (*prepared, error) {
	p := &prepared{
		group: t.Group, id: t.ID, groundTruth: t.GroundTruth, probe: t.Probe,
		tokens: t.Tokens, floats: floatsOf(t),
	}
	if t.Parent != nil {
		b := *t.Parent
		p.parent = &b
	}
	if w.follow == nil || !w.follow.match(w, t, p) {
		if s, ok := t.Source.(*source); ok {
			if held := s.placeholders(t); held != 0 {
				return nil, fmt.Errorf("parquet: %s of the trajectory were not read from its input (Reader.Needs): the trajectory can only be written by the Writer that follows that input, in input order", listNames(held))
			}
		}
		p.tokens = w.arena.ints(p.tokens)
		for i, xs := range p.floats {
			p.floats[i] = w.arena.floats(xs)
		}
	}
	for i, v := range []any{t.Rewards, t.Features, t.LogProbs, t.Scores, t.Tags, t.Steps} {
		if isNil(v) {
			continue
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, &rollout.FieldError{Field: jsonFields[i], Msg: err.Error()}
		}
		p.json[i] = b
	}
	for k, v := range t.Extra {
		if k == "" {
			return nil, &rollout.FieldError{Field: `""`, Msg: "extra field without a name"}
		}
		if _, isKnown := known[k]; isKnown {
			return nil, &rollout.FieldError{Field: k, Msg: "extra field has the name of a credo column"}
		}
		if !json.Valid(v) {
			return nil, &rollout.FieldError{Field: k, Msg: "extra field is not valid JSON"}
		}
	}
	if len(t.Extra) > 0 {
		p.extra = maps.Clone(t.Extra)
		for k, v := range p.extra {
			p.extra[k] = slices.Clone(v)
		}
	}
	return p, nil
}

func isNil(v any) bool {
	switch x := v.(type) {
	case map[string]float64:
		return x == nil
	case map[string]any:
		return x == nil
	case map[string][]float64:
		return x == nil
	case map[string][]int8:
		return x == nil
	case []rollout.Step:
		return x == nil
	}
	return v == nil
}
