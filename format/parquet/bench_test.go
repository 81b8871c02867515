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
