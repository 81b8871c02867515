package parquet

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand"
	"reflect"
	"testing"

	pq "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/rle"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"

	"github.com/credo-rl/credo/rollout"
)

// randomBatch returns n trajectories with a random mix of absent, empty
// and filled per-token arrays, structured fields and, with extras, unknown
// fields.
func randomBatch(rng *rand.Rand, n, maxLen int, extras bool) []*rollout.Trajectory {
	var out []*rollout.Trajectory
	for i := range n {
		k := rng.Intn(maxLen + 1)
		t := &rollout.Trajectory{ID: fmt.Sprint("t", i), Group: fmt.Sprint("g", i%3), Tokens: make([]int64, k), Probe: rng.Intn(3) == 0}
		if rng.Intn(15) == 0 {
			t.Tokens, k = nil, 0 // written as an empty list
		}
		for j := range t.Tokens {
			t.Tokens[j] = rng.Int63() >> uint(rng.Intn(63))
		}
		for _, p := range []*[]float64{&t.Mask, &t.OldLogProbs, &t.RefLogProbs, &t.TokenRewards, &t.Values, &t.Advantages, &t.Returns, &t.LossWeights} {
			switch rng.Intn(3) {
			case 1:
				*p = make([]float64, k)
				for j := range *p {
					(*p)[j] = rng.Float64()
				}
			case 2:
				if k == 0 {
					*p = []float64{}
				}
			}
		}
		if rng.Intn(2) == 0 {
			t.Rewards = map[string]float64{"outcome": rng.Float64()}
		}
		if rng.Intn(3) == 0 {
			t.Steps = []rollout.Step{{Start: 0, End: len(t.Tokens), Kind: "turn"}}
		}
		if rng.Intn(4) == 0 {
			t.GroundTruth = "x"
		}
		if rng.Intn(5) == 0 && i > 0 {
			t.Parent = &rollout.Branch{Trajectory: "t0", Token: 0}
		}
		if extras && rng.Intn(3) == 0 {
			t.Extra = map[string]json.RawMessage{fmt.Sprint("x", rng.Intn(3)): json.RawMessage(`[1,"a"]`)}
		}
		out = append(out, t)
	}
	return out
}

func writeWith(t testing.TB, rows int, trs []*rollout.Trajectory) ([]byte, *Writer) {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.RowGroupRows = rows
	for _, tr := range trs {
		if err := w.Write(tr); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), w
}

// libRow is a row of a file without extra columns, as the Parquet
// library decodes it by reflection: an independent reading of the pages
// the Writer encodes.
type libRow struct {
	Advantages        []float64       `parquet:"advantages,optional,list"`
	CredoExtra        json.RawMessage `parquet:"credo_extra,optional,json"`
	CredoVersion      *int32          `parquet:"credo_version"`
	Features          json.RawMessage `parquet:"features,optional,json"`
	GroundTruth       *string         `parquet:"ground_truth,optional"`
	LogProbs          json.RawMessage `parquet:"log_probs,optional,json"`
	LossWeights       []float64       `parquet:"loss_weights,optional,list"`
	OldLogProbs       []float64       `parquet:"old_log_probs,optional,list"`
	Parent            *libParent      `parquet:"parent"`
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

type libParent struct {
	Token   int64  `parquet:"token"`
	TrajUID string `parquet:"traj_uid"`
}

// TestWriterPagesReadByLibrary reads the files of the Writer's own page
// encoder with the Parquet library's reflection reader and compares every
// column with the trajectories written: several row groups, pages, null,
// empty and filled arrays, dictionary-encoded runs.
func TestWriterPagesReadByLibrary(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	check := func(name string, rows int, trs []*rollout.Trajectory) {
		t.Helper()
		b, _ := writeWith(t, rows, trs)
		f, err := pq.OpenFile(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if want := (len(trs) + rows - 1) / max(rows, 1); len(trs) > 0 && len(f.RowGroups()) != want {
			t.Errorf("%s: %d row groups, want %d", name, len(f.RowGroups()), want)
		}
		got := make([]libRow, len(trs))
		r := pq.NewGenericReader[libRow](f)
		if n, err := r.Read(got); n != len(trs) || (err != nil && err != io.EOF) {
			t.Fatalf("%s: library read %d rows (%v), want %d", name, n, err, len(trs))
		}
		nz := func(xs []float64) []float64 { // the library reads an empty optional list as nil or empty
			if len(xs) == 0 {
				return nil
			}
			return xs
		}
		for i, tr := range trs {
			g := got[i]
			if g.UID != tr.Group || g.TrajUID != tr.ID || *g.CredoVersion != rollout.FormatVersion || *g.Probe != tr.Probe {
				t.Fatalf("%s: row %d: scalars %q %q %v %v", name, i, g.UID, g.TrajUID, *g.CredoVersion, *g.Probe)
			}
			if len(g.Responses) != len(tr.Tokens) || (len(tr.Tokens) > 0 && !reflect.DeepEqual(g.Responses, tr.Tokens)) {
				t.Fatalf("%s: row %d: responses differ", name, i)
			}
			for k, xs := range floatsOf(tr) {
				lib := [9][]float64{g.ResponseMask, g.OldLogProbs, g.RefLogProb, g.TokenLevelRewards, g.Values, g.Advantages, g.Returns, g.LossWeights, g.RolloutLogProbs}[k]
				if !reflect.DeepEqual(nz(lib), nz(xs)) {
					t.Fatalf("%s: row %d: %s differs", name, i, floatFields[k])
				}
			}
			if (g.GroundTruth != nil) != (tr.GroundTruth != "") || (g.GroundTruth != nil && *g.GroundTruth != tr.GroundTruth) {
				t.Fatalf("%s: row %d: ground_truth %v", name, i, g.GroundTruth)
			}
			if (g.Parent != nil) != (tr.Parent != nil) || (g.Parent != nil && (g.Parent.TrajUID != tr.Parent.Trajectory || g.Parent.Token != int64(tr.Parent.Token))) {
				t.Fatalf("%s: row %d: parent %v", name, i, g.Parent)
			}
			if want, _ := json.Marshal(tr.Rewards); (tr.Rewards == nil) != (g.Rewards == nil) || (tr.Rewards != nil && string(g.Rewards) != string(want)) {
				t.Fatalf("%s: row %d: rewards %s", name, i, g.Rewards)
			}
		}
		// And our own reader gives the trajectories back.
		if back := mustRead(t, b); len(back.Trajectories) != len(trs) {
			t.Fatalf("%s: read %d rows", name, len(back.Trajectories))
		}
	}
	for i := range 30 {
		trs := randomBatch(rng, 1+rng.Intn(80), 300, false)
		for _, tr := range trs {
			if rng.Intn(2) == 0 && len(tr.Tokens) > 0 { // runs of equal values: dictionary pages
				tr.Advantages = make([]float64, len(tr.Tokens))
				for j := range tr.Advantages {
					tr.Advantages[j] = float64(rng.Intn(3))
				}
			}
			if i%2 == 0 { // returns are the advantages' arrays (verl): the chunk is reused
				tr.Returns = tr.Advantages
			}
		}
		check(fmt.Sprint("case ", i), 1+rng.Intn(30), trs)
	}
	check("empty", 4, nil)
	// Large arrays: several pages per column chunk.
	check("large", 16, randomBatch(rng, 40, 40000, false))
}

// splitPages rewrites the single row group of an uncompressed file b as
// data pages v1 that end after the given numbers of levels, so that rows
// run from one page into the next. It handles required/optional/repeated
// int32, int64, double and byte array columns.
func splitPages(t testing.TB, b []byte, cut func(col, n int) []int) []byte {
	t.Helper()
	f, err := pq.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	md := *f.Metadata()
	if len(md.RowGroups) != 1 {
		t.Fatalf("%d row groups", len(md.RowGroups))
	}
	rg := md.RowGroups[0]
	out := []byte("PAR1")
	cols := f.Schema().Columns()
	rg.Columns = append(thrift.Slice[format.ColumnChunk](nil), rg.Columns...)
	for ci, chunk := range f.RowGroups()[0].ColumnChunks() {
		leaf, _ := f.Schema().Lookup(cols[ci]...)
		maxRep, maxDef := byte(leaf.MaxRepetitionLevel), byte(leaf.MaxDefinitionLevel)
		var vals []pq.Value
		vr := pq.NewColumnChunkValueReader(chunk)
		buf := make([]pq.Value, 64)
		for {
			n, err := vr.ReadValues(buf)
			for _, v := range buf[:n] {
				vals = append(vals, v.Clone())
			}
			if err != nil {
				break
			}
		}
		start := int64(len(out))
		prev := 0
		for _, end := range append(cut(ci, len(vals)), len(vals)) {
			if end <= prev || end > len(vals) {
				continue
			}
			page := vals[prev:end]
			prev = end
			var body []byte
			levels := func(bits byte, get func(pq.Value) int) {
				ls := make([]uint8, len(page))
				for i, v := range page {
					ls[i] = uint8(get(v))
				}
				enc := rle.Encoding{BitWidth: bitsFor(bits)}
				lb, err := enc.EncodeLevels(nil, ls)
				if err != nil {
					t.Fatal(err)
				}
				body = binary.LittleEndian.AppendUint32(body, uint32(len(lb)))
				body = append(body, lb...)
			}
			if maxRep > 0 {
				levels(maxRep, pq.Value.RepetitionLevel)
			}
			if maxDef > 0 {
				levels(maxDef, pq.Value.DefinitionLevel)
			}
			nb := 0
			for _, v := range page {
				if v.DefinitionLevel() != int(maxDef) {
					continue
				}
				switch v.Kind() {
				case pq.Boolean: // PLAIN booleans are bit-packed
					if nb%8 == 0 {
						body = append(body, 0)
					}
					if v.Boolean() {
						body[len(body)-1] |= 1 << (nb % 8)
					}
					nb++
				case pq.Int32:
					body = binary.LittleEndian.AppendUint32(body, uint32(v.Int32()))
				case pq.Int64:
					body = binary.LittleEndian.AppendUint64(body, uint64(v.Int64()))
				case pq.Double:
					body = binary.LittleEndian.AppendUint64(body, math.Float64bits(v.Double()))
				case pq.ByteArray:
					body = binary.LittleEndian.AppendUint32(body, uint32(len(v.ByteArray())))
					body = append(body, v.ByteArray()...)
				default:
					t.Fatalf("column %d: kind %s", ci, v.Kind())
				}
			}
			h := format.PageHeader{Type: format.DataPage, UncompressedPageSize: int32(len(body)), CompressedPageSize: int32(len(body)),
				DataPageHeader: thrift.New(format.DataPageHeader{NumValues: int32(len(page)), Encoding: format.Plain, DefinitionLevelEncoding: format.RLE, RepetitionLevelEncoding: format.RLE})}
			hb, err := thrift.Marshal(new(thrift.CompactProtocol), &h)
			if err != nil {
				t.Fatal(err)
			}
			out = append(append(out, hb...), body...)
		}
		m := rg.Columns[ci].MetaData
		m.Encoding = thrift.Slice[format.Encoding]{format.Plain, format.RLE}
		m.Codec = format.Uncompressed
		m.NumValues = int64(len(vals))
		m.TotalCompressedSize = int64(len(out)) - start
		m.TotalUncompressedSize = m.TotalCompressedSize
		m.DataPageOffset, m.DictionaryPageOffset, m.IndexPageOffset = start, 0, 0
		m.Statistics, m.EncodingStats, m.SizeStatistics = format.Statistics{}, nil, format.SizeStatistics{}
		rg.Columns[ci] = format.ColumnChunk{FileOffset: start, MetaData: m}
	}
	rg.FileOffset, rg.TotalCompressedSize, rg.TotalByteSize = 4, int64(len(out))-4, int64(len(out))-4
	md.RowGroups = thrift.Slice[format.RowGroup]{rg}
	md.ColumnOrders = nil
	fb, err := thrift.Marshal(new(thrift.CompactProtocol), &md)
	if err != nil {
		t.Fatal(err)
	}
	out = binary.LittleEndian.AppendUint32(append(out, fb...), uint32(len(fb)))
	return append(out, "PAR1"...)
}

func bitsFor(max byte) int {
	n := 0
	for ; max > 0; max >>= 1 {
		n++
	}
	return n
}

// TestRowsSpanningPages reads files whose per-token arrays run over page
// boundaries (allowed in data pages v1, written by other libraries).
func TestRowsSpanningPages(t *testing.T) {
	rng := rand.New(rand.NewSource(8))
	trs := randomBatch(rng, 60, 40, false)
	trs[3] = &rollout.Trajectory{ID: "t3", Group: "g", Tokens: []int64{}, Mask: []float64{}}
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.RowGroupRows = 1000
	for _, tr := range trs {
		if err := w.Write(tr); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	// Rewrite uncompressed: splitPages copies the levels and values.
	want := mustRead(t, buf.Bytes())
	cuts := map[string]func(col, n int) []int{
		"every level": func(_, n int) []int {
			var c []int
			for i := 1; i < n; i++ {
				c = append(c, i)
			}
			return c
		},
		"random": func(_, n int) []int {
			var c []int
			for i := 0; i < n; i += 1 + rng.Intn(60) {
				c = append(c, i)
			}
			return c
		},
		"one page": func(int, int) []int { return nil },
	}
	for name, cut := range cuts {
		b := splitPages(t, buf.Bytes(), cut)
		got, err := ReadAll(bytes.NewReader(b), int64(len(b)), "split.parquet")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, want) {
			for i := range want.Trajectories {
				if !reflect.DeepEqual(got.Trajectories[i], want.Trajectories[i]) {
					t.Errorf("%s: row %d differs", name, i+1)
					break
				}
			}
		}
	}
}

// dictRow is written with dictionary-encoded lists (as pyarrow does), a
// list of booleans and unsigned ids.
type dictRow struct {
	UID       string    `parquet:"uid,dict"`
	Responses []int64   `parquet:"responses,dict"`
	Mask      []float64 `parquet:"response_mask,dict"`
	Values    []float32 `parquet:"values,list,dict"`
	Returns   []int32   `parquet:"returns,list,optional"`
	Adv       []bool    `parquet:"advantages"`
	Old       []uint32  `parquet:"old_log_probs,list,dict"`
}

func TestReadDictionaryAndBooleanLists(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	var rows []dictRow
	for i := range 300 {
		k := rng.Intn(60)
		r := dictRow{UID: fmt.Sprint("g", i%4), Responses: make([]int64, k), Mask: make([]float64, k), Values: make([]float32, k), Adv: make([]bool, k), Old: make([]uint32, k)}
		for j := range k {
			r.Responses[j] = int64(rng.Intn(5))
			r.Mask[j] = float64(rng.Intn(2))
			r.Values[j] = float32(rng.Intn(3)) / 4
			r.Adv[j] = rng.Intn(2) == 0
			r.Old[j] = math.MaxUint32 - uint32(rng.Intn(3))
		}
		if rng.Intn(2) == 0 {
			r.Returns = make([]int32, k)
			for j := range k {
				r.Returns[j] = int32(rng.Intn(100) - 50)
			}
		}
		rows = append(rows, r)
	}
	for _, opts := range [][]pq.WriterOption{nil, {pq.PageBufferSize(512)}, {pq.PageBufferSize(300), pq.DataPageVersion(1)}} {
		var buf bytes.Buffer
		w := pq.NewGenericWriter[dictRow](&buf, opts...)
		for i := 0; i < len(rows); i += 7 {
			if _, err := w.Write(rows[i:min(i+7, len(rows))]); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		got := mustRead(t, buf.Bytes())
		for i, r := range rows {
			tr := got.Trajectories[i]
			adv := make([]float64, len(r.Adv))
			vals := make([]float64, len(r.Values))
			old := make([]float64, len(r.Old))
			for j := range r.Adv {
				if r.Adv[j] {
					adv[j] = 1
				}
				vals[j] = float64(r.Values[j])
				old[j] = float64(r.Old[j])
			}
			var ret []float64
			if r.Returns != nil {
				ret = make([]float64, len(r.Returns))
				for j, x := range r.Returns {
					ret[j] = float64(x)
				}
			}
			mask := r.Mask
			if len(mask) == 0 {
				// Lists that cannot be null (bare repeated or required):
				// empty is absent.
				mask, adv, vals, old = nil, nil, nil, nil
			}
			if tr.Group != r.UID || !reflect.DeepEqual(tr.Tokens, r.Responses) || !reflect.DeepEqual(tr.Mask, mask) ||
				!reflect.DeepEqual(tr.Values, vals) || !reflect.DeepEqual(tr.Advantages, adv) ||
				!reflect.DeepEqual(tr.OldLogProbs, old) || !reflect.DeepEqual(tr.Returns, ret) {
				t.Fatalf("row %d: got %#v\nwant %#v", i+1, tr, r)
			}
		}
	}
}

// TestReadListErrors covers the per-element errors of list columns.
func TestReadListErrors(t *testing.T) {
	type nullElems struct {
		UID       string     `parquet:"uid"`
		Responses []*int64   `parquet:"responses,list"`
		Mask      []*float64 `parquet:"response_mask,list,optional"`
	}
	type unsignedIDs struct {
		UID       string   `parquet:"uid"`
		Responses []uint64 `parquet:"responses"`
		Values    []uint64 `parquet:"values,list"`
	}
	one, two := int64(1), 0.5
	cases := []struct {
		name string
		file []byte
		want string
	}{
		{"null token", pqFile(t, []nullElems{{UID: "g", Responses: []*int64{&one, nil}}}), "bad.parquet: row 1: field responses[1]: null, want a number"},
		{"null mask", pqFile(t, []nullElems{{UID: "g", Responses: []*int64{&one, &one}, Mask: []*float64{&two, nil}}}), "bad.parquet: row 1: field response_mask[1]: null, want a number"},
		{"id too large", pqFile(t, []unsignedIDs{{UID: "g", Responses: []uint64{1, math.MaxUint64}, Values: []uint64{1, 2}}}), "bad.parquet: row 1: field responses[1]: token id 18446744073709551615 does not fit in int64"},
	}
	for _, c := range cases {
		_, err := ReadAll(bytes.NewReader(c.file), int64(len(c.file)), "bad.parquet")
		if err == nil || err.Error() != c.want {
			t.Errorf("%s: got %v, want %s", c.name, err, c.want)
		}
	}
	// Unsigned values beyond int64 in a float column are clamped.
	b := pqFile(t, []unsignedIDs{{UID: "g", Responses: []uint64{1, 2}, Values: []uint64{1, math.MaxUint64}}})
	got := mustRead(t, b)
	if v := got.Trajectories[0].Values; !reflect.DeepEqual(v, []float64{1, math.MaxInt64}) {
		t.Errorf("values %v", v)
	}
}
