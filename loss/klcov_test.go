package loss

import (
	"math"
	"slices"
	"testing"
)

// One row, A = [1, -1, 1, -1], logp = [-1, -1, -3, -3] → cov = [1, -1, -1, 1]
// (means over the valid tokens: Ā = 0, l̄ = -2). k = max(1, ⌊4·0.25⌋) = 1; the
// tie between tokens 0 and 3 goes to token 3, as torch.topk([1,-1,-1,1], 1)
// returns index 3 on CPU (k·64 > n: std::nth_element; its median-of-three
// pivot and unguarded partition move element 3 ahead of element 0).
// d = [0.5, 0, 0, 0], PPOKLCoef = 2: token 3 gets +2·|0| = 0 (and gradient
// 2·sign(0) = 0), so every token has ℓ = -A·r, ∂ = -A·r:
// ℓ = [-e^0.5, 1, -1, 1].
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
	approx(t, "pg_loss", r.Loss, (-e+1-1+1)/4, 1e-12)
	approxMat(t, "grad", r.GradLogProb, [][]float64{{-e / 4, 0.25, -0.25, 0.25}}, 1e-12)
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

// TestTorchTopKTies pins the tie order of torch.topk on CPU, as observed with
// torch 1.13.1 for torch.topk(tensor([3,-1,7,7,0,2,9,-5,7,1]), k).indices:
// the three 7s (indices 2, 3, 8) come out as 3, 8, 2 for k <= 7 (nth_element
// path) but 2, 3, 8 for k >= 8; and for 4..11 equal values the k=1 pick is
// not index 0 (e.g. n=4 -> 2, n=7 -> 5, n=10 -> 8). With k·64 <= n the
// heap (partial_sort) path keeps the first maximal index for k = 1.
func TestTorchTopKTies(t *testing.T) {
	pick := func(covs []float64, k int) []int32 {
		items := make([]covItem, len(covs))
		for i, c := range covs {
			items[i] = covItem{c, tokenPos{0, int32(i)}}
		}
		torchTopK(items, k)
		out := make([]int32, k)
		for i := range out {
			out[i] = items[i].pos.t
		}
		return out
	}
	covs := []float64{3, -1, 7, 7, 0, 2, 9, -5, 7, 1}
	want := [][]int32{
		{6}, {6, 3}, {6, 3, 8}, {6, 3, 8, 2}, {6, 3, 8, 2, 0}, {6, 3, 8, 2, 0, 5},
		{6, 3, 8, 2, 0, 5, 9}, {6, 2, 3, 8, 0, 5, 9, 4}, {6, 2, 3, 8, 0, 5, 9, 4, 1},
		{6, 2, 3, 8, 0, 5, 9, 4, 1, 7},
	}
	for k := 1; k <= len(covs); k++ {
		if got := pick(covs, k); !slices.Equal(got, want[k-1]) {
			t.Errorf("k=%d: got %v, want %v", k, got, want[k-1])
		}
	}
	zeros := map[int][]int32{1: {0}, 2: {0, 1}, 3: {0, 1, 2}, 4: {2, 3, 0, 1}, 5: {2, 4, 3, 0}, 7: {5, 4, 3, 6}, 10: {8, 6, 7, 5}}
	for n, w := range zeros {
		if got := pick(make([]float64, n), min(n, 4)); !slices.Equal(got, w) {
			t.Errorf("%d zeros: got %v, want %v", n, got, w)
		}
	}
	// partial_sort path (1·64 <= 100): first maximal index.
	if got := pick(make([]float64, 100), 1); got[0] != 0 {
		t.Errorf("100 zeros, k=1: got %v, want [0]", got)
	}
}
