package loss

import (
	"math"
	"testing"
)

// t0: r = 1.5 → sg(clamp) = 1.2, A = 1, logp = -1: ℓ = 1.2, ∂ = -1.2 (not zeroed!).
// t1: r = 1, A = 2, logp = -0.5: ℓ = 1, ∂ = -2.
// token-mean: loss = 1.1, ∂ = [-0.6, -1]; pg_clipfrac = 1/2; ppo_kl = -ln 1.5 / 2.
func TestCISPOHand(t *testing.T) {
	b := PolicyBatch{
		OldLogProb: [][]float64{{-1 - math.Log(1.5), -0.5}}, LogProb: [][]float64{{-1, -0.5}},
		Advantages: [][]float64{{1, 2}}, ResponseMask: [][]float64{{1, 1}},
	}
	r, err := PolicyLossCISPO(b, DefaultVerlPolicyConfig())
	if err != nil {
		t.Fatal(err)
	}
	approx(t, "pg_loss", r.Loss, 1.1, 1e-12)
	approxMat(t, "grad", r.GradLogProb, [][]float64{{-0.6, -1}}, 1e-12)
	approx(t, "pg_clipfrac", r.ClipFrac, 0.5, 1e-8)
	approx(t, "ppo_kl", r.PPOKL, -math.Log(1.5)/2, 1e-8)
}
