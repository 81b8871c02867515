package loss

import (
	"math"
	"testing"
)

// One row, A = [1, -1, 1, -1], logp = [-1, -1, -3, -3] → cov = [1, -1, -1, 1]
// (means over the valid tokens: Ā = 0, l̄ = -2). k = max(1, ⌊4·0.25⌋) = 1; the
// tie between tokens 0 and 3 goes to the lower index, token 0.
// d = [0.5, 0, 0, 0], PPOKLCoef = 2:
// ℓ_0 = -e^0.5 + 2·0.5, ∂_0 = -e^0.5 + 2; the others ℓ = -A, ∂ = -A.
func TestKLCovHand(t *testing.T) {
	lp := []float64{-1, -1, -3, -3}
	b := PolicyBatch{
		OldLogProb: [][]float64{{-1.5, -1, -3, -3}}, LogProb: [][]float64{lp},
		Advantages: [][]float64{{1, -1, 1, -1}}, ResponseMask: [][]float64{{1, 1, 1, 1}},
	}
	cfg := DefaultVerlPolicyConfig()
	cfg.KLCovRatio, cfg.PPOKLCoef = 0.25, 2
	r, err := PolicyLossKLCov(b, cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := math.Exp(0.5)
	approx(t, "pg_loss", r.Loss, (1-e+1-1+1)/4, 1e-12)
	approxMat(t, "grad", r.GradLogProb, [][]float64{{(2 - e) / 4, 0.25, -0.25, 0.25}}, 1e-12)
	approx(t, "ppo_kl", r.PPOKL, 0.5/4, 1e-8)

	// Break the tie: logp_3 = -3.5 gives cov_3 = 1.375 > cov_0 = 1.125, so
	// token 3 (d_3 = 0.25 after moving logp) takes the penalty instead.
	b.LogProb[0][3], b.OldLogProb[0][3] = -3.5, -3.75
	r, _ = PolicyLossKLCov(b, cfg)
	e3 := math.Exp(0.25)
	approx(t, "pg_loss tie broken", r.Loss, (-e+1-1+e3+2*0.25)/4, 1e-12)
	approxMat(t, "grad tie broken", r.GradLogProb, [][]float64{{-e / 4, 0.25, -0.25, (e3 + 2) / 4}}, 1e-12)

	cfg.KLCovRatio = 1.5 // selects 6 of 4 tokens: torch.topk raises
	_, err = PolicyLossKLCov(b, cfg)
	wantErr(t, err, "selects 6 of 4 valid tokens")
}

func TestSelectTopCov(t *testing.T) {
	// Property: quickselect puts exactly the k largest (ties: lower position) first.
	covs := []float64{3, -1, 7, 7, 0, 2, 9, -5, 7, 1}
	for k := 1; k <= len(covs); k++ {
		items := make([]covItem, len(covs))
		for i, c := range covs {
			items[i] = covItem{c, tokenPos{0, int32(i)}}
		}
		selectTopCov(items, k)
		// Reference: insertion sort in the same order.
		ref := make([]covItem, len(covs))
		for i, c := range covs {
			ref[i] = covItem{c, tokenPos{0, int32(i)}}
		}
		for i := 1; i < len(ref); i++ {
			for j := i; j > 0 && ref[j].before(ref[j-1]); j-- {
				ref[j], ref[j-1] = ref[j-1], ref[j]
			}
		}
		want := map[int32]bool{}
		for _, it := range ref[:k] {
			want[it.pos.t] = true
		}
		for _, it := range items[:k] {
			if !want[it.pos.t] {
				t.Fatalf("k=%d: selected %v, want %v", k, items[:k], ref[:k])
			}
		}
	}
}
