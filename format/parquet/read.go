package parquet

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"

	pq "github.com/parquet-go/parquet-go"

	"github.com/credo-rl/credo/rollout"
)

// readBatch is the number of rows fetched from the row group at a time
// (see rows.go).
const readBatch = 16

type colKind int

const (
	kindTokens     colKind = iota // responses
	kindFloats                    // per-token float arrays
	kindString                    // uid, traj_uid, ground_truth
	kindVersion                   // credo_version
	kindBool                      // probe
	kindJSON                      // structured fields: JSON text or native nested
	kindCredoExtra                // credo_extra: JSON object merged into Extra
	kindExtra                     // unknown column, kept in Extra
)

// known maps the column names credo reads to their kind.
var known = map[string]colKind{
	"uid": kindString, "traj_uid": kindString, "ground_truth": kindString,
	"credo_version": kindVersion, "probe": kindBool,
	"responses":     kindTokens,
	"response_mask": kindFloats, "old_log_probs": kindFloats, "rollout_log_probs": kindFloats, "ref_log_prob": kindFloats,
	"token_level_rewards": kindFloats, "values": kindFloats, "advantages": kindFloats, "returns": kindFloats, "loss_weights": kindFloats,
	"rewards": kindJSON, "features": kindJSON, "steps": kindJSON, "parent": kindJSON,
	"log_probs": kindJSON, "token_scores": kindJSON, "token_tags": kindJSON,
	"credo_extra": kindCredoExtra,
}

// column is the reading plan of one top-level column.
type column struct {
	name  string
	node  pq.Node
	kind  colKind
	first int // index of its first leaf column
	n     int // number of leaf columns

	// Single-leaf columns (lists of numbers and scalars).
	leaf       pq.Node
	leafKind   pq.Kind
	unsigned   bool
	nullBelow  int  // definition level below which the value (list) is null
	emptyBelow int  // lists: below this (and not null) the list is empty
	maxDef     int  // definition level of a present leaf value
	bare       bool // list written as a bare repeated column: cannot be null
	text       bool // kindJSON: a string leaf holding JSON text
}

// Reader reads trajectories one row at a time.
type Reader struct {
	name   string
	file   *pq.File
	r      io.ReaderAt
	closer io.Closer
	plan   []column
	leaves int

	groups []pq.RowGroup
	g      int
	leaf   []leafReader // per leaf column, for the current row group
	open   bool         // a row group is being read
	seeked bool         // its pages were sought to the first row
	seekTo int          // the row of the row group to start at (SeekRow)
	n, i   int          // rows in the batch, next row of the batch
	empty  int          // consecutive reads that returned no rows
	row    int          // number of the row last returned
	err    error        // sticky: returned once the buffered rows are used up
	cols   [][]pq.Value
	jw     jsonWriter

	inGroup  int       // rows of the current row group consumed
	follower *follower // a Writer following this Reader (Writer.Follow)

	// Needs: the per-token columns (listColumns order) whose values the
	// caller reads; the others may be skipped under Follow (skip.go).
	needs    uint16
	pageInfo [][]pageInfo // pages of the current row group, by leaf (checkPages)
	skipping uint16       // per-token columns not read in the current row group

	ahead     *readAhead // ReadAhead (ahead.go)
	ownFloats bool       // some per-token floats of the current row group are read as ownValues
}

func fileErr(name, record string, err error) error {
	return &rollout.RecordError{File: name, Record: record, Err: err}
}

// NewReader opens the Parquet file of size bytes in r; name is used in error
// messages (the file name). Only the footer is read here. Errors about the
// file as a whole have Record "file", errors about its columns Record
// "schema".
func NewReader(r io.ReaderAt, size int64, name string) (rd *Reader, err error) {
	defer func() {
		if p := recover(); p != nil {
			rd, err = nil, fileErr(name, "file", fmt.Errorf("corrupt file: the Parquet decoder failed: %v", p))
		}
	}()
	if err := checkFooter(r, size); err != nil {
		return nil, fileErr(name, "file", err)
	}
	if err := checkFooterThrift(r, size); err != nil {
		return nil, fileErr(name, "file", err)
	}
	f, err := pq.OpenFile(r, size, pq.SkipPageIndex(true), pq.SkipBloomFilters(true))
	if err != nil {
		return nil, fileErr(name, "file", fmt.Errorf("corrupt file: %v", err))
	}
	if err := checkChunks(f, size); err != nil {
		return nil, fileErr(name, "file", err)
	}
	rd = &Reader{name: name, file: f, r: r, groups: f.RowGroups(), needs: ^uint16(0), pageInfo: [][]pageInfo{}}
	if err := rd.planColumns(f.Schema()); err != nil {
		return nil, fileErr(name, "schema", err)
	}
	rd.cols = make([][]pq.Value, rd.leaves)
	return rd, nil
}

// Open opens the named file for reading; Close closes it.
func Open(path string) (*Reader, error) {
	rd, f, err := openSized(path, NewReader)
	if err != nil {
		return nil, err
	}
	rd.closer = f
	return rd, nil
}

// openSized opens the named file and hands it with its size to newT (a
// NewReader or NewRowReader), closing it again when newT fails.
func openSized[T any](path string, newT func(io.ReaderAt, int64, string) (T, error)) (T, *os.File, error) {
	var zero T
	f, err := os.Open(path)
	if err != nil {
		return zero, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return zero, nil, err
	}
	t, err := newT(f, st.Size(), path)
	if err != nil {
		f.Close()
		return zero, nil, err
	}
	return t, f, nil
}

// checkFooter checks the magic bytes and the footer length before the
// Parquet library allocates a buffer of the length the file claims.
func checkFooter(r io.ReaderAt, size int64) error {
	if size < 12 {
		return fmt.Errorf("truncated file: %d bytes is too short for Parquet (magic, footer, footer length, magic)", size)
	}
	var head [4]byte
	if _, err := r.ReadAt(head[:], 0); err != nil {
		return fmt.Errorf("reading the header: %v", err)
	}
	if string(head[:]) != "PAR1" {
		return fmt.Errorf("not a Parquet file: it starts with %q, want \"PAR1\"", head[:])
	}
	var tail [8]byte
	if _, err := r.ReadAt(tail[:], size-8); err != nil && !(errors.Is(err, io.EOF)) {
		return fmt.Errorf("reading the footer: %v", err)
	}
	if string(tail[4:]) != "PAR1" {
		return fmt.Errorf("truncated or corrupt file: it does not end with the magic \"PAR1\" after its footer")
	}
	if n := int64(binary.LittleEndian.Uint32(tail[:4])); n > size-12 {
		return fmt.Errorf("truncated or corrupt file: the footer claims %d bytes, the file has only %d", n, size)
	}
	return nil
}

// checkChunks checks that the column chunks lie inside the file and that
// the row counts are consistent, so that a corrupt footer cannot make the
// reader allocate far more than the file holds.
func checkChunks(f *pq.File, size int64) error {
	md := f.Metadata()
	var total int64
	for i, rg := range md.RowGroups {
		if rg.NumRows < 0 {
			return fmt.Errorf("corrupt file: row group %d has %d rows", i, rg.NumRows)
		}
		total += rg.NumRows
		for j, c := range rg.Columns {
			m := c.MetaData
			start := m.DataPageOffset
			if m.DictionaryPageOffset > 0 && m.DictionaryPageOffset < start {
				start = m.DictionaryPageOffset
			}
			if start < 4 || m.TotalCompressedSize < 0 || start+m.TotalCompressedSize > size || m.NumValues < 0 {
				return fmt.Errorf("corrupt or truncated file: column chunk %d of row group %d lies outside the %d bytes of the file", j, i, size)
			}
		}
	}
	if total != md.NumRows {
		return fmt.Errorf("corrupt file: the row groups hold %d rows, the footer says %d", total, md.NumRows)
	}
	return nil
}

func (r *Reader) planColumns(s *pq.Schema) error {
	seen := map[string]bool{}
	first := 0
	for _, f := range s.Fields() {
		name := f.Name()
		if name == "" {
			return &rollout.FieldError{Field: `""`, Msg: "column without a name"}
		}
		if seen[name] {
			return &rollout.FieldError{Field: name, Msg: "duplicate column"}
		}
		seen[name] = true
		c := column{name: name, node: f, first: first, n: numLeaves(f), kind: kindExtra}
		first += c.n
		if k, ok := known[name]; ok {
			c.kind = k
		}
		if err := c.shape(); err != nil {
			return &rollout.FieldError{Field: name, Msg: err.Error()}
		}
		r.plan = append(r.plan, c)
	}
	r.leaves = first
	for _, need := range []struct{ name, what string }{
		{"uid", "the group id (verl's uid)"},
		{"responses", "the token ids (verl's responses)"},
	} {
		if !seen[need.name] {
			return &rollout.FieldError{Field: need.name, Msg: fmt.Sprintf("missing column: want %s", need.what)}
		}
	}
	return nil
}

// shape checks the column type for its kind and records its levels.
func (c *column) shape() error {
	switch c.kind {
	case kindTokens, kindFloats:
		if !c.listShape() {
			return fmt.Errorf("want a list of numbers, got %s", typeOf(c.node))
		}
		switch c.leafKind {
		case pq.Int32, pq.Int64:
		case pq.Float, pq.Double, pq.Boolean:
			if c.kind == kindTokens {
				return fmt.Errorf("want a list of int32 or int64 token ids, got a list of %s", c.leaf.Type())
			}
		default:
			return fmt.Errorf("want a list of numbers, got a list of %s", c.leaf.Type())
		}
	case kindString, kindVersion, kindBool:
		if !c.scalarShape() {
			return fmt.Errorf("want a single value per row, got %s", typeOf(c.node))
		}
		ok := false
		switch c.leafKind {
		case pq.ByteArray, pq.FixedLenByteArray:
			ok = c.kind == kindString
		case pq.Int32, pq.Int64:
			ok = true
		case pq.Boolean:
			ok = c.kind == kindBool
		}
		if !ok {
			want := map[colKind]string{kindString: "a string", kindVersion: "an integer", kindBool: "a boolean"}[c.kind]
			return fmt.Errorf("want %s, got %s", want, typeOf(c.leaf))
		}
	case kindJSON, kindCredoExtra:
		if c.scalarShape() && (c.leafKind == pq.ByteArray || c.leafKind == pq.FixedLenByteArray) {
			c.text = true
		} else if c.kind == kindCredoExtra {
			return fmt.Errorf("want JSON text, got %s", typeOf(c.node))
		}
	}
	return nil
}

func typeOf(n pq.Node) string {
	if n.Leaf() {
		s := n.Type().String()
		if n.Repeated() {
			s = "repeated " + s
		}
		return s
	}
	return "a nested column " + n.String()
}

// listShape recognises a list of primitive values in any layout: a chain of
// single-child nodes containing exactly one repeated node and ending in a
// leaf.
func (c *column) listShape() bool {
	def, reps := 0, 0
	n := c.node
	for {
		if n.Optional() {
			def++
		}
		if n.Repeated() {
			reps++
			c.nullBelow = def
			def++
			c.emptyBelow = def
		}
		if n.Leaf() {
			break
		}
		fs := n.Fields()
		if len(fs) != 1 {
			return false
		}
		n = fs[0]
	}
	if reps != 1 {
		return false
	}
	c.maxDef = def
	c.bare = c.nullBelow == 0
	c.setLeaf(n)
	return true
}

// scalarShape recognises one primitive value per row.
func (c *column) scalarShape() bool {
	n := c.node
	if !n.Leaf() || n.Repeated() {
		return false
	}
	c.maxDef = 0
	if n.Optional() {
		c.maxDef = 1
	}
	c.nullBelow = c.maxDef
	c.setLeaf(n)
	return true
}

func (c *column) setLeaf(n pq.Node) {
	c.leaf = n
	c.leafKind = n.Type().Kind()
	c.unsigned = isUnsigned(n)
}

// Row is the number of the row last returned (counted from 1).
func (r *Reader) Row() int {
	if r.ahead != nil {
		return r.ahead.row
	}
	return r.row
}

// NumRows is the number of rows the file holds.
func (r *Reader) NumRows() int64 { return r.file.NumRows() }

// Close releases the current row group and closes the file if the reader
// was made by Open.
func (r *Reader) Close() error {
	r.stopAhead()
	if r.follower != nil {
		r.follower.readerClosing()
		r.follower = nil
	}
	r.closeGroup()
	if r.err == nil {
		r.err = errors.New("parquet: reader is closed")
	}
	if r.closer != nil {
		c := r.closer
		r.closer = nil
		return c.Close()
	}
	return nil
}

// Next returns the next trajectory, validated on its own, or io.EOF.
// Trajectories without traj_uid get "row-N". After an error in a row, Next
// may be called again to go on with the next row; errors reading the file
// itself are returned again by every later call.
func (r *Reader) Next() (*rollout.Trajectory, error) {
	if r.ahead != nil {
		return r.nextAhead()
	}
	return r.next()
}

// next is Next without ReadAhead.
func (r *Reader) next() (t *rollout.Trajectory, err error) {
	defer func() {
		if p := recover(); p != nil {
			r.err = &rollout.RecordError{File: r.name, Record: fmt.Sprintf("row %d", r.row), Err: fmt.Errorf("corrupt file: the Parquet decoder failed: %v", p)}
			r.n, r.i = 0, 0
			t, err = nil, r.err
		}
	}()
	for r.i >= r.n {
		if r.err != nil {
			return nil, r.err
		}
		r.fill()
	}
	k := r.i
	r.i++
	r.row++
	r.inGroup++
	t, err = r.decode(k)
	if err != nil {
		return nil, &rollout.RecordError{File: r.name, Record: fmt.Sprintf("row %d", r.row), Err: err}
	}
	if t.ID == "" {
		t.ID = fmt.Sprintf("row-%d", r.row)
	}
	if r.follower != nil {
		r.follower.keep(r, t, r.g-1, r.inGroup-1)
	}
	return t, nil
}

// fill reads the next rows of the current row group, moving to the next
// row group when it is exhausted.
func (r *Reader) fill() {
	r.n, r.i = 0, 0
	if !r.open {
		if r.g >= len(r.groups) {
			r.err = io.EOF
			return
		}
		var err error
		r.pageInfo, err = checkPages(r.r, r.file.Metadata().RowGroups[r.g].Columns, r.pageInfo)
		if err != nil {
			r.err = &rollout.RecordError{File: r.name, Record: fmt.Sprintf("row %d", r.row+1), Err: err}
			return
		}
		r.openGroup(r.groups[r.g])
		r.skipGroup(r.g)
		r.g++
	}
	n, eof, err := r.readRows()
	r.n = n
	if n == 0 && !eof && err == nil {
		if r.empty++; r.empty > 100 {
			err = errors.New("the row group yields no rows")
		}
	} else {
		r.empty = 0
	}
	if err != nil {
		r.closeGroup()
		r.n = 0
		r.err = &rollout.RecordError{File: r.name, Record: fmt.Sprintf("row %d", r.row+1), Err: fmt.Errorf("corrupt or truncated file: %v", err)}
		return
	}
	if eof {
		r.closeGroup()
	}
}

// decode decodes row k of the batch.
func (r *Reader) decode(k int) (*rollout.Trajectory, error) {
	for i := range r.cols {
		if !r.present(i, k) {
			return nil, errCorrupt
		}
		r.cols[i] = r.rowValues(i, k)
	}
	t := new(rollout.Trajectory)
	var credoExtra []byte
	for i := range r.plan {
		c := &r.plan[i]
		vs := r.cols[c.first : c.first+c.n]
		var err error
		switch c.kind {
		case kindTokens:
			res := &r.leaf[c.first].res[k]
			t.Tokens, err = res.ints, res.err
		case kindFloats:
			res := &r.leaf[c.first].res[k]
			xs := res.flts
			err = res.err
			switch c.name {
			case "response_mask":
				t.Mask = xs
			case "old_log_probs":
				t.OldLogProbs = xs
			case "rollout_log_probs":
				t.RolloutLogProbs = xs
			case "ref_log_prob":
				t.RefLogProbs = xs
			case "token_level_rewards":
				t.TokenRewards = xs
			case "values":
				t.Values = xs
			case "advantages":
				t.Advantages = xs
			case "returns":
				t.Returns = xs
			case "loss_weights":
				t.LossWeights = xs
			}
		case kindString:
			var s string
			s, err = c.str(vs[0])
			switch c.name {
			case "uid":
				t.Group = s
			case "traj_uid":
				t.ID = s
			case "ground_truth":
				t.GroundTruth = s
			}
		case kindVersion:
			var v pq.Value
			if v, err = c.scalar(vs[0]); err == nil && !v.IsNull() {
				n := c.integer(v)
				if n < math.MinInt32 || n > math.MaxInt32 {
					err = fmt.Errorf("version %d out of range", n)
				}
				t.Version = int(n)
			}
		case kindBool:
			var v pq.Value
			if v, err = c.scalar(vs[0]); err == nil && !v.IsNull() {
				if c.leafKind == pq.Boolean {
					t.Probe = v.Boolean()
				} else if n := c.integer(v); n == 0 || n == 1 {
					t.Probe = n == 1
				} else {
					err = fmt.Errorf("want a boolean (or 0/1), got %d", n)
				}
			}
		case kindJSON, kindCredoExtra:
			var b []byte
			if b, err = r.jsonOf(c, vs); err == nil && b != nil {
				if c.kind == kindCredoExtra {
					credoExtra = b
				} else {
					err = unmarshalField(t, c.name, b)
				}
			}
		case kindExtra:
			var b []byte
			if b, err = r.jsonOf(c, vs); err == nil && b != nil {
				if t.Extra == nil {
					t.Extra = map[string]json.RawMessage{}
				}
				t.Extra[c.name] = json.RawMessage(bytes.Clone(b))
			}
		}
		if err != nil {
			var fe *rollout.FieldError
			if errors.As(err, &fe) || errors.Is(err, errCorrupt) {
				return nil, err
			}
			return nil, &rollout.FieldError{Field: c.name, Msg: err.Error()}
		}
	}
	if credoExtra != nil {
		if err := mergeExtra(t, credoExtra); err != nil {
			return nil, err
		}
	}
	if err := r.validate(t, k); err != nil {
		return nil, err
	}
	return t, nil
}

// validate validates t, row k of the batch. The per-token floats read
// by readLevelsPage were checked finite (and >= 0 for the mask) when read,
// and the placeholders of floats not read (skip.go) hold zeros, their
// values in the file checked finite: when each has the length of the
// token ids, t is validated without them, which gives the same result
// (they cannot fail) without scanning them again; otherwise t is validated
// as it is, which reports the length.
func (r *Reader) validate(t *rollout.Trajectory, k int) error {
	if r.skipping&^1 == 0 && !r.ownFloats {
		return t.Validate()
	}
	v := *t
	for i := range r.plan {
		c := &r.plan[i]
		if c.kind != kindFloats {
			continue
		}
		p := floatField(&v, c.name)
		if p == nil || *p == nil {
			continue
		}
		l := &r.leaf[c.first]
		if !(l.skip == ownValues && l.res[k].checked) && !((l.skip == skipCopy || l.skip == skipValues) && l.isPlaceholder(*p)) {
			continue
		}
		if len(*p) != len(t.Tokens) {
			return t.Validate()
		}
		*p = nil
	}
	return v.Validate()
}

// floatField is the per-token float field of t named name, or nil.
func floatField(t *rollout.Trajectory, name string) *[]float64 {
	switch name {
	case "response_mask":
		return &t.Mask
	case "old_log_probs":
		return &t.OldLogProbs
	case "rollout_log_probs":
		return &t.RolloutLogProbs
	case "ref_log_prob":
		return &t.RefLogProbs
	case "token_level_rewards":
		return &t.TokenRewards
	case "values":
		return &t.Values
	case "advantages":
		return &t.Advantages
	case "returns":
		return &t.Returns
	case "loss_weights":
		return &t.LossWeights
	}
	return nil
}

// scalar returns the value of a single-value column, or a null value.
func (c *column) scalar(vs []pq.Value) (pq.Value, error) {
	if len(vs) != 1 {
		return pq.Value{}, errCorrupt
	}
	v := vs[0]
	if v.DefinitionLevel() < c.maxDef {
		return pq.Value{}, nil
	}
	if v.Kind() != c.leafKind {
		return pq.Value{}, errCorrupt
	}
	return v, nil
}

// integer returns an integer value; unsigned 64-bit values beyond int64 are
// clamped (token ids are checked before).
func (c *column) integer(v pq.Value) int64 {
	switch {
	case c.leafKind == pq.Int32 && c.unsigned:
		return int64(v.Uint32())
	case c.leafKind == pq.Int32:
		return int64(v.Int32())
	case c.unsigned && v.Uint64() > math.MaxInt64:
		return math.MaxInt64
	}
	return v.Int64()
}

func (c *column) str(vs []pq.Value) (string, error) {
	v, err := c.scalar(vs)
	if err != nil || v.IsNull() {
		return "", err
	}
	switch c.leafKind {
	case pq.Int32, pq.Int64:
		if c.unsigned && c.leafKind == pq.Int64 {
			return strconv.FormatUint(v.Uint64(), 10), nil
		}
		return strconv.FormatInt(c.integer(v), 10), nil
	}
	return string(v.ByteArray()), nil
}

// jsonOf returns the JSON of a structured or unknown column, or nil when
// the cell is null. The result is valid until the next call.
func (r *Reader) jsonOf(c *column, vs [][]pq.Value) ([]byte, error) {
	if c.node.Optional() && vs[0][0].DefinitionLevel() == 0 {
		return nil, nil
	}
	if c.text {
		v, err := c.scalar(vs[0])
		if err != nil || v.IsNull() {
			return nil, err
		}
		b := v.ByteArray()
		if len(b) == 0 {
			return nil, nil // empty text: absent
		}
		if !json.Valid(b) {
			return nil, fmt.Errorf("want JSON text, got %.40q", b)
		}
		return b, nil
	}
	r.jw.buf = r.jw.buf[:0]
	if err := r.jw.node(c.node, vs, 0, 0); err != nil {
		return nil, err
	}
	return r.jw.buf, nil
}

// unmarshalField decodes the JSON of a structured field into t.
func unmarshalField(t *rollout.Trajectory, name string, b []byte) error {
	var err error
	switch name {
	case "rewards":
		err = json.Unmarshal(b, &t.Rewards)
	case "features":
		err = json.Unmarshal(b, &t.Features)
	case "steps":
		err = json.Unmarshal(b, &t.Steps)
	case "parent":
		err = json.Unmarshal(b, &t.Parent)
	case "log_probs":
		err = json.Unmarshal(b, &t.LogProbs)
	case "token_scores":
		err = json.Unmarshal(b, &t.Scores)
	case "token_tags":
		err = json.Unmarshal(b, &t.Tags)
	}
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		f := name
		if te.Field != "" {
			f += "." + te.Field
		}
		return &rollout.FieldError{Field: f, Msg: fmt.Sprintf("want %s, got JSON %s", te.Type, te.Value)}
	}
	return &rollout.FieldError{Field: name, Msg: err.Error()}
}

// mergeExtra adds the keys of the credo_extra object to t.Extra.
func mergeExtra(t *rollout.Trajectory, b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return &rollout.FieldError{Field: "credo_extra", Msg: "want a JSON object of extra fields: " + err.Error()}
	}
	for k, v := range m {
		if _, isKnown := known[k]; isKnown {
			return &rollout.FieldError{Field: "credo_extra", Msg: fmt.Sprintf("key %q is a credo field", k)}
		}
		if _, dup := t.Extra[k]; dup {
			return &rollout.FieldError{Field: "credo_extra", Msg: fmt.Sprintf("key %q is also a column", k)}
		}
		if t.Extra == nil {
			t.Extra = map[string]json.RawMessage{}
		}
		t.Extra[k] = v
	}
	return nil
}

// ReadAll reads a whole file into a batch and validates the batch.
func ReadAll(r io.ReaderAt, size int64, name string) (*rollout.Batch, error) {
	rd, err := NewReader(r, size, name)
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	return readAll(rd, name)
}

// ReadFile reads the named file into a batch and validates the batch.
func ReadFile(path string) (*rollout.Batch, error) {
	rd, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	return readAll(rd, path)
}

func readAll(rd *Reader, name string) (*rollout.Batch, error) {
	b := &rollout.Batch{}
	for {
		t, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		b.Trajectories = append(b.Trajectories, t)
	}
	if err := b.ValidateLinks(); err != nil { // records were validated by Next
		var re *rollout.RecordError
		if errors.As(err, &re) {
			re.File = name
		}
		return nil, err
	}
	return b, nil
}
