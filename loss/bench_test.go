package loss

import (
	"math/rand/v2"
	"testing"
)

// Benchmarks at 256 rows × 2048 tokens; b.SetBytes reports tokens as bytes,
// so "MB/s" reads as millions of tokens per second.

func benchBatch(b *testing.B) PolicyBatch {
	b.Helper()
	rng := rand.New(rand.NewPCG(7, 7))
	return genBatch(rng, 256, 2048, []dRange{{-0.4, 0.4}}, false)
}

func benchPolicy(b *testing.B, f PolicyLossFunc) {
	p := benchBatch(b)
	cfg := DefaultVerlPolicyConfig()
	b.SetBytes(256 * 2048)
	b.ResetTimer()
	for range b.N {
		if _, err := f(p, cfg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVanilla(b *testing.B) { benchPolicy(b, PolicyLossVanilla) }
func BenchmarkGSPO(b *testing.B)    { benchPolicy(b, PolicyLossGSPO) }
func BenchmarkSAPO(b *testing.B)    { benchPolicy(b, PolicyLossSAPO) }
func BenchmarkGPG(b *testing.B)     { benchPolicy(b, PolicyLossGPG) }
func BenchmarkCISPO(b *testing.B)   { benchPolicy(b, PolicyLossCISPO) }
func BenchmarkGeoMean(b *testing.B) { benchPolicy(b, PolicyLossGeoMean) }
func BenchmarkClipCov(b *testing.B) { benchPolicy(b, PolicyLossClipCov) }
func BenchmarkKLCov(b *testing.B)   { benchPolicy(b, PolicyLossKLCov) }

func BenchmarkOpenRLHFPPO(b *testing.B) {
	p := benchBatch(b)
	in := OpenRLHFPolicyBatch{LogProbs: p.LogProb, OldLogProbs: p.OldLogProb, Advantages: p.Advantages, ActionMask: p.ResponseMask}
	o := DefaultOpenRLHFPolicyOptions()
	b.SetBytes(256 * 2048)
	b.ResetTimer()
	for range b.N {
		if _, err := OpenRLHFPolicyLoss(in, o); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkKLPenaltyK3(b *testing.B) {
	p := benchBatch(b)
	b.SetBytes(256 * 2048)
	b.ResetTimer()
	for range b.N {
		if _, err := KLPenalty(p.LogProb, p.OldLogProb, "k3", KLPenaltyOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAggLoss(b *testing.B) {
	p := benchBatch(b)
	b.SetBytes(256 * 2048)
	b.ResetTimer()
	for range b.N {
		if _, _, err := AggLoss(p.Advantages, p.ResponseMask, SeqMeanTokenMean, GlobalBatchInfo{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValueLoss(b *testing.B) {
	p := benchBatch(b)
	b.SetBytes(256 * 2048)
	b.ResetTimer()
	for range b.N {
		if _, err := ValueLoss(p.LogProb, p.Advantages, p.OldLogProb, p.ResponseMask, DefaultValueLossOptions()); err != nil {
			b.Fatal(err)
		}
	}
}
