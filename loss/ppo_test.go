package loss

import (
	"math"
	"testing"
)

// row builds logp = old + log(ratio) for given ratios (old = -1).
func ratioRow(ratios ...float64) (old, lp []float64) {
	for _, r := range ratios {
		old = append(old, -1)
		lp = append(lp, -1+math.Log(r))
	}
	return old, lp
}

// vanillaBatch: ε = 0.2, c = 3.
//
//	row 0: A=+1 r=1.5 → L1=-1.5, L2=-1.2, C1=-1.2 (clipped, ∂=0)
//	       A=-1 r=0.5 → L1=0.5, L2=0.8, C1=0.8 (clipped); C2=min(3, 0.8)=0.8 (∂=0)
//	       masked token (A=+2, r=1)
//	row 1: A=+2 r=1.1 → ℓ=-2.2, ∂ = -A·r = -2.2
//	       A=-1 r=4   → L1=4, L2=1.2, C1=4; C2=min(3, 4)=3 (dual clip, ∂=0)
//
// token-mean over N=4: loss = (-1.2+0.8-2.2+3)/4 = 0.1; grad row 1 t0 = -2.2/4.
// pg_clipfrac = 2/4, pg_clipfrac_lower = 1/4, ppo_kl = -ln(1.5·0.5·1.1·4)/4.
func vanillaBatch() PolicyBatch {
	o0, l0 := ratioRow(1.5, 0.5, 1)
	o1, l1 := ratioRow(1.1, 4)
	return PolicyBatch{
		OldLogProb:   [][]float64{o0, o1},
		LogProb:      [][]float64{l0, l1},
		Advantages:   [][]float64{{1, -1, 2}, {2, -1}},
		ResponseMask: [][]float64{{1, 1, 0}, {1, 1}},
	}
}

func TestVanillaHand(t *testing.T) {
	r, err := PolicyLossVanilla(vanillaBatch(), DefaultVerlPolicyConfig())
	if err != nil {
		t.Fatal(err)
	}
	approx(t, "pg_loss", r.Loss, 0.1, 1e-12)
	approxMat(t, "grad", r.GradLogProb, [][]float64{{0, 0, 0}, {-0.55, 0}}, 1e-12)
	approx(t, "pg_clipfrac", r.ClipFrac, 0.5, 1e-8)
	approx(t, "pg_clipfrac_lower", r.ClipFracLower, 0.25, 1e-8)
	approx(t, "ppo_kl", r.PPOKL, -math.Log(3.3)/4, 1e-8)
}

func TestVanillaISWeightsAndAgg(t *testing.T) {
	b := vanillaBatch()
	b.RolloutISWeights = [][]float64{{2, 1, 9}, {0.5, 1}}
	cfg := DefaultVerlPolicyConfig()
	cfg.AggMode = SeqMeanTokenMean
	r, err := PolicyLossVanilla(b, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// ℓ·w: row 0 = [-2.4, 0.8], row 1 = [-1.1, 3]; row means -0.8 and 0.95.
	approx(t, "pg_loss", r.Loss, (-0.8+0.95)/2, 1e-8)
	// ∂ row 1 t0 = -2.2·0.5 / (2 tokens · 2 rows).
	approxMat(t, "grad", r.GradLogProb, [][]float64{{0, 0, 0}, {-0.275, 0}}, 1e-8)
}

func TestVanillaClamp20(t *testing.T) {
	// |logp - old| > 20: the ratio is exp(±20) and the gradient is 0.
	b := PolicyBatch{
		OldLogProb: [][]float64{{0, 0}}, LogProb: [][]float64{{25, -30}},
		Advantages: [][]float64{{-1, 1}}, ResponseMask: [][]float64{{1, 1}},
	}
	r, err := PolicyLossVanilla(b, DefaultVerlPolicyConfig())
	if err != nil {
		t.Fatal(err)
	}
	// t0: A=-1, r=e^20: C1 = e^20 > 3 → dual clip 3.
	// t1: A=1, r=e^-20: L1 = -e^-20 > L2 = -0.8 → C1 = L1, whose ∂ is 0 through the clamp.
	approx(t, "pg_loss", r.Loss, (3-math.Exp(-20))/2, 1e-12)
	approxMat(t, "grad", r.GradLogProb, [][]float64{{0, 0}}, 0)
	approx(t, "ppo_kl", r.PPOKL, (-20+20)/2.0, 1e-12)
}

func TestVanillaErrors(t *testing.T) {
	cfg := DefaultVerlPolicyConfig()
	cfg.ClipRatioC = 1
	_, err := PolicyLossVanilla(vanillaBatch(), cfg)
	wantErr(t, err, "clip_ratio_c must be > 1.0")
	b := vanillaBatch()
	b.Advantages = b.Advantages[:1]
	_, err = PolicyLossVanilla(b, DefaultVerlPolicyConfig())
	wantErr(t, err, "advantages has 1 rows, log_prob has 2")
	b = vanillaBatch()
	b.OldLogProb[1][1] = math.NaN()
	_, err = PolicyLossVanilla(b, DefaultVerlPolicyConfig())
	wantErr(t, err, "old_log_prob row 1 column 1")
	b = vanillaBatch()
	b.RolloutISWeights = [][]float64{{1, 1, 1}, {1}}
	_, err = PolicyLossVanilla(b, DefaultVerlPolicyConfig())
	wantErr(t, err, "rollout_is_weights row 1 has 1 values, log_prob has 2")
}

// openrlhfBatch:
//
//	row 0: A=+1 r=1.5 → s1=1.5, s2=1.2: ℓ=-1.2 (clipped, ∂=0)
//	       A=-1 r=0.5 → s1=-0.5, s2=-0.8: ℓ=0.8 (clipped, ∂=0)
//	       A=0.5 r=1  → ℓ=-0.5, ∂=-A·r=-0.5
//	row 1: A=+2 r=1.1 → ℓ=-2.2, ∂=-2.2
//	       A=-1 r=4   → s1=-4, s2=-1.2: ℓ=4, ∂=-A·r=4   (dual clip 3: max(-4,-3) → ℓ=3, ∂=0)
func openrlhfBatch() OpenRLHFPolicyBatch {
	o0, l0 := ratioRow(1.5, 0.5, 1)
	o1, l1 := ratioRow(1.1, 4)
	return OpenRLHFPolicyBatch{
		LogProbs: [][]float64{l0, l1}, OldLogProbs: [][]float64{o0, o1},
		Advantages: [][]float64{{1, -1, 0.5}, {2, -1}}, ActionMask: [][]float64{{1, 1, 1}, {1, 1}},
	}
}

func TestOpenRLHFPPOHand(t *testing.T) {
	o := DefaultOpenRLHFPolicyOptions()
	r, err := OpenRLHFPolicyLoss(openrlhfBatch(), o)
	if err != nil {
		t.Fatal(err)
	}
	// Token level, N=5: (-1.2+0.8-0.5-2.2+4)/5.
	approx(t, "loss", r.Loss, 0.9/5, 1e-12)
	approxMat(t, "grad", r.GradLogProbs, [][]float64{{0, 0, -0.1}, {-0.44, 0.8}}, 1e-12)
	approx(t, "clip_ratio", r.ClipRatio, 2.0/5, 1e-12)
	approx(t, "ppo_kl", r.PPOKL, -math.Log(1.5*0.5*1*1.1*4)/5, 1e-12)
	if r.VLLMKL != nil {
		t.Error("vllm_kl should be None without the correction")
	}

	// Sequence level: row means -0.3 and 0.9 → 0.3; weights 1/(3·2), 1/(2·2).
	o.TokenLevelLoss = false
	r, _ = OpenRLHFPolicyLoss(openrlhfBatch(), o)
	approx(t, "seq loss", r.Loss, 0.3, 1e-8)
	approxMat(t, "seq grad", r.GradLogProbs, [][]float64{{0, 0, -0.5 / 6}, {-0.55, 1}}, 1e-8)

	// Dual clip 3 on row 1 t1: ℓ = 3, ∂ = 0.
	o = DefaultOpenRLHFPolicyOptions()
	o.DualClip = 3
	r, _ = OpenRLHFPolicyLoss(openrlhfBatch(), o)
	approx(t, "dual loss", r.Loss, (-1.2+0.8-0.5-2.2+3)/5, 1e-12)
	approxMat(t, "dual grad", r.GradLogProbs, [][]float64{{0, 0, -0.1}, {-0.44, 0}}, 1e-12)

	// Global token count with dp: Σℓ/20·4.
	o = DefaultOpenRLHFPolicyOptions()
	o.DPSize, o.BatchNumTokens = 4, 20
	r, _ = OpenRLHFPolicyLoss(openrlhfBatch(), o)
	approx(t, "global loss", r.Loss, 0.9/20*4, 1e-12)
}

// One row, r = 1 (ℓ = -A, ∂ = -A), A = [1, 2], v = exp(old - rollout) = [2, 1.25].
func isBatch() OpenRLHFPolicyBatch {
	return OpenRLHFPolicyBatch{
		LogProbs: [][]float64{{-1, -1}}, OldLogProbs: [][]float64{{-1, -1}},
		Advantages: [][]float64{{1, 2}}, ActionMask: [][]float64{{1, 1}},
		RolloutLogProbs: [][]float64{{-1 - math.Log(2), -1 - math.Log(1.25)}},
	}
}

func TestOpenRLHFVLLMISHand(t *testing.T) {
	cases := []struct {
		typ       string
		low, high float64
		loss      float64
		grad      []float64
	}{
		// tis: w = clamp(v, 0.5, 1.5) = [1.5, 1.25] → ℓ = [-1.5, -2.5].
		{VLLMISTIS, 0.5, 1.5, -2, []float64{-0.75, -1.25}},
		// icepop: w = v·[0.5 ≤ v ≤ 1.5] = [0, 1.25].
		{VLLMISIcePop, 0.5, 1.5, -1.25, []float64{0, -1.25}},
		// seq-mask-tis: exp(mean(ln 2, ln 1.25)) = √2.5 = 1.58 > 1.5 → row dropped.
		{VLLMISSeqMaskTIS, 0.5, 1.5, 0, []float64{0, 0}},
		// ... kept with high = 2, and the token weight v is NOT clamped.
		{VLLMISSeqMaskTIS, 0.5, 2, -2.25, []float64{-1, -1.25}},
	}
	for _, c := range cases {
		o := DefaultOpenRLHFPolicyOptions()
		o.EnableVLLMISCorrection, o.VLLMISCorrectionType = true, c.typ
		o.VLLMISTruncatedThreshold = [2]float64{c.low, c.high}
		r, err := OpenRLHFPolicyLoss(isBatch(), o)
		if err != nil {
			t.Fatal(err)
		}
		approx(t, c.typ+" loss", r.Loss, c.loss, 1e-12)
		approxMat(t, c.typ+" grad", r.GradLogProbs, [][]float64{c.grad}, 1e-12)
		if r.VLLMKL == nil {
			t.Fatal("vllm_kl missing")
		}
		approx(t, c.typ+" vllm_kl", *r.VLLMKL, -math.Log(2.5)/2, 1e-12)
	}
}

// GSPO in OpenRLHF: one sequence ratio R = exp(mean d) differentiated through
// every token. Row: d = [0, 2 ln 1.1] → R = 1.1, A = [1, 3, 5], mask [1, 1, 0].
// ℓ = [-1.1, -3.3] → loss = row mean = -2.2 = -2R; ∂loss/∂d_t = -2·R/2 = -1.1.
func TestOpenRLHFGSPOHand(t *testing.T) {
	in := OpenRLHFPolicyBatch{
		LogProbs: [][]float64{{-1, -1 + 2*math.Log(1.1), 7}}, OldLogProbs: [][]float64{{-1, -1, -1}},
		Advantages: [][]float64{{1, 3, 5}}, ActionMask: [][]float64{{1, 1, 0}},
	}
	o := DefaultOpenRLHFPolicyOptions()
	o.PolicyLossType = OpenRLHFGSPO
	r, err := OpenRLHFPolicyLoss(in, o)
	if err != nil {
		t.Fatal(err)
	}
	approx(t, "loss", r.Loss, -2.2, 1e-7)
	approxMat(t, "grad", r.GradLogProbs, [][]float64{{-1.1, -1.1, 0}}, 1e-7)
	approx(t, "clip_ratio", r.ClipRatio, 0, 0)
	approx(t, "ppo_kl", r.PPOKL, -math.Log(1.1), 1e-12)
}

func TestOpenRLHFEmptyBatch(t *testing.T) {
	in := openrlhfBatch()
	in.ActionMask = [][]float64{{0, 0, 0}, {0, 0}}
	for _, tok := range []bool{true, false} {
		o := DefaultOpenRLHFPolicyOptions()
		o.TokenLevelLoss = tok
		r, err := OpenRLHFPolicyLoss(in, o)
		if err != nil {
			t.Fatal(err)
		}
		approx(t, "loss", r.Loss, math.NaN(), 0)
		approx(t, "clip_ratio", r.ClipRatio, math.NaN(), 0)
		approx(t, "grad", r.GradLogProbs[1][1], math.NaN(), 0)
	}
	// verl guards the same case: NaN loss (0/0) but zero gradient and metrics.
	b := vanillaBatch()
	b.ResponseMask = [][]float64{{0, 0, 0}, {0, 0}}
	r, _ := PolicyLossVanilla(b, DefaultVerlPolicyConfig())
	approx(t, "verl loss", r.Loss, math.NaN(), 0)
	approx(t, "verl clipfrac", r.ClipFrac, 0, 0)
	approxMat(t, "verl grad", r.GradLogProb, [][]float64{{0, 0, 0}, {0, 0}}, 0)
}

func TestOpenRLHFErrors(t *testing.T) {
	o := DefaultOpenRLHFPolicyOptions()
	o.VLLMISCorrectionType = "mis"
	_, err := OpenRLHFPolicyLoss(openrlhfBatch(), o)
	wantErr(t, err, "invalid vllm_is_correction_type")
	o = DefaultOpenRLHFPolicyOptions()
	o.DualClip = 0.5
	_, err = OpenRLHFPolicyLoss(openrlhfBatch(), o)
	wantErr(t, err, "dual_clip must be > 1.0")
	o = DefaultOpenRLHFPolicyOptions()
	o.PolicyLossType = "grpo"
	_, err = OpenRLHFPolicyLoss(openrlhfBatch(), o)
	wantErr(t, err, "invalid policy loss type")
	o = DefaultOpenRLHFPolicyOptions()
	o.EnableVLLMISCorrection = true
	_, err = OpenRLHFPolicyLoss(openrlhfBatch(), o)
	wantErr(t, err, "rollout_log_probs is missing")
}

// An empty batch divides by a zero token count: autograd sends inf·0 = NaN
// back to every token, and only selections cut it. Token 0 (ratio 1, surr1 =
// surr2: min passes half of NaN) is NaN; token 1 (log ratio 25, outside the
// ±20 clamp) is 0. With A = -1 and dual clip 3, token 1 at log ratio 1.5
// (min = -e^1.5 < -3) takes the constant dual branch: 0. GSPO (ratio
// exp(0)·0 = 0): with A = 1 surr1 = 0 < surr2 = 0.8 keeps the live branch and
// the whole row is NaN; with A = -1 the inactive clamp branch wins: 0.
func TestOpenRLHFEmptyBatchGradPattern(t *testing.T) {
	isNaN := func(name string, got []float64, want []bool) {
		t.Helper()
		for i, w := range want {
			if math.IsNaN(got[i]) != w || (!w && got[i] != 0) {
				t.Errorf("%s[%d] = %v, want NaN: %v (else 0)", name, i, got[i], w)
			}
		}
	}
	in := OpenRLHFPolicyBatch{
		LogProbs: [][]float64{{0, 25}}, OldLogProbs: [][]float64{{0, 0}},
		Advantages: [][]float64{{1, 1}}, ActionMask: [][]float64{{0, 0}},
	}
	o := DefaultOpenRLHFPolicyOptions()
	r, err := OpenRLHFPolicyLoss(in, o)
	if err != nil {
		t.Fatal(err)
	}
	approx(t, "loss", r.Loss, math.NaN(), 0)
	isNaN("ppo", r.GradLogProbs[0], []bool{true, false})

	in.LogProbs[0][1], in.Advantages = 1.5, [][]float64{{-1, -1}}
	o.DualClip = 3
	r, _ = OpenRLHFPolicyLoss(in, o)
	isNaN("dual", r.GradLogProbs[0], []bool{true, false})

	o = DefaultOpenRLHFPolicyOptions()
	o.PolicyLossType = OpenRLHFGSPO
	in.Advantages = [][]float64{{1, 1}}
	r, _ = OpenRLHFPolicyLoss(in, o)
	isNaN("gspo live", r.GradLogProbs[0], []bool{true, true})
	in.Advantages = [][]float64{{-1, -1}}
	r, _ = OpenRLHFPolicyLoss(in, o)
	isNaN("gspo cut", r.GradLogProbs[0], []bool{false, false})
}
