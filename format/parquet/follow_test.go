package parquet

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"math/rand"
	"reflect"
	"testing"

	pq "github.com/parquet-go/parquet-go"

	"github.com/credo-rl/credo/rollout"
)

// assignLike changes rows as a credit method does: new advantages and
// returns; with inPlace, it also changes the old log-probs of some rows,
// in place (then it clears the Source, as rollout.Trajectory.Source asks)
// or in a new array, which Follow must notice, and the values of some
// other rows in place.
func assignLike(t *rollout.Trajectory, row int, inPlace bool) {
	t.Advantages = make([]float64, len(t.Tokens))
	for i := range t.Advantages {
		t.Advantages[i] = float64(row%3) - 1
	}
	if row%4 == 0 && len(t.Returns) == len(t.Tokens) {
		copy(t.Returns, t.Advantages) // an output written in place
	} else {
		t.Returns = append([]float64(nil), t.Advantages...)
	}
	if inPlace && row%7 == 3 && len(t.OldLogProbs) > 0 {
		t.OldLogProbs[0] -= 1
		t.ClearSource()
	}
	if inPlace && row%7 == 5 && len(t.Mask) > 0 {
		t.Mask = append([]float64{0.5}, t.Mask[1:]...)
	}
}

// rewrite reads file b, changes every row with assignLike and writes the
// rows again, with or without Follow; order permutes the rows written
// (nil: in order).
func rewrite(t *testing.T, b []byte, follow, inPlace bool, order func([]*rollout.Trajectory)) ([]byte, int) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(b), int64(len(b)), "in.parquet")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	w := NewWriter(&out)
	if follow {
		if err := w.Follow(r); err != nil {
			t.Fatal(err)
		}
	}
	var held []*rollout.Trajectory
	for row := 0; ; row++ {
		tr, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		assignLike(tr, row, inPlace)
		held = append(held, tr)
		if len(held) == 5 || order == nil { // a "group" of 5
			if order != nil {
				order(held)
			}
			for _, h := range held {
				if err := w.Write(h); err != nil {
					t.Fatal(err)
				}
			}
			held = held[:0]
		}
	}
	for _, h := range held {
		if err := w.Write(h); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes(), w.CopiedChunks()
}

// followInputs are files of every layout the reader accepts: credo's own
// (several row groups, extra columns, nested steps, parents, nulls and
// empty arrays), verl's with int32 ids and float32 arrays, nested unknown
// columns and maps, dictionary-encoded lists, boolean and unsigned lists,
// standard three-level lists.
func followInputs(t *testing.T) map[string][]byte {
	rng := rand.New(rand.NewSource(3))
	trs := randomBatch(rng, 300, 200, true)
	for i := 0; i < len(trs); i += 17 {
		r := rich(trs[i].ID)
		r.Parent = nil
		trs[i] = r
	}
	credo, _ := writeWith(t, 32, trs)
	half := 0.5
	var verl []verlRow
	var dict []dictRow
	var lists []listRow
	for i := range 40 {
		k := 1 + rng.Intn(9)
		v := verlRow{UID: fmt.Sprint("g", i/4), Responses: make([]int32, k), ResponseMask: make([]float32, k), TokenLevelRewards: make([]float32, k),
			Prompt: "q", Turns: []string{"a"}, Info: map[string]int{"k": i}}
		d := dictRow{UID: fmt.Sprint("g", i%4), Responses: make([]int64, k), Mask: make([]float64, k), Values: make([]float32, k), Adv: make([]bool, k), Old: make([]uint32, k)}
		l := listRow{UID: "g", TrajUID: int64(i), Responses: make([]int64, k), Values: make([]float64, k), Rewards: `{"outcome":1}`}
		if i%3 == 0 {
			v.Score = &half
			l.Values = nil
		}
		for j := range k {
			v.Responses[j], v.ResponseMask[j], v.TokenLevelRewards[j] = int32(rng.Intn(100)), float32(rng.Intn(2)), float32(rng.Float64())
			d.Responses[j], d.Mask[j], d.Values[j], d.Old[j] = int64(rng.Intn(5)), float64(rng.Intn(2)), float32(rng.Intn(3))/4, uint32(rng.Intn(1<<31))<<1
			l.Responses[j] = int64(j)
			if l.Values != nil {
				l.Values[j] = math.Ldexp(rng.Float64(), -rng.Intn(40))
			}
		}
		verl, dict, lists = append(verl, v), append(dict, d), append(lists, l)
	}
	return map[string][]byte{"credo": credo, "verl": pqFile(t, verl), "dictionary": pqFile(t, dict), "three-level": pqFile(t, lists)}
}

// TestFollowSameRecords checks that a Writer following its Reader writes
// the records that a Writer encoding everything writes, for every input
// layout, with columns changed in place in some rows, and with rows written
// out of order (which ends the following).
func TestFollowSameRecords(t *testing.T) {
	swap := func(h []*rollout.Trajectory) {
		if len(h) > 2 {
			h[1], h[2] = h[2], h[1]
		}
	}
	for name, in := range followInputs(t) {
		for _, inPlace := range []bool{false, true} {
			for oname, order := range map[string]func([]*rollout.Trajectory){"in order": nil, "swapped": swap} {
				plain, _ := rewrite(t, in, false, inPlace, order)
				fast, copied := rewrite(t, in, true, inPlace, order)
				want, got := mustRead(t, plain), mustRead(t, fast)
				if !reflect.DeepEqual(got, want) {
					for i := range want.Trajectories {
						if !reflect.DeepEqual(got.Trajectories[i], want.Trajectories[i]) {
							t.Fatalf("%s in place %v %s: row %d differs:\n got %+v\nwant %+v", name, inPlace, oname, i+1, got.Trajectories[i], want.Trajectories[i])
						}
					}
					t.Fatalf("%s in place %v %s: records differ", name, inPlace, oname)
				}
				if name == "credo" && order == nil && copied == 0 {
					t.Errorf("%s in place %v: no column chunk copied", name, inPlace)
				}
				if order != nil && copied > 1*len(floatFields) {
					t.Errorf("%s %s: %d chunks copied after the rows went out of order", name, oname, copied)
				}
			}
		}
	}
}

// Under Follow a chunk with one row whose array was replaced is encoded
// again, not copied.
func TestFollowNoticesReplacedArray(t *testing.T) {
	trs := randomBatch(rand.New(rand.NewSource(4)), 20, 30, false)
	for _, tr := range trs {
		tr.OldLogProbs = make([]float64, len(tr.Tokens))
	}
	b, _ := writeWith(t, 100, trs)
	r, _ := NewReader(bytes.NewReader(b), int64(len(b)), "in.parquet")
	var out bytes.Buffer
	w := NewWriter(&out)
	w.Follow(r)
	for i := 0; ; i++ {
		tr, err := r.Next()
		if err == io.EOF {
			break
		}
		if i == 13 && len(tr.OldLogProbs) > 0 {
			tr.OldLogProbs = append([]float64(nil), tr.OldLogProbs...)
			tr.OldLogProbs[len(tr.OldLogProbs)-1] = 0.25
			trs[i].OldLogProbs[len(tr.OldLogProbs)-1] = 0.25
		}
		w.Write(tr)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := mustRead(t, out.Bytes())
	for i, tr := range got.Trajectories {
		if !reflect.DeepEqual(tr.OldLogProbs, trs[i].OldLogProbs) {
			t.Fatalf("row %d: old_log_probs %v, want %v", i+1, tr.OldLogProbs, trs[i].OldLogProbs)
		}
	}
	f, _ := pq.OpenFile(bytes.NewReader(out.Bytes()), int64(out.Len()))
	if f.NumRows() != int64(len(trs)) || w.CopiedChunks() == 0 {
		t.Errorf("%d rows, %d chunks copied", f.NumRows(), w.CopiedChunks())
	}
}
