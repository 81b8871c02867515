package verlagent

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// GiGPO with no repeated anchor state has an all-singleton step part (0),
// so it equals its episode part: verl-agent's GRPO over the same step rows
// (mean_norm = Dr.GRPO form, mean_std_norm = std form).
func TestGiGPOWithoutRepeatsIsEpisodePart(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var rewards, masks [][]float64
	var step []float64
	var anchor, index, traj []string
	for tr := 0; tr < 12; tr++ {
		out := float64(rng.IntN(2))
		for s := 0; s < 3; s++ {
			n := 1 + rng.IntN(4)
			r := make([]float64, n)
			m := make([]float64, n)
			for i := range m {
				m[i] = 1
			}
			r[n-1] = out
			rewards, masks = append(rewards, r), append(masks, m)
			step = append(step, rng.Float64())
			anchor = append(anchor, fmt.Sprint("state-", tr, "-", s))
			index = append(index, fmt.Sprint("u", tr%3))
			traj = append(traj, fmt.Sprint("t", tr))
		}
	}
	for _, mode := range []GiGPOMode{MeanNorm, MeanStdNorm} {
		o := DefaultGiGPOOptions()
		o.Mode = mode
		got, err := GiGPO(rewards, step, masks, anchor, index, traj, o)
		if err != nil {
			t.Fatal(err)
		}
		g := DefaultGRPOOptions()
		g.NormByStd = mode == MeanStdNorm
		want, err := GRPO(rewards, masks, index, traj, g)
		if err != nil {
			t.Fatal(err)
		}
		for i := range want {
			for j := range want[i] {
				if math.Abs(got[i][j]-want[i][j]) > 1e-12 {
					t.Fatalf("mode %d row %d token %d: GiGPO %v, episode part %v", mode, i, j, got[i][j], want[i][j])
				}
			}
		}
	}
}
