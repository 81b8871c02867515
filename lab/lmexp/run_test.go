package lmexp

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/credo-rl/credo/lab/textenv"
)

// TestExactTruthMatchesMonteCarlo: the closed-form per-token values of the
// strict canonical chain agree with plain Monte Carlo estimates from the
// same prefixes (an independent computation) within 4 standard errors.
func TestExactTruthMatchesMonteCarlo(t *testing.T) {
	ts, err := textenv.Pool("arithchain", 1, textenv.Config{}, 5)
	if err != nil {
		t.Fatal(err)
	}
	cfg := QuickConfig()
	p, err := NewPolicy(cfg.Model, ts, 5)
	if err != nil {
		t.Fatal(err)
	}
	// a partly trained policy: success strictly between 0 and 1
	if _, err := p.Supervise(ts, 60, 4, 2e-2, rand.New(rand.NewPCG(1, 1))); err != nil {
		t.Fatal(err)
	}
	cs, err := p.Group(ts, 0, 2, rand.New(rand.NewPCG(2, 2)))
	if err != nil {
		t.Fatal(err)
	}
	ex, err := p.ExactTruth(ts[0], cs)
	if err != nil {
		t.Fatal(err)
	}
	mc, err := p.MCTruth(ts, cs, 150, rand.New(rand.NewPCG(3, 3)))
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for i := range cs {
		if ex[i].V[0] <= 0.02 || ex[i].V[0] >= 0.98 {
			t.Logf("completion %d: V0 = %v (uninformative)", i, ex[i].V[0])
		}
		for j := range ex[i].V[:len(cs[i].Tokens)] {
			d := math.Abs(ex[i].V[j] - mc[i].V[j])
			se := math.Sqrt(math.Max(ex[i].V[j]*(1-ex[i].V[j]), 1e-4) / 150)
			if d > 4*se+1e-9 {
				t.Errorf("completion %d prefix %d: exact V %.4f, MC %.4f (se %.4f)", i, j, ex[i].V[j], mc[i].V[j], se)
			}
			checked++
		}
		if got, want := ex[i].V[len(cs[i].Tokens)], cs[i].Out.Reward; got != want {
			t.Errorf("completion %d: terminal value %v, reward %v", i, got, want)
		}
	}
	if checked == 0 {
		t.Fatal("nothing checked")
	}
}

// TestQuickRun: the quick pipeline scores every variant on ArithChain.
func TestQuickRun(t *testing.T) {
	r, err := Run(context.Background(), "arithchain", 1, QuickConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d params, sft nll %.3f, reward %.3f → %.3f, |A| %.4f, %.1fs", r.Params, r.SFTNLL, r.RewardSFT, r.RewardRL, r.TruthMeanAbs, r.Seconds)
	if !r.TruthExact || r.TruthTokens == 0 || r.TruthMeanAbs == 0 {
		t.Fatalf("truth: exact %v, %d tokens, mean |A| %v", r.TruthExact, r.TruthTokens, r.TruthMeanAbs)
	}
	for _, s := range r.Scores {
		t.Logf("%-20s %-6s pearson %.3f sign %.3f n=%d %s", s.Label, s.Status, s.Metrics.Pearson, s.Metrics.Sign, s.Metrics.N, s.Reason)
		switch { // pure is PURE-VR on arithchain (no PRM)
		case s.Status != "ok":
			t.Errorf("%s: %s %s", s.Label, s.Status, s.Reason)
		case s.Metrics.N == 0 || math.IsNaN(s.Metrics.Sign):
			t.Errorf("%s: %d tokens, sign agreement %v", s.Label, s.Metrics.N, s.Metrics.Sign)
		case s.Label == "gae λ=0 (oracle V)" && s.Metrics.Pearson < 0.999999:
			// TD errors of the exact values are the exact advantages
			t.Errorf("GAE(λ=0) on the exact values: Pearson %v with A^π, want 1", s.Metrics.Pearson)
		}
	}
}

// TestTrainAllVariants: every trainable variant runs RL through the engine
// (two iterations at the quick size) without error.
func TestTrainAllVariants(t *testing.T) {
	cfg := QuickConfig()
	cfg.TrainAll, cfg.RLIters, cfg.ScorePrompts, cfg.CriticPrompts, cfg.SFTSteps = true, 2, 1, 1, 30
	r, err := Run(context.Background(), "arithchain", 2, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Trained) == 0 {
		t.Fatal("no trained variants")
	}
	for _, tr := range r.Trained {
		t.Logf("%-20s %-5s %v → %.3f %s", tr.Label, tr.Status, tr.Curve, tr.Final, tr.Reason)
		if tr.Status != "ok" || len(tr.Curve) != 2 || math.IsNaN(tr.Final) {
			t.Errorf("%s: %s %s", tr.Label, tr.Status, tr.Reason)
		}
	}
}

// TestTrainWithRLSet: Config.RLSet replaces the parameters of RLMethod. A
// reward stage (tlts) has no gamma, so it trains only with its own
// settings; an unknown parameter in RLSet is refused.
func TestTrainWithRLSet(t *testing.T) {
	cfg := QuickConfig()
	cfg.RLIters, cfg.SFTSteps = 2, 30
	cfg.RLMethod = "tlts"
	cfg.RLSet = map[string]any{"format": "", "budget_start": 64.0, "budget_min": 32.0}
	_, r, err := Train(context.Background(), "arithchain-prm", 1, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.RLCurve) != 2 {
		t.Fatalf("curve %v, want 2 iterations", r.RLCurve)
	}
	cfg.RLSet = map[string]any{"gamma": 1.0}
	if _, _, err := Train(context.Background(), "arithchain-prm", 1, cfg); err == nil {
		t.Fatal("tlts accepted gamma from RLSet")
	}
}

// TestTrainOnlyReusesGRPO: TrainOnly restricts the trained variants, and
// the main RL run taken from the trained grpo copy is the run Train does
// on its own (same warm start, variant and random stream).
func TestTrainOnlyReusesGRPO(t *testing.T) {
	cfg := QuickConfig()
	cfg.TrainAll, cfg.TrainOnly = true, []string{"grpo", "hicra"}
	cfg.RLIters, cfg.ScorePrompts, cfg.CriticPrompts, cfg.SFTSteps = 2, 1, 1, 30
	r, err := Run(context.Background(), "countdown", 3, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Trained) != 2 || r.Trained[0].Label != "grpo" || r.Trained[1].Label != "hicra" {
		t.Fatalf("trained %+v, want grpo and hicra", r.Trained)
	}
	_, alone, err := Train(context.Background(), "countdown", 3, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(alone.RLCurve) != 2 || len(r.RLCurve) != 2 {
		t.Fatalf("curves %v and %v", r.RLCurve, alone.RLCurve)
	}
	for i := range alone.RLCurve {
		if r.RLCurve[i] != alone.RLCurve[i] {
			t.Fatalf("reused curve %v, trained alone %v", r.RLCurve, alone.RLCurve)
		}
	}
	if r.RewardRL != alone.RewardRL {
		t.Fatalf("reused final reward %v, trained alone %v", r.RewardRL, alone.RewardRL)
	}
}

// TestSuperviseUntilStops: the stopping rule is asked after every
// every-th step and after the last, and the warm start ends when it says so.
func TestSuperviseUntilStops(t *testing.T) {
	ts, err := textenv.Pool("arithchain", 1, textenv.Config{}, 2)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPolicy(QuickConfig().Model, ts, 2)
	if err != nil {
		t.Fatal(err)
	}
	var asked []int
	_, steps, err := p.SuperviseUntil(ts, 25, 2, 2e-2, rand.New(rand.NewPCG(1, 1)), 10, func(done int) (bool, error) {
		asked = append(asked, done)
		return done >= 20, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if steps != 20 || len(asked) != 2 || asked[0] != 10 || asked[1] != 20 {
		t.Errorf("stopped after %d steps, asked at %v (want 20 steps, asked at [10 20])", steps, asked)
	}
	asked = nil
	if _, steps, err = p.SuperviseUntil(ts, 25, 2, 2e-2, rand.New(rand.NewPCG(1, 1)), 10, func(done int) (bool, error) {
		asked = append(asked, done)
		return false, nil
	}); err != nil {
		t.Fatal(err)
	}
	if steps != 25 || len(asked) != 3 || asked[2] != 25 {
		t.Errorf("ran %d steps, asked at %v (want 25 steps, asked at [10 20 25])", steps, asked)
	}
}

// TestWarmStartTarget: with SFTTarget the warm start ends at a check whose
// calibration batch solves at least the target share, or at the step cap.
func TestWarmStartTarget(t *testing.T) {
	ts, err := textenv.Pool("arithchain", 2, textenv.Config{}, 3)
	if err != nil {
		t.Fatal(err)
	}
	cfg := QuickConfig()
	cfg.SFTSteps, cfg.SFTCheck, cfg.SFTCheckN, cfg.SFTTarget = 300, 20, 4, 0.5
	p, err := NewPolicy(cfg.Model, ts, 3)
	if err != nil {
		t.Fatal(err)
	}
	res := &Result{}
	if err := p.warmStart(ts, cfg, 3, res); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d steps, calibration solved %.2f", res.SFTSteps, res.SFTCheckSolved)
	if res.SFTSteps%20 != 0 && res.SFTSteps != 300 {
		t.Errorf("stopped after %d steps, not at a check", res.SFTSteps)
	}
	if res.SFTSteps < 300 && !(res.SFTCheckSolved >= 0.5) {
		t.Errorf("stopped after %d steps at a solved share %v below the target", res.SFTSteps, res.SFTCheckSolved)
	}
	if res.SFTSteps == 300 {
		t.Errorf("never reached a solved share of 0.5 in 300 steps (last %v): the test's task is too hard for its model", res.SFTCheckSolved)
	}
}

func TestSolvedShare(t *testing.T) {
	cs := []*Completion{{Parent: -1}, {Parent: -1}, {Parent: -1}, {Parent: 0, At: 3}, {Parent: 0, Probe: true}}
	cs[0].Out.Reward, cs[1].Out.Reward, cs[2].Out.Reward, cs[3].Out.Reward, cs[4].Out.Reward = 1, 0.1, 0, 1, 1
	// 2 of the 4 sampled completions (the probe does not count) have reward 1
	if got := solvedShare(cs); got != 0.5 {
		t.Errorf("solved share %v, want 0.5", got)
	}
	if got := solvedShare(nil); !math.IsNaN(got) {
		t.Errorf("empty batch: %v, want NaN", got)
	}
}

// TestPrefillFollowsModel: after p.M is replaced by another model (Run
// swaps in the trained GRPO copy), sampling uses the new model's prompt
// prefill, not one cached from the old model: the behaviour log-probs of
// the sampled completions equal the new model's own scores.
func TestPrefillFollowsModel(t *testing.T) {
	ts, err := textenv.Pool("arithchain", 1, textenv.Config{}, 4)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPolicy(QuickConfig().Model, ts, 4)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Group(ts, 0, 1, rand.New(rand.NewPCG(1, 1))); err != nil { // fills the prefill
		t.Fatal(err)
	}
	other := p.M.Clone()
	for i := range other.Params() {
		other.Params()[i] *= 1.5
	}
	p.M = other
	cs, err := p.Group(ts, 0, 2, rand.New(rand.NewPCG(2, 2)))
	if err != nil {
		t.Fatal(err)
	}
	pr, err := p.Prompt(ts[0])
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cs {
		st, err := other.Score(append(append([]int{}, pr...), c.Tokens...), len(pr))
		if err != nil {
			t.Fatal(err)
		}
		for j, lp := range st.LogProb {
			if math.Abs(lp-c.LogP[j]) > 1e-9 {
				t.Fatalf("completion %d token %d: sampled with log-prob %v, the current model gives %v", i, j, c.LogP[j], lp)
			}
		}
	}
}
