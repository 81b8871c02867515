package verlagent

import (
	"fmt"
	"math/rand"
	"testing"
)

// benchBatch builds B step rows of T tokens: prompt groups of 8
// trajectories, 4 step rows per trajectory, anchor observations repeated
// across the trajectories of a group (a few hundred bytes each).
func benchBatch(b, t int) (rw, m [][]float64, step []float64, obs, idx, tr []string) {
	rng := rand.New(rand.NewSource(1))
	rw, m = make([][]float64, b), make([][]float64, b)
	buf := make([]float64, 2*b*t)
	step = make([]float64, b)
	obs, idx, tr = make([]string, b), make([]string, b), make([]string, b)
	pad := string(make([]byte, 300))
	for i := range rw {
		rw[i], m[i] = buf[2*i*t:(2*i+1)*t], buf[(2*i+1)*t:(2*i+2)*t]
		n := t/2 + rng.Intn(t/2)
		for j := 0; j < n; j++ {
			m[i][j] = 1
		}
		rw[i][n-1] = float64(rng.Intn(2))
		step[i] = rng.Float64()
		traj := i / 4
		idx[i] = fmt.Sprintf("uid-%d", traj/8)
		tr[i] = fmt.Sprintf("traj-%d", traj)
		obs[i] = fmt.Sprintf("state %d", rng.Intn(3)) + pad
	}
	return
}

func BenchmarkGiGPO(b *testing.B) {
	const B, T = 4096, 2048
	rw, m, step, obs, idx, tr := benchBatch(B, T)
	o := DefaultGiGPOOptions()
	o.Mode = MeanStdNorm
	b.SetBytes(B * T * 8)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := GiGPO(rw, step, m, obs, idx, tr, o); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(B*T)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mtok/s")
}

func BenchmarkGRPO(b *testing.B) {
	const B, T = 4096, 2048
	rw, m, _, _, idx, tr := benchBatch(B, T)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := GRPO(rw, m, idx, tr, DefaultGRPOOptions()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(B*T)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mtok/s")
}

func BenchmarkReinforcePlusPlusBaseline(b *testing.B) {
	const B, T = 4096, 2048
	rw, m, _, _, idx, tr := benchBatch(B, T)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ReinforcePlusPlusBaseline(rw, m, idx, tr, DefaultReinforcePlusPlusBaselineOptions()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(B*T)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mtok/s")
}
