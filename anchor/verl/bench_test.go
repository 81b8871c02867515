package verl

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchBatch builds a ragged batch of B rows of length up to T (groups of 8).
func benchBatch(B, T int) (r, v, m [][]float64, index []string) {
	rng := rand.New(rand.NewPCG(1, 2))
	r = make([][]float64, B)
	v = make([][]float64, B)
	m = make([][]float64, B)
	index = make([]string, B)
	for i := range r {
		l := T/2 + rng.IntN(T/2+1)
		r[i] = make([]float64, l)
		v[i] = make([]float64, l)
		m[i] = make([]float64, l)
		for t := range l {
			m[i][t] = 1
			v[i][t] = rng.Float64()
		}
		r[i][l-1] = float64(rng.IntN(2))
		index[i] = fmt.Sprintf("uid-%d", i/8)
	}
	return r, v, m, index
}

func tokens(r [][]float64) int {
	n := 0
	for _, row := range r {
		n += len(row)
	}
	return n
}

func report(b *testing.B, n int) {
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mtok/s")
}

func BenchmarkGRPO(b *testing.B) {
	r, _, m, idx := benchBatch(4096, 2048)
	opt := DefaultGRPOOptions()
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := GRPO(r, m, idx, opt); err != nil {
			b.Fatal(err)
		}
	}
	report(b, tokens(r))
}

func BenchmarkRLOO(b *testing.B) {
	r, _, m, idx := benchBatch(4096, 2048)
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := RLOO(r, m, idx); err != nil {
			b.Fatal(err)
		}
	}
	report(b, tokens(r))
}

func BenchmarkGAE(b *testing.B) {
	r, v, m, _ := benchBatch(4096, 2048)
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := GAE(r, v, m, 1, 0.95); err != nil {
			b.Fatal(err)
		}
	}
	report(b, tokens(r))
}

func BenchmarkReinforcePlusPlus(b *testing.B) {
	r, _, m, _ := benchBatch(4096, 2048)
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := ReinforcePlusPlus(r, m, 1); err != nil {
			b.Fatal(err)
		}
	}
	report(b, tokens(r))
}
