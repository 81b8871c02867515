package loss

import (
	"math"
	"testing"
)

// ε_lo = ε_hi = 0.2, B = 2 rows.
// Row 0: d = [0.5, -0.1], A = [1, 1]: d̃ = min(d, 0.2) = [0.2, -0.1] (t0 clipped high)
//
//	ratio = e^(0.1/2), Â = 1 → ℓ_0 = -e^0.05; ∂ = [0, -(1/2)·1·e^0.05·(1/2)].
//
// Row 1: d = [-0.5, (masked 9)], A = [-2, (7)]: d̃ = max(-0.5, -0.2) = -0.2 (clipped low)
//
//	ratio = e^-0.2, Â = -2 → ℓ_1 = 2e^-0.2; ∂ = 0.
//
// loss = (ℓ_0 + ℓ_1)/2; pg_clipfrac = 1/3, pg_clipfrac_lower = 1/3, ppo_kl = -(0.5-0.1-0.5)/3.
func TestGeoMeanHand(t *testing.T) {
	b := PolicyBatch{
		OldLogProb:   [][]float64{{-1, -1}, {-1, -1}},
		LogProb:      [][]float64{{-0.5, -1.1}, {-1.5, 8}},
		Advantages:   [][]float64{{1, 1}, {-2, 7}},
		ResponseMask: [][]float64{{1, 1}, {1, 0}},
	}
	cfg := DefaultVerlPolicyConfig()
	cfg.AggMode = SeqMeanTokenSum // ignored
	r, err := PolicyLossGeoMean(b, cfg)
	if err != nil {
		t.Fatal(err)
	}
	approx(t, "pg_loss", r.Loss, (-math.Exp(0.05)+2*math.Exp(-0.2))/2, 1e-8)
	approxMat(t, "grad", r.GradLogProb, [][]float64{{0, -math.Exp(0.05) / 4}, {0, 0}}, 1e-8)
	approx(t, "pg_clipfrac", r.ClipFrac, 1.0/3, 1e-8)
	approx(t, "pg_clipfrac_lower", r.ClipFracLower, 1.0/3, 1e-8)
	approx(t, "ppo_kl", r.PPOKL, 0.1/3, 1e-8)

	// Geometric-mean IS weights: row 0 weights [4, 1] → √4 = 2, row 1 [0.25] → 0.25.
	b.RolloutISWeights = [][]float64{{4, 1}, {0.25, 5}}
	r, _ = PolicyLossGeoMean(b, cfg)
	approx(t, "pg_loss IS", r.Loss, (-2*math.Exp(0.05)+0.25*2*math.Exp(-0.2))/2, 1e-7)
	b.RolloutISWeights[1][1] = -1
	_, err = PolicyLossGeoMean(b, cfg)
	wantErr(t, err, "rollout_is_weights row 1 column 1")
}

// The mean runs over ALL rows: appending an empty row halves a 1-row loss.
func TestGeoMeanEmptyRowCounts(t *testing.T) {
	b := PolicyBatch{
		OldLogProb: [][]float64{{0}}, LogProb: [][]float64{{0}},
		Advantages: [][]float64{{3}}, ResponseMask: [][]float64{{1}},
	}
	r1, _ := PolicyLossGeoMean(b, DefaultVerlPolicyConfig())
	approx(t, "one row", r1.Loss, -3, 1e-7)
	b.OldLogProb = append(b.OldLogProb, []float64{0})
	b.LogProb = append(b.LogProb, []float64{0})
	b.Advantages = append(b.Advantages, []float64{5})
	b.ResponseMask = append(b.ResponseMask, []float64{0})
	r2, _ := PolicyLossGeoMean(b, DefaultVerlPolicyConfig())
	approx(t, "with an empty row", r2.Loss, -1.5, 1e-7)
}
