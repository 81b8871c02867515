package stream

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/credo-rl/credo/format"
)

// Parquet to Parquet in one pass copies the unchanged columns of the input
// (parquet.Writer.Follow); the records are those of Parquet to JSONL, which
// encodes every field, for group methods of several kinds, and those of
// the whole batch assigned at once.
func TestParquetFollowedSameRecords(t *testing.T) {
	for _, name := range []string{"verl.grpo", "verl.rloo", "verl.gae"} {
		m, v := lookup(t, name)
		dir := t.TempDir()
		jl := filepath.Join(dir, "in.jsonl")
		writeLines(t, jl, mixedRecords(40, false))
		b, err := format.ReadAll(jl)
		if err != nil {
			t.Fatal(err)
		}
		in := filepath.Join(dir, "in.parquet")
		writeBatch(t, in, b)
		outP, outJ := filepath.Join(dir, "out.parquet"), filepath.Join(dir, "out.jsonl")
		st, err := Assign(m, v, nil, in, outP)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Assign(m, v, nil, in, outJ); err != nil {
			t.Fatal(err)
		}
		got, err := format.ReadAll(outP)
		if err != nil {
			t.Fatal(err)
		}
		want, err := format.ReadAll(outJ)
		if err != nil {
			t.Fatal(err)
		}
		for i := range want.Trajectories {
			want.Trajectories[i].Source = nil // the JSONL reader's record of the input line
			if !reflect.DeepEqual(got.Trajectories[i], want.Trajectories[i]) {
				t.Errorf("%s (%s): record %d: Parquet output %+v differs from JSONL output %+v", name, st.Mode, i+1, got.Trajectories[i], want.Trajectories[i])
				break
			}
		}
		whole, _ := format.ReadAll(in)
		if err := m.Assign(whole, v); err != nil {
			t.Fatal(err)
		}
		assertSameCredit(t, got, whole)
	}
}
