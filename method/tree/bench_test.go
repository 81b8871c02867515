package tree

import (
	"math/rand/v2"
	"testing"
)

// benchGroups: B rows of T tokens in groups of 8; each group shares a
// prefix of 16 tokens and then branches twice.
func benchGroups(B, T int) ([][]int64, [][]float64, [][]float64, []string) {
	rng := rand.New(rand.NewPCG(1, 1))
	tokens := make([][]int64, B)
	idx := make([]string, B)
	scores := make([]float64, B)
	for i := range tokens {
		tokens[i] = make([]int64, T)
		for t := range tokens[i] {
			switch {
			case t < 16:
				tokens[i][t] = int64(i / 8)
			case t < 32:
				tokens[i][t] = int64(i / 4)
			default:
				tokens[i][t] = int64(rng.IntN(50000))
			}
		}
		idx[i] = string(rune('A' + i/8))
		scores[i] = float64(rng.IntN(2))
	}
	return tokens, lastReward(tokens, scores), ones(tokens), idx
}

func BenchmarkTEMPO(b *testing.B) {
	tokens, r, m, idx := benchGroups(4096, 2048)
	b.ResetTimer()
	for b.Loop() {
		if _, err := TEMPO(tokens, r, m, idx, DefaultTEMPOOptions()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(4096*2048)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mtok/s")
}
