package loss

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Finite-difference checks of every analytic gradient on small random
// inputs drawn away from the kinks of the clamps, min/max and selections.
// Losses with stop-gradients (CISPO, GSPO) are checked against the
// surrogate in which the detached quantities are frozen at the base point,
// which is exactly what autograd differentiates.

const fdH = 1e-6

func clone(x [][]float64) [][]float64 {
	out := make([][]float64, len(x))
	for i := range x {
		out[i] = append([]float64(nil), x[i]...)
	}
	return out
}

// fdCheck compares grad with central differences of f at x.
func fdCheck(t *testing.T, name string, x [][]float64, f func([][]float64) float64, grad [][]float64) {
	t.Helper()
	y := clone(x)
	bad := 0
	for i := range y {
		for j := range y[i] {
			x0 := y[i][j]
			y[i][j] = x0 + fdH
			fp := f(y)
			y[i][j] = x0 - fdH
			fm := f(y)
			y[i][j] = x0
			fd := (fp - fm) / (2 * fdH)
			if d := math.Abs(fd - grad[i][j]); d > 1e-6+1e-5*math.Abs(fd) {
				if bad < 5 {
					t.Errorf("%s: d/dx[%d][%d]: analytic %.10g, finite difference %.10g", name, i, j, grad[i][j], fd)
				}
				bad++
			}
		}
	}
}

type dRange [2]float64

var (
	smallD = []dRange{{-0.7, 0.7}}
	dualD  = []dRange{{-0.7, 0.7}, {1.2, 1.5}} // includes ratios above the dual-clip c = 3
)

// genBatch draws a batch: old in [-3,-0.1], d = logp-old from ranges,
// |A| in [0.1, 2], masks with ~20% zeros (column 0 always valid) and
// optional IS weights in [0.5, 1.5].
func genBatch(rng *rand.Rand, B, T int, ranges []dRange, withIS bool) PolicyBatch {
	u := func(lo, hi float64) float64 { return lo + (hi-lo)*rng.Float64() }
	var p PolicyBatch
	for b := 0; b < B; b++ {
		var old, lp, adv, m, w []float64
		for t := 0; t < T; t++ {
			o := u(-3, -0.1)
			r := ranges[rng.IntN(len(ranges))]
			old = append(old, o)
			lp = append(lp, o+u(r[0], r[1]))
			a := u(0.1, 2)
			if rng.IntN(2) == 0 {
				a = -a
			}
			adv = append(adv, a)
			m = append(m, b2f(t == 0 || rng.Float64() < 0.8))
			w = append(w, u(0.5, 1.5))
		}
		p.OldLogProb = append(p.OldLogProb, old)
		p.LogProb = append(p.LogProb, lp)
		p.Advantages = append(p.Advantages, adv)
		p.ResponseMask = append(p.ResponseMask, m)
		if withIS {
			p.RolloutISWeights = append(p.RolloutISWeights, w)
		}
	}
	return p
}

// near reports whether x is within δ of any kink.
func near(x float64, kinks ...float64) bool {
	for _, k := range kinks {
		if math.Abs(x-k) < 0.02 {
			return true
		}
	}
	return false
}

// drawSafe redraws until safe accepts the batch.
func drawSafe(t *testing.T, rng *rand.Rand, B, T int, ranges []dRange, withIS bool, safe func(PolicyBatch) bool) PolicyBatch {
	t.Helper()
	for try := 0; try < 10000; try++ {
		if p := genBatch(rng, B, T, ranges, withIS); safe(p) {
			return p
		}
	}
	t.Fatal("could not draw a batch away from the kinks")
	return PolicyBatch{}
}

// everyToken reports whether ok holds for every (d, r, A) of the batch.
func everyToken(p PolicyBatch, ok func(d, r, a float64) bool) bool {
	for i := range p.LogProb {
		for j := range p.LogProb[i] {
			d := p.LogProb[i][j] - p.OldLogProb[i][j]
			if !ok(d, math.Exp(d), p.Advantages[i][j]) {
				return false
			}
		}
	}
	return true
}

// lossOf evaluates a policy loss at a perturbed LogProb.
func lossOf(t *testing.T, f PolicyLossFunc, p PolicyBatch, cfg VerlPolicyConfig) func([][]float64) float64 {
	return func(x [][]float64) float64 {
		q := p
		q.LogProb = x
		r, err := f(q, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return r.Loss
	}
}

func checkPolicyGrad(t *testing.T, name string, f PolicyLossFunc, p PolicyBatch, cfg VerlPolicyConfig) {
	t.Helper()
	r, err := f(p, cfg)
	if err != nil {
		t.Fatal(err)
	}
	fdCheck(t, name, p.LogProb, lossOf(t, f, p, cfg), r.GradLogProb)
}

var allModes = []AggMode{TokenMean, SeqMeanTokenSum, SeqMeanTokenMean, SeqMeanTokenSumNorm}

func TestGradVanilla(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cfg := DefaultVerlPolicyConfig()
	cfg.ClipRatioHigh = 0.28
	safe := func(p PolicyBatch) bool {
		return everyToken(p, func(d, r, a float64) bool { return !near(r, 0.8, 1.28, 3) })
	}
	for k, mode := range allModes {
		cfg.AggMode = mode
		cfg.Global = GlobalBatchInfo{}
		if k%2 == 1 {
			cfg.Global = GlobalBatchInfo{DPSize: 4, BatchNumTokens: 50, GlobalBatchSize: 9, LossScaleFactor: 13}
		}
		p := drawSafe(t, rng, 4, 6, dualD, k >= 2, safe)
		checkPolicyGrad(t, "vanilla/"+string(mode), PolicyLossVanilla, p, cfg)
	}
}

func TestGradSAPO(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	cfg := DefaultVerlPolicyConfig()
	cfg.TauPos, cfg.TauNeg = 0.5, 1.5
	for k := 0; k < 3; k++ {
		p := genBatch(rng, 4, 6, dualD, k == 1)
		checkPolicyGrad(t, "sapo", PolicyLossSAPO, p, cfg)
	}
}

func TestGradGPG(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	cfg := DefaultVerlPolicyConfig()
	for k, mode := range allModes {
		cfg.AggMode = mode
		p := genBatch(rng, 3, 5, smallD, k%2 == 0)
		checkPolicyGrad(t, "gpg/"+string(mode), PolicyLossGPG, p, cfg)
	}
}

func TestGradGeoMean(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	cfg := DefaultVerlPolicyConfig()
	cfg.ClipRatioLow, cfg.ClipRatioHigh = 0.1, 0.3
	safe := func(p PolicyBatch) bool {
		return everyToken(p, func(d, r, a float64) bool { return !near(d, -0.1, 0.3) })
	}
	for k := 0; k < 3; k++ {
		p := drawSafe(t, rng, 4, 6, smallD, k == 1, safe)
		if k == 2 {
			p.ResponseMask[1] = make([]float64, 6) // an empty row counts in the mean
			p.Advantages[0][2] = 0                 // A = 0: no gradient
		}
		checkPolicyGrad(t, "geo_mean", PolicyLossGeoMean, p, cfg)
	}
}

func TestGradCISPO(t *testing.T) {
	// Surrogate: the clipped ratio is detached, so CISPO differentiates like
	// GPG with advantages A·clamp(r) frozen at the base point.
	rng := rand.New(rand.NewPCG(9, 10))
	cfg := DefaultVerlPolicyConfig()
	for k, mode := range allModes {
		cfg.AggMode = mode
		p := genBatch(rng, 3, 6, smallD, k%2 == 1)
		r, err := PolicyLossCISPO(p, cfg)
		if err != nil {
			t.Fatal(err)
		}
		frozen := p
		frozen.Advantages = clone(p.Advantages)
		for i := range frozen.Advantages {
			for j := range frozen.Advantages[i] {
				frozen.Advantages[i][j] *= clamp(math.Exp(p.LogProb[i][j]-p.OldLogProb[i][j]), 0.8, 1.2)
			}
		}
		fdCheck(t, "cispo/"+string(mode), p.LogProb, lossOf(t, PolicyLossGPG, frozen, cfg), r.GradLogProb)
		// The surrogate also reproduces the value.
		g, _ := PolicyLossGPG(frozen, cfg)
		if math.Abs(g.Loss-r.Loss) > 1e-12 {
			t.Errorf("cispo/%s: loss %v, surrogate %v", mode, r.Loss, g.Loss)
		}
	}
}

// seqLogRatio is s_b = Σ m·(logp-old)/max(Σm, 1).
func seqLogRatio(p PolicyBatch, b int) float64 {
	var s, n float64
	for t := range p.LogProb[b] {
		s += (p.LogProb[b][t] - p.OldLogProb[b][t]) * p.ResponseMask[b][t]
		n += p.ResponseMask[b][t]
	}
	return s / math.Max(n, 1)
}

func TestGradGSPO(t *testing.T) {
	// Surrogate: log r_bt = logp_bt - sg(logp_bt) + sg(s_b), i.e. vanilla PPO
	// (seq-mean-token-mean, no dual clip) with old'_bt = logp0_bt - s_b frozen.
	rng := rand.New(rand.NewPCG(11, 12))
	cfg := DefaultVerlPolicyConfig()
	for k := 0; k < 4; k++ {
		var p PolicyBatch
		for try := 0; ; try++ {
			p = genBatch(rng, 4, 5, []dRange{{-0.5, 0.5}}, k%2 == 1)
			ok := true
			for b := range p.LogProb {
				ok = ok && !near(math.Exp(seqLogRatio(p, b)), 0.8, 1.2)
			}
			if ok {
				break
			}
		}
		if k == 3 {
			cfg.Global = GlobalBatchInfo{DPSize: 2, GlobalBatchSize: 7}
		}
		r, err := PolicyLossGSPO(p, cfg)
		if err != nil {
			t.Fatal(err)
		}
		frozen := p
		frozen.OldLogProb = clone(p.LogProb)
		for b := range frozen.OldLogProb {
			s := seqLogRatio(p, b)
			for j := range frozen.OldLogProb[b] {
				frozen.OldLogProb[b][j] -= s
			}
		}
		vcfg := cfg
		vcfg.AggMode, vcfg.ClipRatioC = SeqMeanTokenMean, 1e9
		fdCheck(t, "gspo", p.LogProb, lossOf(t, PolicyLossVanilla, frozen, vcfg), r.GradLogProb)
		v, _ := PolicyLossVanilla(frozen, vcfg)
		if math.Abs(v.Loss-r.Loss) > 1e-12 {
			t.Errorf("gspo: loss %v, surrogate %v", r.Loss, v.Loss)
		}
	}
}

func TestGradClipCov(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	cfg := DefaultVerlPolicyConfig()
	cfg.ClipCovRatio, cfg.ClipCovLB, cfg.ClipCovUB = 0.3, 0.05, 0.5
	tested := 0
	for try := 0; tested < 4 && try < 10000; try++ {
		p := genBatch(rng, 3, 6, smallD, try%2 == 0)
		if !everyToken(p, func(d, r, a float64) bool { return !near(r, 0.8, 1.2) }) {
			continue
		}
		// Deterministic selection (candidates <= clip_num, at least one) and
		// no covariance near the bounds.
		var n, sa, sl float64
		for i := range p.LogProb {
			for j, m := range p.ResponseMask[i] {
				n += m
				sa += p.Advantages[i][j] * m
				sl += p.LogProb[i][j] * m
			}
		}
		cands, ok := 0, true
		for i := range p.LogProb {
			for j, m := range p.ResponseMask[i] {
				a, r := p.Advantages[i][j], math.Exp(p.LogProb[i][j]-p.OldLogProb[i][j])
				if m == 0 || -a*clamp(r, 0.8, 1.2) > -a*r {
					continue
				}
				cov := (a - sa/n) * (p.LogProb[i][j] - sl/n)
				ok = ok && !near(cov, 0.05, 0.5)
				if cov > 0.05 && cov < 0.5 {
					cands++
				}
			}
		}
		if !ok || cands == 0 || cands > int(0.3*n) {
			continue
		}
		tested++
		cfg.AggMode = allModes[tested%4]
		r, err := PolicyLossClipCov(p, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(r.ClipFrac-float64(cands)/(n+1e-8)) > 1e-12 {
			t.Errorf("clip_cov: clipfrac %v, want %d/%v", r.ClipFrac, cands, n)
		}
		checkPolicyGrad(t, "clip_cov", PolicyLossClipCov, p, cfg)
	}
	if tested < 4 {
		t.Fatalf("only %d batches drawn", tested)
	}
}

func TestGradKLCov(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	cfg := DefaultVerlPolicyConfig()
	cfg.KLCovRatio, cfg.PPOKLCoef = 0.25, 2
	tested := 0
	for try := 0; tested < 4 && try < 10000; try++ {
		p := genBatch(rng, 3, 6, smallD, try%2 == 0)
		if !everyToken(p, func(d, r, a float64) bool { return !near(d, 0) }) {
			continue
		}
		// The k-th and (k+1)-th covariances must be well separated.
		var covs []float64
		var n, sa, sl float64
		for i := range p.LogProb {
			for j, m := range p.ResponseMask[i] {
				if m > 0 {
					n++
					sa += p.Advantages[i][j]
					sl += p.LogProb[i][j]
				}
			}
		}
		for i := range p.LogProb {
			for j, m := range p.ResponseMask[i] {
				if m > 0 {
					covs = append(covs, (p.Advantages[i][j]-sa/n)*(p.LogProb[i][j]-sl/n))
				}
			}
		}
		k := max(1, int(n*0.25))
		sortDesc(covs)
		if k < len(covs) && covs[k-1]-covs[k] < 0.02 {
			continue
		}
		tested++
		cfg.AggMode = allModes[tested%4]
		checkPolicyGrad(t, "kl_cov", PolicyLossKLCov, p, cfg)
	}
}

func sortDesc(x []float64) {
	for i := 1; i < len(x); i++ {
		for j := i; j > 0 && x[j] > x[j-1]; j-- {
			x[j], x[j-1] = x[j-1], x[j]
		}
	}
}

func TestGradValueLoss(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	u := func(lo, hi float64) float64 { return lo + (hi-lo)*rng.Float64() }
	for _, mode := range allModes {
		o := ValueLossOptions{CliprangeValue: 0.2, AggMode: mode}
		var vp, ret, val, m [][]float64
		for b := 0; b < 4; b++ {
			var a, r, v, k []float64
			for j := 0; j < 5; j++ {
				vv := u(-1, 1)
				x := vv + u(-0.6, 0.6)
				rr := u(-1.5, 1.5)
				vc := clamp(x, vv-0.2, vv+0.2)
				if near(x, vv-0.2, vv+0.2) || near((vc-rr)*(vc-rr), (x-rr)*(x-rr)) && vc != x {
					j--
					continue
				}
				a, r, v, k = append(a, x), append(r, rr), append(v, vv), append(k, b2f(j == 0 || rng.Float64() < 0.8))
			}
			vp, ret, val, m = append(vp, a), append(ret, r), append(val, v), append(m, k)
		}
		res, err := ValueLoss(vp, ret, val, m, o)
		if err != nil {
			t.Fatal(err)
		}
		fdCheck(t, "value/"+string(mode), vp, func(x [][]float64) float64 {
			r, err := ValueLoss(x, ret, val, m, o)
			if err != nil {
				t.Fatal(err)
			}
			return r.Loss
		}, res.GradVPreds)
	}
}

func TestGradKL(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	var lp, ref [][]float64
	for b := 0; b < 3; b++ {
		var l, r []float64
		for j := 0; j < 8; j++ {
			x := -3 * rng.Float64()
			d := -3 + 6*rng.Float64()
			if j == 7 {
				d = 25 // the ±20 / ±10 clamps: zero gradient
			}
			if near(d, 0) {
				j--
				continue
			}
			l, r = append(l, x+d), append(r, x)
		}
		lp, ref = append(lp, l), append(ref, r)
	}
	for _, mode := range []string{"kl", "k1", "abs", "mse", "k2", "low_var_kl", "k3"} {
		res, err := KLPenalty(lp, ref, mode, KLPenaltyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		fdCheck(t, "kl_penalty/"+mode, lp, func(x [][]float64) float64 {
			r, err := KLPenalty(x, ref, mode, KLPenaltyOptions{})
			if err != nil {
				t.Fatal(err)
			}
			s := 0.0
			for _, row := range r.KL {
				for _, v := range row {
					s += v
				}
			}
			return s
		}, res.Grad)
	}
	for _, est := range []string{"k1", "k2", "k3"} {
		res, err := ApproxKL(lp, ref, est)
		if err != nil {
			t.Fatal(err)
		}
		fdCheck(t, "approx_kl/"+est, lp, func(x [][]float64) float64 {
			r, err := ApproxKL(x, ref, est)
			if err != nil {
				t.Fatal(err)
			}
			s := 0.0
			for _, row := range r.KL {
				for _, v := range row {
					s += v
				}
			}
			return s
		}, res.Grad)
	}
}

func TestGradAggLoss(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	p := genBatch(rng, 4, 5, smallD, false)
	for _, mode := range allModes {
		for _, g := range []GlobalBatchInfo{{}, {DPSize: 3, BatchNumTokens: 40, GlobalBatchSize: 6, LossScaleFactor: 9}} {
			_, grad, err := AggLoss(p.Advantages, p.ResponseMask, mode, g)
			if err != nil {
				t.Fatal(err)
			}
			fdCheck(t, "agg/"+string(mode), p.Advantages, func(x [][]float64) float64 {
				v, _, err := AggLoss(x, p.ResponseMask, mode, g)
				if err != nil {
					t.Fatal(err)
				}
				return v
			}, grad)
		}
	}
}

func TestGradOpenRLHF(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	u := func(lo, hi float64) float64 { return lo + (hi-lo)*rng.Float64() }
	cases := []struct {
		name string
		o    func(*OpenRLHFPolicyOptions)
	}{
		{"ppo_token", func(o *OpenRLHFPolicyOptions) {}},
		{"ppo_seq", func(o *OpenRLHFPolicyOptions) { o.TokenLevelLoss = false; o.ClipEpsHigh = 0.28 }},
		{"ppo_dual", func(o *OpenRLHFPolicyOptions) { o.DualClip = 3 }},
		{"ppo_global", func(o *OpenRLHFPolicyOptions) { o.DPSize, o.BatchNumTokens = 4, 30 }},
		{"ppo_seq_global", func(o *OpenRLHFPolicyOptions) { o.TokenLevelLoss, o.DPSize, o.GlobalBatchSize = false, 2, 7 }},
		{"tis", func(o *OpenRLHFPolicyOptions) { o.EnableVLLMISCorrection = true }},
		{"icepop", func(o *OpenRLHFPolicyOptions) {
			o.EnableVLLMISCorrection, o.VLLMISCorrectionType = true, VLLMISIcePop
		}},
		{"seq-mask-tis", func(o *OpenRLHFPolicyOptions) {
			o.EnableVLLMISCorrection, o.VLLMISCorrectionType = true, VLLMISSeqMaskTIS
		}},
		{"gspo", func(o *OpenRLHFPolicyOptions) { o.PolicyLossType = OpenRLHFGSPO }},
		{"gspo_dual_rollout", func(o *OpenRLHFPolicyOptions) {
			o.PolicyLossType, o.DualClip, o.EnableVLLMISCorrection = OpenRLHFGSPO, 2, true
		}},
	}
	for _, c := range cases {
		o := DefaultOpenRLHFPolicyOptions()
		o.VLLMISTruncatedThreshold = [2]float64{0.8, 1.25}
		c.o(&o)
		var in OpenRLHFPolicyBatch
		for {
			p := genBatch(rng, 4, 5, dualD, false)
			in = OpenRLHFPolicyBatch{LogProbs: p.LogProb, OldLogProbs: p.OldLogProb, Advantages: p.Advantages, ActionMask: p.ResponseMask}
			for _, row := range p.OldLogProb {
				var rr []float64
				for _, o := range row {
					rr = append(rr, o+u(-0.4, 0.4))
				}
				in.RolloutLogProbs = append(in.RolloutLogProbs, rr)
			}
			ok := everyToken(p, func(d, r, a float64) bool { return !near(r, 0.8, 1.2, 1.28, 3) })
			if o.PolicyLossType == OpenRLHFGSPO {
				ok = true
				for b := range p.LogProb {
					base := p
					if o.EnableVLLMISCorrection {
						base.OldLogProb = in.RolloutLogProbs
					}
					ok = ok && !near(math.Exp(seqLogRatio(base, b)), 0.8, 1.2)
				}
			}
			if ok {
				break
			}
		}
		r, err := OpenRLHFPolicyLoss(in, o)
		if err != nil {
			t.Fatal(err)
		}
		fdCheck(t, "openrlhf/"+c.name, in.LogProbs, func(x [][]float64) float64 {
			q := in
			q.LogProbs = x
			r, err := OpenRLHFPolicyLoss(q, o)
			if err != nil {
				t.Fatal(err)
			}
			return r.Loss
		}, r.GradLogProbs)
	}
}
