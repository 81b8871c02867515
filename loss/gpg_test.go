package loss

import "testing"

// ℓ = -logp·A = [-(-1)·1, -(-2)·(-0.5)] = [1, -1] → token-mean 0; ∂ = -A/2.
// With IS weights [2, 1]: ℓ = [2, -1] → 0.5; ∂ = [-1, 0.25].
// old_log_prob is not read (it may even be nil).
func TestGPGHand(t *testing.T) {
	b := PolicyBatch{
		LogProb: [][]float64{{-1, -2}}, Advantages: [][]float64{{1, -0.5}}, ResponseMask: [][]float64{{1, 1}},
	}
	r, err := PolicyLossGPG(b, DefaultVerlPolicyConfig())
	if err != nil {
		t.Fatal(err)
	}
	approx(t, "pg_loss", r.Loss, 0, 1e-12)
	approxMat(t, "grad", r.GradLogProb, [][]float64{{-0.5, 0.25}}, 1e-12)
	b.RolloutISWeights = [][]float64{{2, 1}}
	r, _ = PolicyLossGPG(b, DefaultVerlPolicyConfig())
	approx(t, "pg_loss IS", r.Loss, 0.5, 1e-12)
	approxMat(t, "grad IS", r.GradLogProb, [][]float64{{-1, 0.25}}, 1e-12)
}
