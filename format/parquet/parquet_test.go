package parquet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	pq "github.com/parquet-go/parquet-go"

	"github.com/credo-rl/credo/format/jsonl"
	"github.com/credo-rl/credo/rollout"
)

func intp(i int) *int { return &i }

// rich returns a trajectory with every field set.
func rich(id string) *rollout.Trajectory {
	return &rollout.Trajectory{
		ID:          id,
		Group:       "p0",
		Parent:      &rollout.Branch{Trajectory: "root", Token: 2},
		Probe:       true,
		Rewards:     map[string]float64{"outcome": 1, "format": -0.5},
		Features:    map[string]any{"tools": 2.0, "game": "sokoban", "hard": true},
		GroundTruth: "42",
		Steps: []rollout.Step{
			{Start: 0, End: 4, Kind: "turn", Role: "agent", State: `[1,2]`, Observation: "obs <0>",
				Rewards: map[string]float64{"reward": 0.5}, Values: map[string]float64{"mc": 0.25}, Labels: map[string]float64{"wrong_step": 1}},
			{Start: 1, End: 3, Kind: "reasoning", Parent: intp(0), State: "s1"},
		},
		Tokens:       []int64{11, 12, -3, 1 << 40},
		Mask:         []float64{1, 1, 0, 0.5},
		OldLogProbs:  []float64{-0.1, -0.2, -0.3, -1e-300},
		RefLogProbs:  []float64{-0.11, -0.21, -0.31, -0.41},
		LogProbs:     map[string][]float64{"prm_phi": {-1, -2, -3, -4}},
		TokenRewards: []float64{0, 0, 0, 1},
		Values:       []float64{0.1, 0.2, 0.3, 0.4},
		Scores:       map[string][]float64{"entropy": {0.5, 0.6, 0.7, math.SmallestNonzeroFloat64}},
		Tags:         map[string][]int8{"planning": {1, 0, 0, 1}},
		Advantages:   []float64{0.3, 0.3, 0, 0.3},
		Returns:      []float64{1, 1, 1, 1},
		LossWeights:  []float64{1, 0, 1, 1},
		Extra:        map[string]json.RawMessage{"prompt": json.RawMessage(`"2+2?"`), "meta": json.RawMessage(`{"a":[1,null,"x"]}`), "nothing": json.RawMessage(`null`)},
	}
}

func writeAll(t testing.TB, rows int, trs ...*rollout.Trajectory) []byte {
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
	return buf.Bytes()
}

func mustRead(t testing.TB, b []byte) *rollout.Batch {
	t.Helper()
	batch, err := ReadAll(bytes.NewReader(b), int64(len(b)), "in.parquet")
	if err != nil {
		t.Fatal(err)
	}
	return batch
}

func TestRoundTripRich(t *testing.T) {
	minimal := &rollout.Trajectory{Group: "p1", Tokens: []int64{}, Mask: []float64{}}
	late := rich("d")
	late.Extra = map[string]json.RawMessage{"late_field": json.RawMessage(`[1,2]`)}
	root := &rollout.Trajectory{ID: "root", Group: "p0", Tokens: []int64{1, 2, 3}}
	in := []*rollout.Trajectory{root, rich("a"), rich("b"), minimal, late}
	// Two rows per row group: late's extra key (row 5) is not in the schema fixed by
	// the first row group and goes through credo_extra.
	b := writeAll(t, 2, in...)
	f, err := pq.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.RowGroups()); n != 3 {
		t.Errorf("%d row groups, want 3", n)
	}
	got := mustRead(t, b)
	if len(got.Trajectories) != len(in) {
		t.Fatalf("read %d trajectories, want %d", len(got.Trajectories), len(in))
	}
	for i, want := range in {
		w := *want
		w.Version = rollout.FormatVersion
		if w.ID == "" {
			w.ID = fmt.Sprintf("row-%d", i+1)
		}
		if !reflect.DeepEqual(got.Trajectories[i], &w) {
			g, _ := json.Marshal(got.Trajectories[i])
			e, _ := json.Marshal(&w)
			t.Errorf("row %d:\n got %s %v\nwant %s %v", i+1, g, got.Trajectories[i].Extra, e, w.Extra)
		}
	}
	// Writing what was read gives the same file content again.
	again := mustRead(t, writeAll(t, 3, got.Trajectories...))
	if !reflect.DeepEqual(again, got) {
		t.Errorf("second round trip differs")
	}
}

// verlRow is how someone else might write verl data with parquet-go: bare
// repeated float32/int32 columns, a different order and extra columns.
type verlRow struct {
	ResponseMask      []float32 `parquet:"response_mask"`
	TokenLevelRewards []float32 `parquet:"token_level_rewards"`
	Prompt            string    `parquet:"prompt"`
	Responses         []int32   `parquet:"responses"`
	UID               string    `parquet:"uid"`
	RewardModel       struct {
		GroundTruth string `parquet:"ground_truth"`
		Style       string `parquet:"style"`
	} `parquet:"reward_model"`
	Turns []string       `parquet:"turns,list"`
	Score *float64       `parquet:"score,optional"`
	Info  map[string]int `parquet:"info"`
}

func TestReadForeignLayout(t *testing.T) {
	half := 0.5
	rows := []verlRow{
		{UID: "g1", Responses: []int32{5, 6, 7}, ResponseMask: []float32{1, 1, 0}, TokenLevelRewards: []float32{0, 0.1, 1},
			Prompt: "2+2?", Turns: []string{"a", "b"}, Score: &half, Info: map[string]int{"k": 3}},
		{UID: "g1", Responses: []int32{8}, TokenLevelRewards: []float32{float32(math.Pi)}},
	}
	rows[0].RewardModel.GroundTruth = "4"
	rows[0].RewardModel.Style = "rule"
	var buf bytes.Buffer
	if err := pq.Write(&buf, rows); err != nil {
		t.Fatal(err)
	}
	b := mustRead(t, buf.Bytes())
	t0, t1 := b.Trajectories[0], b.Trajectories[1]
	if t0.ID != "row-1" || t1.ID != "row-2" || t0.Group != "g1" {
		t.Errorf("ids %q %q group %q", t0.ID, t1.ID, t0.Group)
	}
	if !reflect.DeepEqual(t0.Tokens, []int64{5, 6, 7}) || !reflect.DeepEqual(t0.Mask, []float64{1, 1, 0}) {
		t.Errorf("tokens %v mask %v", t0.Tokens, t0.Mask)
	}
	if want := []float64{0, float64(float32(0.1)), 1}; !reflect.DeepEqual(t0.TokenRewards, want) {
		t.Errorf("token_level_rewards %v, want %v", t0.TokenRewards, want)
	}
	// The empty bare repeated mask of row 2 cannot say null: read as absent.
	if t1.Mask != nil || t1.TokenRewards[0] != float64(float32(math.Pi)) {
		t.Errorf("row 2 mask %v rewards %v", t1.Mask, t1.TokenRewards)
	}
	wantExtra := map[string]string{
		"prompt":       `"2+2?"`,
		"reward_model": `{"ground_truth":"4","style":"rule"}`,
		"turns":        `["a","b"]`,
		"score":        `0.5`,
		"info":         `{"k":3}`,
	}
	for k, v := range wantExtra {
		if got := string(t0.Extra[k]); got != v {
			t.Errorf("extra %s = %s, want %s", k, got, v)
		}
	}
	if _, ok := t1.Extra["score"]; ok {
		t.Errorf("null score kept as %s", t1.Extra["score"])
	}
	// Written back by credo and read again, nothing is lost.
	again := mustRead(t, writeAll(t, 0, b.Trajectories...))
	for i := range b.Trajectories {
		if !reflect.DeepEqual(again.Trajectories[i].Extra, b.Trajectories[i].Extra) {
			t.Errorf("row %d extra %v, want %v", i+1, again.Trajectories[i].Extra, b.Trajectories[i].Extra)
		}
	}
}

// listRow uses standard three-level lists, int64 token ids and JSON text in
// a plain string column for a structured field.
type listRow struct {
	Rewards   string    `parquet:"rewards"`
	Responses []int64   `parquet:"responses,list"`
	Values    []float64 `parquet:"values,list,optional"`
	UID       string    `parquet:"uid"`
	TrajUID   int64     `parquet:"traj_uid"`
}

func TestReadThreeLevelLists(t *testing.T) {
	var buf bytes.Buffer
	rows := []listRow{
		{UID: "g", TrajUID: 7, Responses: []int64{1, 2}, Values: []float64{0.5, 0.25}, Rewards: `{"outcome":1}`},
		{UID: "g", TrajUID: 8, Responses: []int64{3}},
	}
	if err := pq.Write(&buf, rows); err != nil {
		t.Fatal(err)
	}
	b := mustRead(t, buf.Bytes())
	t0, t1 := b.Trajectories[0], b.Trajectories[1]
	if t0.ID != "7" || t1.ID != "8" {
		t.Errorf("ids %q %q", t0.ID, t1.ID)
	}
	if !reflect.DeepEqual(t0.Values, []float64{0.5, 0.25}) || t0.Rewards["outcome"] != 1 {
		t.Errorf("values %v rewards %v", t0.Values, t0.Rewards)
	}
	if t1.Values != nil {
		t.Errorf("row 2 values %v, want null", t1.Values)
	}
}

type noUID struct {
	Responses []int64 `parquet:"responses"`
}

type floatTokens struct {
	UID       string    `parquet:"uid"`
	Responses []float64 `parquet:"responses"`
}

type nanRow struct {
	UID          string    `parquet:"uid"`
	Responses    []int32   `parquet:"responses"`
	ResponseMask []float32 `parquet:"response_mask"`
}

func pqFile[T any](t *testing.T, rows []T) []byte {
	var buf bytes.Buffer
	if err := pq.Write(&buf, rows); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestBadInput(t *testing.T) {
	ok := &rollout.Trajectory{Group: "g", Tokens: []int64{1, 2}}
	ragged := &rollout.Trajectory{Group: "g", Tokens: []int64{1, 2}, Mask: []float64{1}}
	nan := &rollout.Trajectory{Group: "g", Tokens: []int64{1, 2}, OldLogProbs: []float64{0, math.NaN()}}
	inf := &rollout.Trajectory{Group: "g", Tokens: []int64{1}, Values: []float64{math.Inf(-1)}}
	empty := &rollout.Trajectory{Group: "", Tokens: []int64{1}}
	valid := writeAll(t, 0, ok, ok)
	cases := []struct {
		name string
		file []byte
		want string
	}{
		{"ragged mask", writeAll(t, 0, ok, ragged), "bad.parquet: row 2: field response_mask: has 1 values, want 2"},
		{"NaN", writeAll(t, 0, nan), "bad.parquet: row 1: field old_log_probs[1]: want a finite number, got NaN"},
		{"Inf", writeAll(t, 0, inf), "bad.parquet: row 1: field values[0]: want a finite number, got -Inf"},
		{"float32 Inf", pqFile(t, []nanRow{{UID: "g", Responses: []int32{1, 2}, ResponseMask: []float32{1, float32(math.Inf(1))}}}),
			"bad.parquet: row 1: field response_mask[1]: want a finite number, got +Inf"},
		{"missing uid column", pqFile(t, []noUID{{Responses: []int64{1}}}), "bad.parquet: schema: field uid: missing column"},
		{"empty uid", writeAll(t, 0, ok, empty), "bad.parquet: row 2: field uid: missing"},
		{"float token ids", pqFile(t, []floatTokens{{UID: "g", Responses: []float64{1}}}), "bad.parquet: schema: field responses: want a list of int32 or int64 token ids, got a list of DOUBLE"},
		{"truncated", valid[:len(valid)/2], "bad.parquet: file: truncated or corrupt file: it does not end with the magic \"PAR1\""},
		{"truncated footer", valid[:len(valid)-1], "bad.parquet: file: truncated or corrupt file"},
		{"tiny", valid[:7], "bad.parquet: file: truncated file: 7 bytes is too short"},
		{"not parquet", []byte(`{"uid":"g","responses":[1]}` + "\n"), "bad.parquet: file: not a Parquet file"},
		{"duplicate id", writeAll(t, 0, ok, &rollout.Trajectory{ID: "a", Group: "g", Tokens: []int64{1}}, &rollout.Trajectory{ID: "a", Group: "g", Tokens: []int64{1}}), "bad.parquet: trajectory 2 (traj_uid \"a\"): field traj_uid: duplicate id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadAll(bytes.NewReader(c.file), int64(len(c.file)), "bad.parquet")
			if err == nil {
				t.Fatalf("accepted")
			}
			if !strings.HasPrefix(err.Error(), c.want) {
				t.Fatalf("error %q does not start with %q", err, c.want)
			}
			var re *rollout.RecordError
			if !errors.As(err, &re) {
				t.Errorf("error is not a RecordError")
			}
		})
	}
}

func TestNextGoesOnAfterBadRow(t *testing.T) {
	ok := &rollout.Trajectory{Group: "g", Tokens: []int64{1}}
	bad := &rollout.Trajectory{Group: "g", Tokens: []int64{1}, Returns: []float64{1, 2}}
	b := writeAll(t, 2, ok, bad, ok)
	rd, err := NewReader(bytes.NewReader(b), int64(len(b)), "x.parquet")
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	var got []string
	for {
		tr, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			got = append(got, err.Error())
			continue
		}
		got = append(got, tr.ID)
	}
	want := []string{"row-1", "x.parquet: row 2: field returns: has 2 values, want 1 (one per token of responses)", "row-3"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestStreamingManyRowGroups(t *testing.T) {
	var trs []*rollout.Trajectory
	for i := range 50 {
		trs = append(trs, &rollout.Trajectory{Group: fmt.Sprint(i % 7), Tokens: make([]int64, i), Values: make([]float64, i)})
	}
	b := writeAll(t, 8, trs...)
	f, err := pq.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.RowGroups()); n != 7 {
		t.Errorf("%d row groups, want 7", n)
	}
	got := mustRead(t, b)
	for i, tr := range got.Trajectories {
		if tr.Len() != i || len(tr.Values) != i || tr.ID != fmt.Sprintf("row-%d", i+1) {
			t.Fatalf("row %d: %d tokens, %d values, id %q", i+1, tr.Len(), len(tr.Values), tr.ID)
		}
	}
}

func TestWriteRejectsBadExtra(t *testing.T) {
	w := NewWriter(io.Discard)
	err := w.Write(&rollout.Trajectory{Group: "g", Tokens: []int64{1}, Extra: map[string]json.RawMessage{"uid": json.RawMessage(`1`)}})
	if err == nil || !strings.Contains(err.Error(), "field uid: extra field has the name of a credo column") {
		t.Errorf("got %v", err)
	}
	err = w.Write(&rollout.Trajectory{Group: "g", Tokens: []int64{1}, Extra: map[string]json.RawMessage{"x": json.RawMessage(`{`)}})
	if err == nil || !strings.Contains(err.Error(), "not valid JSON") {
		t.Errorf("got %v", err)
	}
}

func ExampleNewWriter() {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.Write(&rollout.Trajectory{ID: "t0", Group: "p0", Tokens: []int64{7, 8}, Rewards: map[string]float64{"outcome": 1}})
	w.Close()

	rd, _ := NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "rollouts.parquet")
	for {
		t, err := rd.Next()
		if err != nil {
			break
		}
		fmt.Println(t.ID, t.Group, t.Tokens, t.Rewards["outcome"])
	}
	// Output: t0 p0 [7 8] 1
}

// fuzzSeeds are small files of every layout the reader accepts. Most are
// written uncompressed (the library's writer with the UNCOMPRESSED codec,
// data pages v1 and v2, and credo's files rewritten by splitPages as
// uncompressed v1 pages split inside rows), so that the fuzzer's mutations
// reach the levels and values instead of breaking the SNAPPY blocks.
func fuzzSeeds(tb testing.TB) [][]byte {
	var seeds [][]byte
	lib := func(write func(w io.Writer, opts ...pq.WriterOption) error) {
		for _, opts := range [][]pq.WriterOption{
			{pq.Compression(&pq.Uncompressed), pq.DataPageVersion(1)},
			{pq.Compression(&pq.Uncompressed), pq.DataPageVersion(2)},
			{},
		} {
			var buf bytes.Buffer
			if err := write(&buf, opts...); err != nil {
				tb.Fatal(err)
			}
			seeds = append(seeds, buf.Bytes())
		}
	}
	half := 0.5
	lib(func(w io.Writer, o ...pq.WriterOption) error {
		return pq.Write(w, []nanRow{{UID: "g", Responses: []int32{1, 2}, ResponseMask: []float32{1, 0}}, {UID: "h", Responses: []int32{3}}}, o...)
	})
	lib(func(w io.Writer, o ...pq.WriterOption) error {
		return pq.Write(w, []verlRow{{UID: "g", Responses: []int32{1, 2}, ResponseMask: []float32{1, 0}, TokenLevelRewards: []float32{0, 1}, Turns: []string{"x"}, Info: map[string]int{"a": 1}, Score: &half},
			{UID: "g", Responses: []int32{1}}}, o...)
	})
	lib(func(w io.Writer, o ...pq.WriterOption) error {
		return pq.Write(w, []listRow{{UID: "g", TrajUID: 7, Responses: []int64{1, 2}, Values: []float64{0.5, 0.25}, Rewards: `{"outcome":1}`}, {UID: "g", TrajUID: 8, Responses: []int64{3}}}, o...)
	})
	lib(func(w io.Writer, o ...pq.WriterOption) error {
		return pq.Write(w, []dictRow{{UID: "g", Responses: []int64{1, 1, 2}, Mask: []float64{1, 1, 0}, Values: []float32{0.5, 0.5, 0}, Returns: []int32{1, 2, 3}, Adv: []bool{true, false, true}, Old: []uint32{7, 7, 1 << 31}},
			{UID: "g", Responses: []int64{}}}, o...)
	})
	// credo's own files: one row group, several row groups, and rewritten
	// uncompressed with rows running over page boundaries.
	small := &rollout.Trajectory{Group: "g", Tokens: []int64{1, 2}, Mask: []float64{1, 0}, Advantages: []float64{0.5, 0.5}, Rewards: map[string]float64{"outcome": 1}}
	r := rich("a")
	r.Parent = nil
	seeds = append(seeds, writeAll(tb, 0, small), writeAll(tb, 0, r), writeAll(tb, 1, small, r))
	split := func(_, n int) []int {
		var c []int
		for i := 1; i < n; i += 3 {
			c = append(c, i)
		}
		return c
	}
	seeds = append(seeds, splitPages(tb, writeAll(tb, 0, small, r), split))
	// The example rollouts, each file converted to Parquet (one row group
	// per record, so that the fuzzer sees several row groups), and the
	// example Parquet file.
	examples, _ := filepath.Glob("../../examples/*.jsonl")
	more, _ := filepath.Glob("../../examples/*.parquet")
	for _, p := range more {
		if b, err := os.ReadFile(p); err == nil {
			seeds = append(seeds, b)
		}
	}
	for _, p := range examples {
		jf, err := os.Open(p)
		if err != nil {
			tb.Fatal(err)
		}
		jb, err := jsonl.ReadAll(jf, p)
		jf.Close()
		if err != nil {
			tb.Fatal(err)
		}
		if len(jb.Trajectories) > 8 {
			jb.Trajectories = jb.Trajectories[:8] // small seeds: the fuzzer minimises every new input
			for _, t := range jb.Trajectories {
				t.Parent = nil // the parent may be left out
			}
		}
		for _, t := range jb.Trajectories {
			t.ClearSource()
		}
		seeds = append(seeds, writeAll(tb, 1, jb.Trajectories...))
		seeds = append(seeds, splitPages(tb, writeAll(tb, 0, jb.Trajectories...), split))
	}
	return seeds
}

// FuzzReader reads arbitrary bytes as Parquet: errors must be
// *rollout.RecordError; a file that reads is a valid batch, reads the same
// rows by number (RowReader, in reverse), and is written again (with and
// without Follow) to a file that reads back the same.
func FuzzReader(f *testing.F) {
	for _, b := range fuzzSeeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		batch, err := ReadAll(bytes.NewReader(b), int64(len(b)), "fuzz.parquet")
		if err != nil {
			var re *rollout.RecordError
			if !errors.As(err, &re) {
				t.Fatalf("error is not a RecordError: %v", err)
			}
			return
		}
		if err := batch.Validate(); err != nil {
			t.Fatalf("ReadAll returned an invalid batch: %v", err)
		}
		var out bytes.Buffer
		w := NewWriter(&out)
		for _, tr := range batch.Trajectories {
			if err := w.Write(tr); err != nil {
				t.Fatalf("write: %v", err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatalf("close: %v", err)
		}
		again, err := ReadAll(bytes.NewReader(out.Bytes()), int64(out.Len()), "again.parquet")
		if err != nil {
			t.Fatalf("re-reading written file: %v", err)
		}
		if len(again.Trajectories) != len(batch.Trajectories) {
			t.Fatalf("re-read %d rows, want %d", len(again.Trajectories), len(batch.Trajectories))
		}
		rr, err := NewRowReader(bytes.NewReader(b), int64(len(b)), "fuzz.parquet")
		if err != nil {
			t.Fatalf("RowReader: %v", err)
		}
		for i := len(batch.Trajectories); i >= 1; i-- {
			tr, err := rr.Read(i)
			if err != nil || tr.ID != batch.Trajectories[i-1].ID {
				t.Fatalf("RowReader row %d: %v", i, err)
			}
		}
		rr.Close()
		// Rewritten under Follow: the same records as without.
		rd, err := NewReader(bytes.NewReader(b), int64(len(b)), "fuzz.parquet")
		if err != nil {
			t.Fatal(err)
		}
		var fol bytes.Buffer
		fw := NewWriter(&fol)
		fw.Follow(rd)
		for {
			tr, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("second read: %v", err)
			}
			if err := fw.Write(tr); err != nil {
				t.Fatalf("write under Follow: %v", err)
			}
		}
		rd.Close()
		if err := fw.Close(); err != nil {
			t.Fatalf("close under Follow: %v", err)
		}
		followed, err := ReadAll(bytes.NewReader(fol.Bytes()), int64(fol.Len()), "followed.parquet")
		if err != nil {
			t.Fatalf("re-reading followed file: %v", err)
		}
		for i := range again.Trajectories {
			again.Trajectories[i].Source, followed.Trajectories[i].Source = nil, nil
		}
		if !reflect.DeepEqual(followed, again) {
			t.Fatalf("Follow wrote other records")
		}
		// Under Follow with only the mask read (Reader.Needs, as credo
		// assign does), and reading ahead: the same bytes as without, or
		// a clean error (the values not read are then not decoded).
		plain, _, perr := rewriteNeeds(b, nil)
		if perr != nil {
			t.Fatalf("rewrite under Follow: %v", perr)
		}
		needs, _, nerr := rewriteNeeds(b, []string{"response_mask"})
		if nerr != nil {
			var re *rollout.RecordError
			if !errors.As(nerr, &re) {
				t.Fatalf("Needs: error is not a RecordError: %v", nerr)
			}
		} else if !bytes.Equal(needs, plain) {
			t.Fatalf("Needs wrote other bytes")
		}
	})
}

// TestCorruptFilesGiveErrors flips bytes of valid files: reading must give
// a *rollout.RecordError or a valid batch, never a panic.
func TestCorruptFilesGiveErrors(t *testing.T) {
	r := rich("a")
	r.Parent = nil
	seeds := [][]byte{
		writeAll(t, 1, r, r),
		pqFile(t, []verlRow{{UID: "g", Responses: []int32{1}, Turns: []string{"x"}, Info: map[string]int{"a": 1}}}),
	}
	rng := rand.New(rand.NewSource(1))
	errs := 0
	for it := range 2000 {
		b := bytes.Clone(seeds[it%len(seeds)])
		for range 1 + rng.Intn(3) {
			b[rng.Intn(len(b))] = byte(rng.Intn(256))
		}
		batch, err := ReadAll(bytes.NewReader(b), int64(len(b)), "x.parquet")
		if err != nil {
			errs++
			var re *rollout.RecordError
			if !errors.As(err, &re) || !strings.HasPrefix(err.Error(), "x.parquet: ") {
				t.Fatalf("error %v is not a RecordError naming the file", err)
			}
			continue
		}
		if err := batch.Validate(); err != nil {
			t.Fatalf("invalid batch accepted: %v", err)
		}
	}
	t.Logf("%d of 2000 corrupted files rejected", errs)
}

func benchBatch(rows, tokens int) []*rollout.Trajectory {
	rng := rand.New(rand.NewSource(1))
	trs := make([]*rollout.Trajectory, rows)
	for i := range trs {
		t := &rollout.Trajectory{ID: fmt.Sprint(i), Group: fmt.Sprint(i / 8), Tokens: make([]int64, tokens), Rewards: map[string]float64{"outcome": 1}}
		for _, p := range []*[]float64{&t.Mask, &t.OldLogProbs, &t.RefLogProbs, &t.TokenRewards, &t.Values, &t.Advantages, &t.Returns, &t.LossWeights} {
			*p = make([]float64, tokens)
			for k := range *p {
				(*p)[k] = rng.Float64()
			}
		}
		trs[i] = t
	}
	return trs
}

// BenchmarkRead reports tokens/s for reading 256 rows of 2048 tokens with
// all seven per-token float columns.
func BenchmarkRead(b *testing.B) {
	f := writeAll(b, 0, benchBatch(256, 2048)...)
	b.SetBytes(int64(len(f)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := ReadAll(bytes.NewReader(f), int64(len(f)), "bench.parquet"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(256*2048*b.N)/b.Elapsed().Seconds(), "tokens/s")
}

func BenchmarkWrite(b *testing.B) {
	trs := benchBatch(256, 2048)
	for b.Loop() {
		w := NewWriter(io.Discard)
		for _, t := range trs {
			if err := w.Write(t); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(256*2048*b.N)/b.Elapsed().Seconds(), "tokens/s")
}

// TestSameAsJSONL converts JSONL to Parquet and back: the JSONL written
// from both is identical.
func TestSameAsJSONL(t *testing.T) {
	in := `{"uid":"p0","traj_uid":"a","responses":[1,2,3],"response_mask":[1,1,0],"rewards":{"outcome":1},"my_field":{"x":[1,2]},"prompt":"2+2?"}
{"uid":"p0","traj_uid":"b","responses":[4],"steps":[{"start":0,"end":1,"anchor_obs":[1,2],"rewards":{"reward":0.5}}],"features":{"n":2,"s":"x"},"parent":{"traj_uid":"a","token":2}}
{"uid":"p1","responses":[],"token_tags":{"obs":[]},"log_probs":{"prm":[]},"probe":true,"ground_truth":"4"}
`
	jb, err := jsonl.ReadAll(strings.NewReader(in), "in.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	path := t.TempDir() + "/out.parquet"
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := NewWriter(f)
	for _, tr := range jb.Trajectories {
		if err := w.Write(tr); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	pb, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := func(b *rollout.Batch) string {
		var out bytes.Buffer
		jw := jsonl.NewWriter(&out)
		for _, tr := range b.Trajectories {
			c := *tr
			c.ClearSource() // canonical form (JSONL read from JSONL is written back as read)
			if err := jw.Write(&c); err != nil {
				t.Fatal(err)
			}
		}
		jw.Flush()
		return out.String()
	}
	if a, b := text(jb), text(pb); a != b {
		t.Errorf("JSONL differs:\n%s\nvia Parquet:\n%s", a, b)
	}
}
