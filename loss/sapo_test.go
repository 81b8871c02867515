package loss

import "testing"

// r = 1 everywhere: σ(0) = 1/2.
// t0: A = 2, τ = τ_pos = 1: gate = 2, ℓ = -4, ∂ = -A·4·σ(1-σ)·r = -2.
// t1: A = -1, τ = τ_neg = 1.05: gate = 2/1.05, ℓ = 2/1.05, ∂ = 1.
// Forced seq-mean-token-mean, one row of 2: loss = (-4 + 2/1.05)/2, ∂ = [-1, 0.5].
func TestSAPOHand(t *testing.T) {
	b := PolicyBatch{
		OldLogProb: [][]float64{{-1, -2}}, LogProb: [][]float64{{-1, -2}},
		Advantages: [][]float64{{2, -1}}, ResponseMask: [][]float64{{1, 1}},
	}
	cfg := DefaultVerlPolicyConfig()
	cfg.AggMode = TokenMean // ignored
	r, err := PolicyLossSAPO(b, cfg)
	if err != nil {
		t.Fatal(err)
	}
	approx(t, "pg_loss", r.Loss, (-4+2/1.05)/2, 1e-7)
	approxMat(t, "grad", r.GradLogProb, [][]float64{{-1, 0.5}}, 1e-7)
	approx(t, "ppo_kl", r.PPOKL, 0, 0)
	approx(t, "pg_clipfrac", r.ClipFrac, 0, 0)
}

func TestSAPOClamp20(t *testing.T) {
	// d = 25 → r = e^20: gate = σ(e^20 - 1)·4 = 4 (τ = 1), ℓ = -4, ∂ = 0.
	b := PolicyBatch{
		OldLogProb: [][]float64{{0}}, LogProb: [][]float64{{25}},
		Advantages: [][]float64{{1}}, ResponseMask: [][]float64{{1}},
	}
	r, _ := PolicyLossSAPO(b, DefaultVerlPolicyConfig())
	approx(t, "pg_loss", r.Loss, -4, 1e-7)
	approxMat(t, "grad", r.GradLogProb, [][]float64{{0}}, 0)
	approx(t, "ppo_kl", r.PPOKL, -20, 1e-6)
	cfg := DefaultVerlPolicyConfig()
	cfg.TauNeg = 0
	_, err := PolicyLossSAPO(b, cfg)
	wantErr(t, err, "tau_pos")
}
