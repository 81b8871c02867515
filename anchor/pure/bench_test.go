package pure

import (
	"math/rand/v2"
	"testing"
)

// benchExperiences builds micro-batches of mb rows × T tokens with a step
// end every ~32 tokens.
func benchExperiences(batches, mb, T int) []Experience {
	rng := rand.New(rand.NewPCG(11, 12))
	exps := make([]Experience, batches)
	for k := range exps {
		e := &exps[k]
		S := T/32 + 1
		for i := 0; i < mb; i++ {
			n := T/2 + rng.IntN(T/2)
			am, rm := make([]float64, T), make([]float64, T)
			lp, bp := make([]float64, T), make([]float64, T)
			lg := make([][2]float64, S)
			sm, nt := make([]float64, S), make([]float64, S)
			steps := 0
			for t := 0; t < n; t++ {
				am[t] = 1
				lp[t], bp[t] = -rng.Float64(), -rng.Float64()
				if (t%32 == 31 || t == n-1) && steps < S {
					rm[t] = 1
					sm[steps] = 1
					nt[steps] = 31
					lg[steps] = [2]float64{rng.NormFloat64(), rng.NormFloat64()}
					steps++
				}
			}
			e.Logits = append(e.Logits, lg)
			e.ScoreMask = append(e.ScoreMask, sm)
			e.NumTokensPerStep = append(e.NumTokensPerStep, nt)
			e.RewardMask = append(e.RewardMask, rm)
			e.ActionMask = append(e.ActionMask, am)
			e.LogProbs = append(e.LogProbs, lp)
			e.BaseLogProbs = append(e.BaseLogProbs, bp)
			e.Solved = append(e.Solved, float64(rng.IntN(2)))
			e.HaveAnswers = append(e.HaveAnswers, true)
		}
	}
	return exps
}

func BenchmarkCreditAssignment(b *testing.B) {
	const batches, mb, T = 16, 256, 2048 // 4096 rows × 2048 tokens
	exps := benchExperiences(batches, mb, T)
	opt := DefaultOptions(8)
	b.SetBytes(batches * mb * T) // MB/s reads as Mtokens/s
	b.ResetTimer()
	for range b.N {
		if _, err := CreditAssignment(exps, opt); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNormalizeAdvantages(b *testing.B) {
	exps := benchExperiences(16, 256, 2048)
	var adv, mask [][]float64
	for _, e := range exps {
		adv = append(adv, e.LogProbs...)
		mask = append(mask, e.ActionMask...)
	}
	b.SetBytes(4096 * 2048)
	b.ResetTimer()
	for range b.N {
		if _, err := NormalizeAdvantages(adv, mask, false); err != nil {
			b.Fatal(err)
		}
	}
}
