package parquet

import (
	"bytes"
	"math/rand"
	"reflect"
	"testing"
)

// TestRowReader reads rows by number in several orders and compares them
// with the rows read in sequence; the spread-groups order (row k of group
// k mod G) decodes every row once.
func TestRowReader(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	trs := randomBatch(rng, 600, 50, true)
	b, _ := writeWith(t, 64, trs)
	want := mustRead(t, b).Trajectories
	n := len(want)
	orders := map[string][]int{}
	var seq, rev, rnd, spread []int
	for i := 1; i <= n; i++ {
		seq = append(seq, i)
		rev = append(rev, n+1-i)
		rnd = append(rnd, 1+rng.Intn(n))
	}
	const groups = 75 // 8 records per group
	for g := range groups {
		for j := 0; j < n/groups; j++ {
			spread = append(spread, 1+g+j*groups)
		}
	}
	orders["in order"], orders["reversed"], orders["random"], orders["spread groups"] = seq, rev, rnd, spread
	for name, rows := range orders {
		rr, err := NewRowReader(bytes.NewReader(b), int64(len(b)), "x.parquet")
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rows {
			got, err := rr.Read(row)
			if err != nil {
				t.Fatalf("%s: row %d: %v", name, row, err)
			}
			if !reflect.DeepEqual(got, want[row-1]) {
				t.Fatalf("%s: row %d differs: got id %s, want %s", name, row, got.ID, want[row-1].ID)
			}
		}
		if (name == "in order" || name == "spread groups") && rr.Decoded != len(rows) {
			t.Errorf("%s: decoded %d rows to read %d", name, rr.Decoded, len(rows))
		}
		if len(rr.cursors) > MaxCursors {
			t.Errorf("%s: %d cursors", name, len(rr.cursors))
		}
		rr.Close()
	}
	rr, _ := NewRowReader(bytes.NewReader(b), int64(len(b)), "x.parquet")
	if _, err := rr.Read(n + 1); err == nil {
		t.Errorf("row %d of %d: no error", n+1, n)
	}

	// Long rows: several pages per column chunk, seeks inside a chunk.
	trs = randomBatch(rng, 90, 30000, false)
	b, _ = writeWith(t, 40, trs)
	want = mustRead(t, b).Trajectories
	rr, _ = NewRowReader(bytes.NewReader(b), int64(len(b)), "x.parquet")
	for range 60 {
		row := 1 + rng.Intn(len(want))
		got, err := rr.Read(row)
		if err != nil || !reflect.DeepEqual(got, want[row-1]) {
			t.Fatalf("long rows: row %d differs (%v)", row, err)
		}
	}
}
