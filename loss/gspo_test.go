package loss

import (
	"math"
	"testing"
)

// Row 0: d = [0, 2 ln 1.1, ·] → s = ln 1.1, r = 1.1 on every token (in the
// clip range), A = [1, 3, 5], mask [1, 1, 0] → ℓ = [-1.1, -3.3], row mean -2.2.
// Row 1: d = [ln 2] → r = 2, A = 1: L1 = -2 < L2 = -1.2 → ℓ = -1.2 (clipped, ∂ = 0).
// seq-mean-token-mean (forced) over 2 rows: (-2.2 - 1.2)/2 = -1.7.
// Straight-through gradient: ∂ = -A·r·ω with ω = 1/(2 tokens · 2 rows):
// row 0 = [-0.275, -0.825, 0] (OpenRLHF's GSPO would give -1.1/2 to both tokens).
func TestGSPOHand(t *testing.T) {
	b := PolicyBatch{
		OldLogProb:   [][]float64{{-1, -1, -1}, {-2}},
		LogProb:      [][]float64{{-1, -1 + 2*math.Log(1.1), 4}, {-2 + math.Log(2)}},
		Advantages:   [][]float64{{1, 3, 5}, {1}},
		ResponseMask: [][]float64{{1, 1, 0}, {1}},
	}
	cfg := DefaultVerlPolicyConfig()
	cfg.AggMode = TokenMean // ignored
	r, err := PolicyLossGSPO(b, cfg)
	if err != nil {
		t.Fatal(err)
	}
	approx(t, "pg_loss", r.Loss, -1.7, 1e-7)
	approxMat(t, "grad", r.GradLogProb, [][]float64{{-0.275, -0.825, 0}, {0}}, 1e-8)
	approx(t, "pg_clipfrac", r.ClipFrac, 1.0/3, 1e-8)
	approx(t, "ppo_kl", r.PPOKL, -(2*math.Log(1.1)+math.Log(2))/3, 1e-8)
	approx(t, "pg_clipfrac_lower", r.ClipFracLower, 0, 0)
}

func TestGSPOClampAt10(t *testing.T) {
	// s = 12 > 10: log-ratio clamped to 10, no gradient; A < 0 so the
	// unclipped branch -A·e^10 is the max.
	b := PolicyBatch{
		OldLogProb: [][]float64{{0}}, LogProb: [][]float64{{12}},
		Advantages: [][]float64{{-1}}, ResponseMask: [][]float64{{1}},
	}
	r, err := PolicyLossGSPO(b, DefaultVerlPolicyConfig())
	if err != nil {
		t.Fatal(err)
	}
	approx(t, "pg_loss", r.Loss, math.Exp(10), 1e-3) // e^10/(1+1e-8)
	approxMat(t, "grad", r.GradLogProb, [][]float64{{0}}, 0)
}

// Property: when every token of a row has the same log-ratio (|d| < 10, r < c),
// GSPO equals vanilla PPO aggregated with seq-mean-token-mean, value and gradient.
func TestGSPOEqualsVanillaOnConstantRows(t *testing.T) {
	b := PolicyBatch{
		OldLogProb:   [][]float64{{-1, -2, -3}, {-0.5, -0.7}},
		LogProb:      [][]float64{{-0.9, -1.9, -2.9}, {-0.9, -1.1}},
		Advantages:   [][]float64{{1, -2, 0.5}, {-1, 2}},
		ResponseMask: [][]float64{{1, 1, 1}, {1, 1}},
	}
	cfg := DefaultVerlPolicyConfig()
	g, err := PolicyLossGSPO(b, cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.AggMode = SeqMeanTokenMean
	v, err := PolicyLossVanilla(b, cfg)
	if err != nil {
		t.Fatal(err)
	}
	approx(t, "loss", g.Loss, v.Loss, 1e-12)
	approxMat(t, "grad", g.GradLogProb, v.GradLogProb, 1e-12)
	approx(t, "clipfrac", g.ClipFrac, v.ClipFrac, 1e-12)
}
