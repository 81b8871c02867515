package parquet

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/klauspost/compress/snappy"

	"github.com/credo-rl/credo/rollout"
)

// rewriteNeeds reads file b under Follow, declaring needs (nil: no
// declaration), changes every row as a credit method does (assignLike)
// and writes the rows in order. It returns the output, the number of
// column chunks copied and the first error.
func rewriteNeeds(b []byte, needs []string) ([]byte, int, error) {
	r, err := NewReader(bytes.NewReader(b), int64(len(b)), "in.parquet")
	if err != nil {
		return nil, 0, err
	}
	var out bytes.Buffer
	w := NewWriter(&out)
	if err := w.Follow(r); err != nil {
		return nil, 0, err
	}
	if needs != nil {
		if err := r.Needs(needs...); err != nil {
			return nil, 0, err
		}
	}
	for row := 0; ; row++ {
		tr, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, 0, err
		}
		assignLike(tr, row, false)
		if err := w.Write(tr); err != nil {
			return nil, 0, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, 0, err
	}
	return out.Bytes(), w.CopiedChunks(), nil
}

// Declaring that only the mask is read changes no byte of the output, for
// every input layout (where the values are skipped, and where they cannot
// be), and the arrays not read are placeholders of the right length.
func TestNeedsSameBytes(t *testing.T) {
	for name, in := range followInputs(t) {
		want, wantCopied, err := rewriteNeeds(in, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, needs := range [][]string{{"response_mask"}, {}, {"responses", "old_log_probs"}} {
			got, copied, err := rewriteNeeds(in, needs)
			if err != nil {
				t.Fatalf("%s, needs %q: %v", name, needs, err)
			}
			if !bytes.Equal(got, want) || copied != wantCopied {
				t.Errorf("%s, needs %q: the output differs (%d bytes, %d chunks copied; want %d bytes, %d copied)", name, needs, len(got), copied, len(want), wantCopied)
			}
		}
	}
	// The arrays not read: right lengths, values not those of the file.
	in := followInputs(t)["credo"]
	r, _ := NewReader(bytes.NewReader(in), int64(len(in)), "in.parquet")
	w := NewWriter(io.Discard)
	w.Follow(r)
	r.Needs("response_mask")
	all := mustRead(t, in)
	skipped := 0
	for i := 0; ; i++ {
		tr, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		orig := all.Trajectories[i]
		if len(tr.Tokens) != len(orig.Tokens) || (tr.OldLogProbs == nil) != (orig.OldLogProbs == nil) || len(tr.OldLogProbs) != len(orig.OldLogProbs) {
			t.Fatalf("row %d: %d tokens, %d old_log_probs (nil %v); the file has %d, %d (nil %v)", i+1, len(tr.Tokens), len(tr.OldLogProbs), tr.OldLogProbs == nil,
				len(orig.Tokens), len(orig.OldLogProbs), orig.OldLogProbs == nil)
		}
		if len(tr.Mask) != len(orig.Mask) {
			t.Fatalf("row %d: mask of %d, want %d", i+1, len(tr.Mask), len(orig.Mask))
		}
		for j := range tr.Mask {
			if tr.Mask[j] != orig.Mask[j] {
				t.Fatalf("row %d: the mask, which is read, differs", i+1)
			}
		}
		for j := range tr.Tokens {
			if tr.Tokens[j] != 0 {
				t.Fatalf("row %d: token ids were read: %v", i+1, tr.Tokens)
			}
			if orig.Tokens[j] != 0 {
				skipped++
			}
		}
	}
	if skipped == 0 {
		t.Fatal("no token id was skipped")
	}
}

// A value that is not finite in a column not read is still reported, with
// the error of a full read: the copy must never carry it into the output.
func TestNeedsStillRejectsNonFinite(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		trs := randomBatch(rng, 60, 40, false)
		for _, tr := range trs {
			tr.OldLogProbs = make([]float64, len(tr.Tokens))
		}
		at := -1
		for i := 40; i < len(trs); i++ {
			if len(trs[i].Tokens) > 3 {
				trs[i].OldLogProbs[2] = bad
				at = i
				break
			}
		}
		if at < 0 {
			t.Fatal("no row long enough")
		}
		in, _ := writeWith(t, 16, trs)
		_, _, want := rewriteNeeds(in, nil)
		_, _, got := rewriteNeeds(in, []string{"response_mask"})
		if want == nil || got == nil || got.Error() != want.Error() {
			t.Fatalf("%v: error %v, want %v", bad, got, want)
		}
		if !strings.Contains(got.Error(), "old_log_probs[2]") || !strings.Contains(got.Error(), "row "+itoa(at+1)) {
			t.Errorf("%v: error %q does not name the row and the element", bad, got)
		}
	}
}

func itoa(i int) string {
	var b []byte
	for {
		b = append([]byte{byte('0' + i%10)}, b...)
		if i /= 10; i == 0 {
			return string(b)
		}
	}
}

// A trajectory holding placeholders can only go to the Writer that follows
// its Reader, in input order: written elsewhere, or out of order, it is
// refused, never written with its placeholder values.
func TestNeedsPlaceholdersNeverWritten(t *testing.T) {
	trs := randomBatch(rand.New(rand.NewSource(5)), 40, 30, false)
	for _, tr := range trs {
		tr.OldLogProbs = make([]float64, len(tr.Tokens))
		for j := range tr.OldLogProbs {
			tr.OldLogProbs[j] = -1
		}
	}
	in, _ := writeWith(t, 8, trs)
	r, _ := NewReader(bytes.NewReader(in), int64(len(in)), "in.parquet")
	w := NewWriter(io.Discard)
	w.Follow(r)
	r.Needs("response_mask")
	tr, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	other := NewWriter(io.Discard)
	if err := other.Write(tr); err == nil || !strings.Contains(err.Error(), "not read") {
		t.Errorf("another writer: error %v, want one saying the arrays were not read", err)
	}
	// The same row with its placeholders replaced by real arrays is fine.
	real := *trs[0] // its own arrays, not placeholders
	real.Source = tr.Source
	if err := other.Write(&real); err != nil {
		t.Errorf("arrays replaced: %v", err)
	}
	// Out of order: the row group cannot be copied.
	var rows []*rollout.Trajectory
	rows = append(rows, tr)
	for range 7 {
		x, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, x)
	}
	rows[1], rows[2] = rows[2], rows[1]
	var werr error
	for _, x := range rows[1:] {
		if werr = w.Write(x); werr != nil {
			break
		}
	}
	if werr == nil {
		werr = w.Close()
	}
	if werr == nil || !strings.Contains(werr.Error(), "not read") {
		t.Errorf("rows out of order: error %v, want one saying a column was not read", werr)
	}
	if errors.Is(werr, io.EOF) {
		t.Error("EOF")
	}
}

// The arrays that are read come out as a full read gives them, whether
// their pages are read by the library or by readLevelsPage (PLAIN values,
// and dictionary indices in RLE runs and bit-packed groups).
func TestNeedsReadArraysExact(t *testing.T) {
	rng := rand.New(rand.NewSource(21))
	trs := randomBatch(rng, 200, 300, false)
	for i, tr := range trs {
		n := len(tr.Tokens)
		tr.Mask = make([]float64, n)
		tr.Values = make([]float64, n)
		for j := range n {
			switch {
			case j < n/2:
				tr.Mask[j] = 1 // a long run
			case i%3 == 0:
				tr.Mask[j] = float64((j / 3) % 3) // short runs of three values: bit-packed groups
			default:
				tr.Mask[j] = 0.5
			}
			tr.Values[j] = rng.NormFloat64()
		}
	}
	inputs := followInputs(t)
	inputs["mask runs"], _ = writeWith(t, 50, trs)
	for name, in := range inputs {
		want := mustRead(t, in)
		r, _ := NewReader(bytes.NewReader(in), int64(len(in)), "in.parquet")
		w := NewWriter(io.Discard)
		w.Follow(r)
		r.Needs("response_mask", "values", "token_level_rewards")
		for i := 0; ; i++ {
			tr, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			o := want.Trajectories[i]
			for _, f := range []struct {
				name      string
				got, want []float64
			}{{"response_mask", tr.Mask, o.Mask}, {"values", tr.Values, o.Values}, {"token_level_rewards", tr.TokenRewards, o.TokenRewards}} {
				if (f.got == nil) != (f.want == nil) || len(f.got) != len(f.want) {
					t.Fatalf("%s row %d: %s %v, want %v", name, i+1, f.name, f.got, f.want)
				}
				for j := range f.got {
					if math.Float64bits(f.got[j]) != math.Float64bits(f.want[j]) {
						t.Fatalf("%s row %d: %s[%d] = %v, want %v", name, i+1, f.name, j, f.got[j], f.want[j])
					}
				}
			}
		}
	}
}

// snappyLiteralsFinite agrees with decompressing and checking, on blocks
// of literals (random doubles, with a NaN or an infinity anywhere, also
// across the literals' boundaries) and gives up on blocks with copies.
func TestSnappyLiteralsFinite(t *testing.T) {
	rng := rand.New(rand.NewSource(8))
	checked := 0
	for it := range 300 {
		n := 1 + rng.Intn(20000)
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = -3 * rng.Float64()
		}
		if it%3 > 0 {
			xs[rng.Intn(n)] = []float64{math.NaN(), math.Inf(1), math.Inf(-1)}[it%3]
		}
		raw := make([]byte, 8*n)
		for i, x := range xs {
			binary.LittleEndian.PutUint64(raw[8*i:], math.Float64bits(x))
		}
		block := snappy.Encode(nil, raw)
		got, finite, ok := snappyLiteralsFinite(block)
		if !ok {
			continue // copies: the caller decompresses
		}
		if got != len(raw) || finite != allFinite(xs) {
			t.Fatalf("n %d: length %d finite %v, want %d %v", n, got, finite, len(raw), allFinite(xs))
		}
		checked++
	}
	if checked < 100 {
		t.Fatalf("only %d of 300 blocks were literals only", checked)
	}
	// A block with copies.
	zeros := snappy.Encode(nil, make([]byte, 4096))
	if _, _, ok := snappyLiteralsFinite(zeros); ok {
		t.Error("a block of copies was checked in place")
	}
	// Malformed blocks give up.
	for _, b := range [][]byte{{}, {0x80}, {16, 0}, {8, 0xf0, 1, 2}} {
		if _, _, ok := snappyLiteralsFinite(b); ok {
			t.Errorf("%x: checked", b)
		}
	}
}
