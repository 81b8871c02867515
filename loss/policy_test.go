package loss

import (
	"math/rand/v2"
	"testing"
)

// Property: on-policy (logp = old, r = 1, no token clipped) the vanilla,
// CISPO, GSPO, SAPO, Clip-Cov (no candidate) and KL-Cov (|d| = 0, sign 0)
// gradients all equal the REINFORCE gradient -A·ω of GPG under the same
// aggregation.
func TestOnPolicyGradientIsReinforce(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	p := genBatch(rng, 4, 6, []dRange{{0, 0}}, true)
	for _, mode := range allModes {
		cfg := DefaultVerlPolicyConfig()
		cfg.AggMode = mode
		cfg.ClipCovLB, cfg.ClipCovUB = 100, 200
		cfg.KLCovRatio = 0.3
		ref, err := PolicyLossGPG(p, cfg)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"vanilla", "cispo", "clip_cov", "kl_cov"} {
			f, err := GetPolicyLoss(name)
			if err != nil {
				t.Fatal(err)
			}
			r, err := f(p, cfg)
			if err != nil {
				t.Fatal(err)
			}
			approxMat(t, name+"/"+string(mode), r.GradLogProb, ref.GradLogProb, 1e-12)
		}
	}
	// GSPO and SAPO always aggregate with seq-mean-token-mean.
	cfg := DefaultVerlPolicyConfig()
	cfg.AggMode = SeqMeanTokenMean
	ref, _ := PolicyLossGPG(p, cfg)
	for _, f := range []PolicyLossFunc{PolicyLossGSPO, PolicyLossSAPO} {
		r, err := f(p, DefaultVerlPolicyConfig())
		if err != nil {
			t.Fatal(err)
		}
		approxMat(t, "gspo/sapo", r.GradLogProb, ref.GradLogProb, 1e-12)
	}
}

func TestZeroConfigAggMode(t *testing.T) {
	// An empty AggMode is token-mean.
	cfg := DefaultVerlPolicyConfig()
	r1, _ := PolicyLossVanilla(vanillaBatch(), cfg)
	cfg.AggMode = ""
	r2, err := PolicyLossVanilla(vanillaBatch(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	approx(t, "loss", r2.Loss, r1.Loss, 0)
}

func TestRegistry(t *testing.T) {
	names := PolicyLossNames()
	want := []string{"cispo", "clip_cov", "geo_mean", "gpg", "gspo", "kl_cov", "sapo", "vanilla"}
	if len(names) != len(want) {
		t.Fatalf("names %v", names)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("names %v, want %v", names, want)
		}
	}
	_, err := GetPolicyLoss("bypass_mode")
	wantErr(t, err, "unsupported loss mode")
}

func TestPolicyValidation(t *testing.T) {
	b := vanillaBatch()
	b.ResponseMask[0][1] = -1
	_, err := PolicyLossCISPO(b, DefaultVerlPolicyConfig())
	wantErr(t, err, "response_mask row 0 column 1")
	b = vanillaBatch()
	b.OldLogProb = nil
	_, err = PolicyLossSAPO(b, DefaultVerlPolicyConfig())
	wantErr(t, err, "old_log_prob is missing")
	cfg := DefaultVerlPolicyConfig()
	cfg.ClipRatioLow = -0.1
	_, err = PolicyLossGeoMean(vanillaBatch(), cfg)
	wantErr(t, err, "clip_ratio_low")
	cfg = DefaultVerlPolicyConfig()
	cfg.Global.DPSize = -1
	_, err = PolicyLossGPG(vanillaBatch(), cfg)
	wantErr(t, err, "dp_size")
}
