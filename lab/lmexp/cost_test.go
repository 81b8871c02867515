package lmexp

import (
	"context"
	"fmt"
	"testing"

	"github.com/credo-rl/credo/lab/textenv"
)

// BenchmarkFullSeed is one seed of the full lm_tokens experiment on each
// environment (warm start, RL of the six trained methods, scoring with the
// Monte Carlo truth), at the full lab's model size (D = 80, 3 layers,
// ~0.25 M parameters) and at the D = 48, 2-layer size (~0.07 M) the full
// lab used before, with that size's learning rates (SFT 5e-3, RL 2e-4) and warm-start cap (400):
//
//	go test ./lab/lmexp -run '^$' -bench FullSeed -benchtime 1x
//
// A full run costs about ten times the sum over the environments of one
// size, divided by the workers (one per core).
func BenchmarkFullSeed(b *testing.B) {
	small := TokensFullConfig()
	small.Model.D, small.Model.Heads, small.Model.Layers = 48, 3, 2
	small.SFTLR, small.SFTSteps, small.RLLR = 5e-3, 400, 2e-4
	for _, c := range []Config{TokensFullConfig(), small} {
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
