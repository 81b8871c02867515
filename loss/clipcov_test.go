package loss

import (
	"math"
	"testing"
)

// One row, r = 1, A = [1, -1, 1, -1], logp = [-1, -1, -3, -3]:
// Ā = 0, l̄ = -2, cov = A·(logp + 2) = [1, -1, -1, 1]; with (lb, ub) = (0.5, 2)
// the candidates are tokens 0 and 3.
func clipCovBatch() PolicyBatch {
	lp := []float64{-1, -1, -3, -3}
	return PolicyBatch{
		OldLogProb: [][]float64{append([]float64(nil), lp...)}, LogProb: [][]float64{lp},
		Advantages: [][]float64{{1, -1, 1, -1}}, ResponseMask: [][]float64{{1, 1, 1, 1}},
	}
}

func clipCovCfg(ratio float64) VerlPolicyConfig {
	cfg := DefaultVerlPolicyConfig()
	cfg.ClipCovRatio, cfg.ClipCovLB, cfg.ClipCovUB = ratio, 0.5, 2
	return cfg
}

func TestClipCovDeterministic(t *testing.T) {
	// clip_num = ⌊0.5·4⌋ = 2 ≥ 2 candidates: both zeroed.
	// ℓ = -A·corr = [0, 1, -1, 0] → 0; ∂ = -A·corr/4.
	r, err := PolicyLossClipCov(clipCovBatch(), clipCovCfg(0.5))
	if err != nil {
		t.Fatal(err)
	}
	approx(t, "pg_loss", r.Loss, 0, 1e-12)
	approxMat(t, "grad", r.GradLogProb, [][]float64{{0, 0.25, -0.25, 0}}, 1e-12)
	approx(t, "pg_clipfrac", r.ClipFrac, 0.5, 1e-8)
	approx(t, "ppo_kl", r.PPOKL, 0, 0)
}

func TestClipCovExcludesClipped(t *testing.T) {
	// Token 0 now has r = 1.5 with A = 1: PPO-clipped, so it is not a
	// candidate (cov is unchanged, it only reads logp). clip_num = ⌊0.25·4⌋ = 1
	// and the only candidate, token 3, is zeroed.
	// ℓ = [-1.2 (∂ 0), 1, -1, 0] → -0.3; ∂ = [0, 0.25, -0.25, 0].
	b := clipCovBatch()
	b.OldLogProb[0][0] -= math.Log(1.5)
	r, err := PolicyLossClipCov(b, clipCovCfg(0.25))
	if err != nil {
		t.Fatal(err)
	}
	approx(t, "pg_loss", r.Loss, -0.3, 1e-12)
	approxMat(t, "grad", r.GradLogProb, [][]float64{{0, 0.25, -0.25, 0}}, 1e-12)
	approx(t, "pg_clipfrac", r.ClipFrac, 0.25, 1e-8)
	approx(t, "ppo_kl", r.PPOKL, -math.Log(1.5)/4, 1e-8)
}

func TestClipCovRandomSelection(t *testing.T) {
	// clip_num = 1 < 2 candidates: one of tokens 0, 3 is drawn.
	// Token 0 drawn: ℓ = [0, 1, -1, 1] → 0.25; token 3 drawn: [-1, 1, -1, 0] → -0.25.
	seen := map[float64]bool{}
	for seed := uint64(0); seed < 64; seed++ {
		cfg := clipCovCfg(0.25)
		cfg.Seed = seed
		r, err := PolicyLossClipCov(clipCovBatch(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(math.Abs(r.Loss)-0.25) > 1e-12 {
			t.Fatalf("seed %d: loss %v, want ±0.25", seed, r.Loss)
		}
		approx(t, "pg_clipfrac", r.ClipFrac, 0.25, 1e-8)
		again, _ := PolicyLossClipCov(clipCovBatch(), cfg)
		if again.Loss != r.Loss {
			t.Fatalf("seed %d is not reproducible", seed)
		}
		seen[r.Loss] = true
	}
	if len(seen) != 2 {
		t.Errorf("64 seeds drew only %v", seen)
	}
	_, err := PolicyLossClipCov(clipCovBatch(), clipCovCfg(0))
	wantErr(t, err, "clip_cov_ratio must be > 0")
}
