package parquet

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"math/rand"
	"reflect"
	"testing"
)

// readTrace reads every row of b (going on after row errors) and records
// each call's trajectory ID, error and Row.
func readTrace(t *testing.T, b []byte, ahead bool) []string {
	t.Helper()
	r, err := NewReader(bytes.NewReader(b), int64(len(b)), "in.parquet")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if ahead {
		r.ReadAhead(100)
	}
	var out []string
	for range 10000 {
		tr, err := r.Next()
		id := ""
		if tr != nil {
			id = fmt.Sprintf("%s %d %v", tr.ID, len(tr.Tokens), tr.OldLogProbs)
		}
		out = append(out, fmt.Sprintf("%s | %v | row %d", id, err, r.Row()))
		if err == io.EOF {
			// Every later call says the same.
			_, err2 := r.Next()
			out = append(out, fmt.Sprint(err2))
			break
		}
	}
	return out
}

// ReadAhead changes nothing of what Next and Row return: rows, row errors
// (after which reading goes on), the end.
func TestReadAheadSameRows(t *testing.T) {
	trs := randomBatch(rand.New(rand.NewSource(11)), 500, 30, true)
	for i := 5; i < len(trs); i += 37 {
		if len(trs[i].Tokens) > 0 {
			trs[i].OldLogProbs = make([]float64, len(trs[i].Tokens))
			trs[i].OldLogProbs[0] = math.NaN() // a row error
		}
	}
	in, _ := writeWith(t, 64, trs)
	inputs := followInputs(t)
	inputs["row errors"] = in
	for name, b := range inputs {
		want, got := readTrace(t, b, false), readTrace(t, b, true)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: read ahead differs:\n got  %q\n want %q", name, got, want)
		}
	}
}

// Under Follow, reading ahead writes the same bytes; closing the Reader
// before its end stops the goroutine.
func TestReadAheadFollowSameBytes(t *testing.T) {
	for name, in := range followInputs(t) {
		want, _, err := rewriteNeeds(in, []string{"response_mask"})
		if err != nil {
			t.Fatal(err)
		}
		r, _ := NewReader(bytes.NewReader(in), int64(len(in)), "in.parquet")
		var out bytes.Buffer
		w := NewWriter(&out)
		w.Follow(r)
		r.Needs("response_mask")
		r.ReadAhead(64)
		for row := 0; ; row++ {
			tr, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			assignLike(tr, row, false)
			if err := w.Write(tr); err != nil {
				t.Fatal(err)
			}
		}
		r.Close()
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), want) {
			t.Errorf("%s: the output differs with ReadAhead", name)
		}
		// Closed early.
		r2, _ := NewReader(bytes.NewReader(in), int64(len(in)), "in.parquet")
		r2.ReadAhead(64)
		r2.Next()
		if err := r2.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := r2.Next(); err == nil {
			t.Errorf("%s: Next after Close succeeded", name)
		}
	}
}
