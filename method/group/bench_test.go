package group

import (
	"strconv"
	"testing"
)

// BenchmarkStratified: 4096 rows × 2048 tokens, 512 groups of 8, 3 strata.
func BenchmarkStratified(b *testing.B) {
	const B, T = 4096, 2048
	r := make([][]float64, B)
	m := make([][]float64, B)
	idx := make([]string, B)
	st := make([]string, B)
	for i := range r {
		r[i] = make([]float64, T)
		m[i] = make([]float64, T)
		for t := range m[i] {
			m[i][t] = 1
		}
		r[i][T-1] = float64(i % 3 % 2)
		idx[i] = strconv.Itoa(i / 8)
		st[i] = strconv.Itoa(i % 3)
	}
	opt := DefaultStratifiedOptions()
	b.SetBytes(B * T * 8)
	b.ResetTimer()
	for k := 0; k < b.N; k++ {
		if _, err := Stratified(r, m, idx, st, opt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(B*T)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mtok/s")
}
