package lmexp

import (
	"context"
	"fmt"
	"testing"

	"github.com/credo-rl/credo/lab/textenv"
)

// BenchmarkFullSeed is one seed of the full lm_tokens experiment on each
// environment (warm start, RL of the six trained methods, scoring with the
// Monte Carlo truth), at the full lab's model size and at the D = 64,
// 3-layer size (~0.2 M parameters) the issue asks for, whose SFT learning
// rate is lowered to 4e-3 (at 2e-2 the larger models do not learn):
//
//	go test ./lab/lmexp -run '^$' -bench FullSeed -benchtime 1x
//
// A full run costs about ten times the sum over the environments of one
// size, divided by the workers (one per core).
func BenchmarkFullSeed(b *testing.B) {
	big := TokensFullConfig()
	big.Model.D, big.Model.Heads, big.Model.Layers, big.SFTLR = 64, 4, 3, 4e-3
	for _, c := range []Config{TokensFullConfig(), big} {
		for _, en := range textenv.Names() {
			b.Run(fmt.Sprintf("D%d_L%d/%s", c.Model.D, c.Model.Layers, en), func(b *testing.B) {
				for range b.N {
					r, err := Run(context.Background(), en, 1, c)
					if err != nil {
						b.Fatal(err)
					}
					b.ReportMetric(float64(r.Params), "params")
					b.ReportMetric(r.ScoredSolved, "solved")
				}
			})
		}
	}
}
