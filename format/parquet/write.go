package parquet

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"

	pq "github.com/parquet-go/parquet-go"

	"github.com/credo-rl/credo/rollout"
)

// DefaultRowGroupRows is the number of rows per row group of a Writer.
const DefaultRowGroupRows = 1024

// Writer writes trajectories as rows of a Parquet file. Rows are buffered
// and written a row group at a time; the file is complete only after Close.
type Writer struct {
	// RowGroupRows is the number of rows per row group (DefaultRowGroupRows
	// when <= 0). Memory use is about one row group of data. Set it before
	// the first Write.
	RowGroupRows int

	out     io.Writer
	pw      *pq.GenericWriter[any]      // writes value by value (with Extra columns)
	fw      *pq.GenericWriter[fixedRow] // writes Go values (credo's columns only)
	general bool                        // tests: always write value by value
	row     [1]fixedRow
	probe   bool
	parent  fixedParent
	cols    []outColumn // per leaf column, in schema order
	extras  map[string]bool
	pending []*prepared // rows of the first row group, before the schema is fixed
	scratch []pq.Value
	n       int // rows in the current row group
	err     error
	closed  bool
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
	kind  int
	field int    // outFloats: index in floatFields; outJSON: index in jsonFields
	name  string // outExtra: the Extra key
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
}

// NewWriter writes to w. Call Close when done; Close does not close w.
func NewWriter(w io.Writer) *Writer { return &Writer{out: w} }

func (w *Writer) groupRows() int {
	if w.RowGroupRows <= 0 {
		return DefaultRowGroupRows
	}
	return w.RowGroupRows
}

// Write writes one trajectory, stamped with the current format version, and
// its unknown input fields (Extra). It does not keep t.
func (w *Writer) Write(t *rollout.Trajectory) error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return fmt.Errorf("parquet: write after Close")
	}
	p, err := prepare(t, !w.started())
	if err != nil {
		return fmt.Errorf("trajectory %q: %w", t.ID, err)
	}
	if !w.started() {
		w.pending = append(w.pending, p)
		if len(w.pending) >= w.groupRows() {
			return w.start()
		}
		return nil
	}
	if err := w.add(p); err != nil {
		return err
	}
	if w.n >= w.groupRows() {
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
	if !w.started() {
		if err := w.start(); err != nil {
			return err
		}
	}
	if err := w.flush(); err != nil {
		return err
	}
	var err error
	if w.fw != nil {
		err = w.fw.Close()
	} else {
		err = w.pw.Close()
	}
	if err != nil {
		w.err = err
	}
	return w.err
}

func (w *Writer) started() bool { return w.pw != nil || w.fw != nil }

var listOfDouble = pq.Optional(pq.List(pq.Leaf(pq.DoubleType)))

// start fixes the schema from the buffered first row group and writes it.
func (w *Writer) start() error {
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
	schema := pq.NewSchema("credo", g)
	w.cols = nil
	for _, path := range schema.Columns() {
		c := outColumn{kind: outExtra, name: path[0]}
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
	opts := []pq.WriterOption{schema, pq.Compression(&pq.Snappy), pq.CreatedBy("credo", "", "")}
	if len(w.extras) == 0 && !w.general {
		// The schema is that of fixedRow: the library writes the per-token
		// arrays straight from the Go slices.
		w.fw = pq.NewGenericWriter[fixedRow](w.out, opts...)
	} else {
		w.pw = pq.NewGenericWriter[any](w.out, opts...)
	}
	pending := w.pending
	w.pending = nil
	for _, p := range pending {
		if err := w.add(p); err != nil {
			return err
		}
	}
	return w.flush()
}

// add writes the row of p column by column into the current row group.
func (w *Writer) add(p *prepared) error {
	if w.fw != nil {
		return w.addFixed(p)
	}
	cws := w.pw.ColumnWriters()
	for i := range w.cols {
		w.scratch = w.appendColumn(w.scratch[:0], p, i)
		if _, err := cws[i].WriteRowValues(w.scratch); err != nil {
			w.err = err
			return err
		}
	}
	w.n++
	return nil
}

// flush ends the current row group.
func (w *Writer) flush() error {
	if w.n == 0 {
		return nil
	}
	var err error
	if w.fw != nil {
		err = w.fw.Flush()
	} else {
		err = w.pw.Flush()
	}
	if err != nil {
		w.err = err
		return err
	}
	w.n = 0
	return nil
}

func optionalBytes(row []pq.Value, b []byte, col int) []pq.Value {
	if b == nil {
		return append(row, pq.NullValue().Level(0, 0, col))
	}
	return append(row, pq.ByteArrayValue(b).Level(0, 1, col))
}

// appendColumn appends the values of p for leaf column i. Extra keys
// without a column of their own go into credo_extra.
func (w *Writer) appendColumn(row []pq.Value, p *prepared, i int) []pq.Value {
	c := w.cols[i]
	switch c.kind {
	case outUID:
		row = append(row, pq.ByteArrayValue([]byte(p.group)).Level(0, 0, i))
	case outTrajUID:
		row = append(row, pq.ByteArrayValue([]byte(p.id)).Level(0, 0, i))
	case outVersion:
		row = append(row, pq.Int32Value(rollout.FormatVersion).Level(0, 1, i))
	case outTokens:
		// Required list of required elements: empty 0, element 1.
		if len(p.tokens) == 0 {
			row = append(row, pq.NullValue().Level(0, 0, i))
			break
		}
		row = append(row, pq.Int64Value(p.tokens[0]).Level(0, 1, i))
		for _, x := range p.tokens[1:] {
			row = append(row, pq.Int64Value(x).Level(1, 1, i))
		}
	case outFloats:
		// Optional list of required elements: null 0, empty 1, element 2.
		xs := p.floats[c.field]
		switch {
		case xs == nil:
			row = append(row, pq.NullValue().Level(0, 0, i))
		case len(xs) == 0:
			row = append(row, pq.NullValue().Level(0, 1, i))
		default:
			row = append(row, pq.DoubleValue(xs[0]).Level(0, 2, i))
			for _, x := range xs[1:] {
				row = append(row, pq.DoubleValue(x).Level(1, 2, i))
			}
		}
	case outParentTraj, outParentToken:
		switch {
		case p.parent == nil:
			row = append(row, pq.NullValue().Level(0, 0, i))
		case c.kind == outParentTraj:
			row = append(row, pq.ByteArrayValue([]byte(p.parent.Trajectory)).Level(0, 1, i))
		default:
			row = append(row, pq.Int64Value(int64(p.parent.Token)).Level(0, 1, i))
		}
	case outProbe:
		row = append(row, pq.BooleanValue(p.probe).Level(0, 1, i))
	case outGroundTruth:
		var b []byte
		if p.groundTruth != "" {
			b = []byte(p.groundTruth)
		}
		row = optionalBytes(row, b, i)
	case outJSON:
		row = optionalBytes(row, p.json[c.field], i)
	case outCredoExtra:
		row = optionalBytes(row, w.credoExtra(p), i)
	case outExtra:
		row = optionalBytes(row, p.extra[c.name], i)
	}
	return row
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

// fixedRow is a row of the schema written when the first row group has no
// Extra fields. Its columns, types and order (by name) are those that
// start builds; nil slices and empty strings are null, as written by
// appendColumn.
type fixedRow struct {
	Advantages        []float64       `parquet:"advantages,optional,list"`
	CredoExtra        json.RawMessage `parquet:"credo_extra,optional,json"`
	CredoVersion      *int32          `parquet:"credo_version"`
	Features          json.RawMessage `parquet:"features,optional,json"`
	GroundTruth       string          `parquet:"ground_truth,optional"`
	LogProbs          json.RawMessage `parquet:"log_probs,optional,json"`
	LossWeights       []float64       `parquet:"loss_weights,optional,list"`
	OldLogProbs       []float64       `parquet:"old_log_probs,optional,list"`
	Parent            *fixedParent    `parquet:"parent"`
	Probe             *bool           `parquet:"probe"`
	RefLogProb        []float64       `parquet:"ref_log_prob,optional,list"`
	ResponseMask      []float64       `parquet:"response_mask,optional,list"`
	Responses         []int64         `parquet:"responses,list"`
	Returns           []float64       `parquet:"returns,optional,list"`
	Rewards           json.RawMessage `parquet:"rewards,optional,json"`
	RolloutLogProbs   []float64       `parquet:"rollout_log_probs,optional,list"`
	Steps             json.RawMessage `parquet:"steps,optional,json"`
	TokenLevelRewards []float64       `parquet:"token_level_rewards,optional,list"`
	TokenScores       json.RawMessage `parquet:"token_scores,optional,json"`
	TokenTags         json.RawMessage `parquet:"token_tags,optional,json"`
	TrajUID           string          `parquet:"traj_uid"`
	UID               string          `parquet:"uid"`
	Values            []float64       `parquet:"values,optional,list"`
}

type fixedParent struct {
	Token   int64  `parquet:"token"`
	TrajUID string `parquet:"traj_uid"`
}

var formatVersion32 int32 = rollout.FormatVersion

// addFixed writes the row of p through the fixedRow writer. Rows are
// written one at a time so that pages end where appendColumn's do.
func (w *Writer) addFixed(p *prepared) error {
	w.probe = p.probe
	r := &w.row[0]
	*r = fixedRow{
		UID: p.group, TrajUID: p.id, CredoVersion: &formatVersion32, Responses: p.tokens,
		Probe: &w.probe, GroundTruth: p.groundTruth,
		ResponseMask: p.floats[0], OldLogProbs: p.floats[1], RefLogProb: p.floats[2], TokenLevelRewards: p.floats[3],
		Values: p.floats[4], Advantages: p.floats[5], Returns: p.floats[6], LossWeights: p.floats[7], RolloutLogProbs: p.floats[8],
		Rewards: p.json[0], Features: p.json[1], LogProbs: p.json[2],
		TokenScores: p.json[3], TokenTags: p.json[4], Steps: p.json[5],
		CredoExtra: w.credoExtra(p),
	}
	if p.parent != nil {
		w.parent = fixedParent{Token: int64(p.parent.Token), TrajUID: p.parent.Trajectory}
		r.Parent = &w.parent
	}
	_, err := w.fw.Write(w.row[:])
	*r = fixedRow{}
	if err != nil {
		w.err = err
		return err
	}
	w.n++
	return nil
}

// prepare encodes the structured fields of t and checks Extra. The rows
// built from the result copy the per-token values; with clone (rows that
// wait for the schema) the result itself does not share memory with t.
func prepare(t *rollout.Trajectory, clone bool) (*prepared, error) {
	p := &prepared{
		group: t.Group, id: t.ID, groundTruth: t.GroundTruth, probe: t.Probe,
		tokens: t.Tokens, floats: floatsOf(t),
	}
	if t.Parent != nil {
		b := *t.Parent
		p.parent = &b
	}
	if clone {
		p.tokens = slices.Clone(p.tokens)
		for i, xs := range p.floats {
			p.floats[i] = slices.Clone(xs)
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
