package parquet

import (
	"bytes"
	"fmt"
	"io"
	"math/rand"
	"sync"
	"testing"

	"github.com/credo-rl/credo/rollout"
)

// realisticBatch is a training batch as verl hands it over: 4096
// trajectories of 1024-2048 tokens with responses, response_mask,
// old_log_probs, token_level_rewards, advantages and returns, small rewards
// and steps.
func realisticBatch() ([]*rollout.Trajectory, int) {
	rng := rand.New(rand.NewSource(7))
	trs := make([]*rollout.Trajectory, 4096)
	tokens := 0
	for i := range trs {
		n := 1024 + rng.Intn(1025)
		tokens += n
		t := &rollout.Trajectory{
			ID: fmt.Sprintf("t%05d", i), Group: fmt.Sprintf("p%04d", i/8),
			Rewards: map[string]float64{"outcome": float64(rng.Intn(2)), "format": 0.5},
			Steps:   []rollout.Step{{Start: 0, End: n / 2, Kind: "turn"}, {Start: n / 2, End: n, Kind: "turn"}},
			Tokens:  make([]int64, n),
		}
		for k := range t.Tokens {
			t.Tokens[k] = int64(rng.Intn(151936))
		}
		for _, p := range []*[]float64{&t.Mask, &t.OldLogProbs, &t.TokenRewards, &t.Advantages, &t.Returns} {
			*p = make([]float64, n)
		}
		for k := range n {
			if k < n-n/8 {
				t.Mask[k] = 1
			}
			t.OldLogProbs[k] = -3 * rng.Float64()
			t.Advantages[k] = rng.NormFloat64()
			t.Returns[k] = t.Advantages[k] + 0.5
		}
		t.TokenRewards[n-1] = t.Rewards["outcome"]
		trs[i] = t
	}
	return trs, tokens
}

var realistic = sync.OnceValues(func() ([]*rollout.Trajectory, int) { return realisticBatch() })

func writeRealistic(b *testing.B, w io.Writer, trs []*rollout.Trajectory) {
	pw := NewWriter(w)
	for _, t := range trs {
		if err := pw.Write(t); err != nil {
			b.Fatal(err)
		}
	}
	if err := pw.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkReadRealistic reads 4096 ragged trajectories (about 6.3 M
// tokens) with ReadAll and reports millions of tokens per second.
func BenchmarkReadRealistic(b *testing.B) {
	trs, tokens := realistic()
	var buf bytes.Buffer
	writeRealistic(b, &buf, trs)
	f := buf.Bytes()
	b.SetBytes(int64(len(f)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		batch, err := ReadAll(bytes.NewReader(f), int64(len(f)), "bench.parquet")
		if err != nil {
			b.Fatal(err)
		}
		if len(batch.Trajectories) != len(trs) {
			b.Fatalf("read %d rows", len(batch.Trajectories))
		}
	}
	b.ReportMetric(float64(tokens)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mtok/s")
}

// BenchmarkWriteRealistic writes the same batch to io.Discard.
func BenchmarkWriteRealistic(b *testing.B) {
	trs, tokens := realistic()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		writeRealistic(b, io.Discard, trs)
	}
	b.ReportMetric(float64(tokens)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mtok/s")
}

// assignRealistic reads the realistic file f, gives every row advantages
// and returns as an outcome method does (the outcome reward on the masked
// tokens), and writes the rows to io.Discard, with the writer following
// the reader (unchanged columns copied) or encoding every column.
func assignRealistic(b *testing.B, f []byte, follow bool) {
	r, err := NewReader(bytes.NewReader(f), int64(len(f)), "bench.parquet")
	if err != nil {
		b.Fatal(err)
	}
	w := NewWriter(io.Discard)
	if follow {
		w.Follow(r)
	}
	for {
		t, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		adv := make([]float64, len(t.Tokens))
		for i, m := range t.Mask {
			adv[i] = m * (t.Rewards["outcome"] - 0.5)
		}
		t.Advantages, t.Returns = adv, adv
		if err := w.Write(t); err != nil {
			b.Fatal(err)
		}
	}
	r.Close()
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	if follow && w.CopiedChunks() == 0 {
		b.Fatal("no column chunk copied")
	}
}

// BenchmarkAssignRealistic is the Parquet side of credo assign on the
// realistic batch: read, change advantages and returns, write; MB/s is of
// the input file. "follow" copies the unchanged column chunks
// (Writer.Follow, as credit/stream does for Parquet to Parquet), "encode"
// encodes every column again.
func BenchmarkAssignRealistic(b *testing.B) {
	trs, tokens := realistic()
	var buf bytes.Buffer
	writeRealistic(b, &buf, trs)
	f := buf.Bytes()
	for _, follow := range []bool{true, false} {
		name := "encode"
		if follow {
			name = "follow"
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(f)))
			b.ReportAllocs()
			for b.Loop() {
				assignRealistic(b, f, follow)
			}
			b.ReportMetric(float64(tokens)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mtok/s")
		})
	}
}
