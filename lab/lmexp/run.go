package lmexp

import (
	"context"
	"fmt"
	_ "github.com/credo-rl/credo/method/all" // every registered credit method
	"hash/fnv"
	"math"
	"math/rand/v2"
	"time"

	"github.com/credo-rl/credo/lab/lm"
	"github.com/credo-rl/credo/lab/policy"
	"github.com/credo-rl/credo/lab/sample"
	"github.com/credo-rl/credo/lab/score"
	"github.com/credo-rl/credo/lab/textenv"
	"github.com/credo-rl/credo/lab/train"
	"github.com/credo-rl/credo/loss"
	"github.com/credo-rl/credo/method/tree"
	"github.com/credo-rl/credo/rollout"
)

// Config sizes one run (one environment, one seed).
type Config struct {
	Model lm.Config // Vocab and MaxT are set from the tasks
	Text  textenv.Config
	Pool  int // tasks (prompts)

	SFTSteps, SFTBatch int
	SFTLR              float64
	// SFTStepsArith, when set, replaces SFTSteps on arithchain and
	// arithchain-prm (the chains' products are memorised digit by digit,
	// and ArithChain-PRM has three demonstrations per prompt).
	SFTStepsArith int

	// SFTTarget, when > 0, ends the warm start at the first check (every
	// SFTCheck steps, at most sftSteps) where the share of solved
	// completions (reward 1) in a calibration batch of SFTCheckN samples
	// per prompt reaches SFTTarget: every seed starts RL from a policy that
	// solves about that share, neither at the ceiling nor at the floor,
	// however fast its model memorises the demonstrations.
	SFTTarget           float64
	SFTCheck, SFTCheckN int

	RLMethod string // any registered credit method (default verl.grpo)
	// RLSet, when set, holds RLMethod's parameters (otherwise the
	// variant's, or gamma=1 for a method that is not a variant).
	RLSet          map[string]any
	RLIters        int
	RLPrompts, RLN int
	RLLR           float64

	// TrainAll also trains a copy of the warm-started model with every
	// trainable variant (Result.Trained: the trained-return comparison).
	TrainAll bool
	// TrainOnly, when set, restricts TrainAll to these variant labels.
	TrainOnly []string

	ScorePrompts, ScoreN int // scored batch: prompts × group size
	// MC, MCMin and MCEps size the Monte Carlo truth (PathTruth,
	// TruthOptions: Samples, MinSamples, Eps) where it is not exact.
	MC, MCMin     int
	MCEps         float64
	CriticPrompts int // warm-up batch of the learned value head (× ScoreN)
}

// QuickConfig is sized for the quick lab (a few seconds per environment):
// a fixed number of warm-start steps (length_budget and lab serve use it;
// lm_tokens uses TokensQuickConfig).
func QuickConfig() Config {
	return Config{Model: lm.Config{D: 16, Heads: 2, Layers: 2}, Pool: 2,
		SFTSteps: 100, SFTBatch: 4, SFTLR: 2e-2,
		RLIters: 3, RLPrompts: 4, RLN: 4, RLLR: 1e-3,
		ScorePrompts: 4, ScoreN: 6, MC: 16, MCMin: 4, MCEps: 0.005, CriticPrompts: 4}
}

// TokensQuickConfig is lm_tokens's quick mode: QuickConfig with the warm
// start's stopping rule (checks every 25 steps, 2 samples per prompt).
func TokensQuickConfig() Config {
	c := QuickConfig()
	c.SFTTarget, c.SFTCheck, c.SFTCheckN = 0.5, 25, 2
	return c
}

func (c Config) sftSteps(env string) int {
	if (env == "arithchain" || env == "arithchain-prm") && c.SFTStepsArith > 0 {
		return c.SFTStepsArith
	}
	return c.SFTSteps
}

// FullConfig is the D = 16 model with more prompts and scored completions
// than quick mode, a fixed warm start (120 steps, 300 on the ArithChains)
// and RL training of the six methods (length_budget and lab serve
// --full start from it; lm_tokens uses TokensFullConfig).
func FullConfig() Config {
	return Config{Model: lm.Config{D: 16, Heads: 2, Layers: 2}, Pool: 4,
		SFTSteps: 120, SFTStepsArith: 300, SFTBatch: 4, SFTLR: 2e-2,
		RLIters: 6, RLPrompts: 2, RLN: 6, RLLR: 5e-4,
		ScorePrompts: 4, ScoreN: 6, MC: 32, MCMin: 3, MCEps: 0.005, CriticPrompts: 4,
		TrainAll: true, TrainOnly: []string{"grpo", "spo.chain", "treerl", "hicra", "pure", "gae (learned V)"}}
}

// TokensFullConfig is lm_tokens's full mode: FullConfig with a D = 80,
// 3-layer, 4-head model (0.25–0.26 M parameters with the tasks'
// contexts), chains of up to 3 steps, and a warm start that stops once
// half the calibration samples are solved (checks every 20 steps, 4
// samples per prompt; at most 800 steps).
//
// Learning rates (credo's choices, probed on seeds 1–3, docs/lab-lm.md):
// SFT 3e-3: at 6e-3 the D = 80 model did not reach the target on
// ArithChain-PRM within 1200 steps on seeds 2 and 3 (solved share 0.12 and
// 0), at 3e-3 it did within 340 steps on seed 2. RL 1.5e-4: at 5e-4
// (FullConfig's, tuned at D = 16) six iterations collapsed the D = 48
// model on KBHop (seeds 1–3: solved share on the first two prompts
// 0.67/0.25/0.75 → 0.08/0.08/0.00; at 2e-4: → 0.42/0.17/0.67), and the
// wider model takes a smaller step.
func TokensFullConfig() Config {
	c := FullConfig()
	c.Model = lm.Config{D: 80, Heads: 4, Layers: 3}
	c.Text = textenv.Config{ArithSteps: 3}
	c.SFTSteps, c.SFTStepsArith, c.SFTLR = 800, 0, 3e-3
	c.RLLR = 1.5e-4
	c.SFTTarget, c.SFTCheck, c.SFTCheckN = 0.5, 20, 4
	return c
}

// MethodScore is one method's per-token credit against the truth.
type MethodScore struct {
	Label, Method  string
	Status, Reason string // "ok", "n/a", "error"
	Metrics        score.Credit
}

// Result is one run's outcome.
type Result struct {
	Env    string
	Params int
	// SFTNLL is the warm start's final mean NLL per demo token.
	SFTNLL float64
	// SFTSteps is the number of warm-start steps taken and SFTCheckSolved
	// the solved share of the last calibration batch (NaN without checks).
	SFTSteps       int
	SFTCheckSolved float64
	// ScoredSolved and ScoredTreeSolved are the solved shares (reward 1)
	// of the scored group and tree batches: the credit is scored where the
	// policy both succeeds and fails (0 or 1 is a ceiling or floor).
	ScoredSolved, ScoredTreeSolved float64
	// Reward: mean sampled reward at initialisation (after SFT) and after RL.
	RewardSFT, RewardRL float64
	// RLCurve is the mean batch reward per RL iteration.
	RLCurve []float64
	// Truth summary over the scored tokens.
	TruthExact   bool
	TruthTokens  int
	TruthMeanAbs float64 // mean |A^π|
	TruthMeanSE  float64 // mean standard error (0 when exact)
	// TruthReliability is 1 − mean(SE²)/Var(Â^π) over the scored tokens:
	// the share of the truth's variance that is not Monte Carlo noise. A
	// method's Pearson correlation with the estimated truth is its
	// correlation with the exact one times about √TruthReliability (1 when
	// exact).
	TruthReliability float64
	TruthStats       TruthStats // Monte Carlo work (zero when exact)
	Scores           []MethodScore
	// Trained: RL from the same warm start with each trainable variant.
	Trained []Trained
	Seconds float64

	grpoModel *lm.Model // the trained grpo copy (Run's main RL when it is GRPO)
}

// Trained is one variant's RL run: mean sampled reward per iteration and
// after the last update.
type Trained struct {
	Label, Method  string
	Status, Reason string
	Curve          []float64
	Final          float64
}

func stream(seed uint64, parts ...string) *rand.Rand {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}

// Variant is one scored method configuration.
type Variant struct {
	Label, Method string
	Set           map[string]any
	Tree          bool   // scored on the tree-sampled batch
	Probes        bool   // SPO-chain Monte Carlo probes at its cutpoints
	LineValues    bool   // SPO-chain with segments = lines: Monte Carlo values at every line end
	Values        string // "", "learned" or "oracle"
	PRMOnly       bool   // needs per-line PRM scores
	// NoPRMSet, when set, replaces Set on environments without a PRM
	// (PURE's verifiable-reward-only run, PURE-VR); otherwise a PRMOnly
	// variant is n/a there.
	NoPRMSet map[string]any
	// ContiguousMask hands the method a response mask without interior
	// zeros: PURE's pipeline, like its reference, rejects one, so on KBHop
	// it sees the inserted observation tokens as response tokens in its
	// baselines and normalisation. They still carry no loss and are not
	// scored.
	ContiguousMask bool
}

// forEnv is the variant as run on an environment with (prm) or without a
// PRM, or ok = false when it does not apply.
func (v Variant) forEnv(prm bool) (Variant, bool) {
	if !v.PRMOnly || prm {
		return v, true
	}
	if v.NoPRMSet == nil {
		return v, false
	}
	v.Set = v.NoPRMSet
	return v, true
}

// noPRMReason is the n/a reason of a PRMOnly variant without NoPRMSet.
const noPRMReason = "needs per-step PRM scores (arithchain-prm only)"

// Variants are the methods scored on every environment.
func Variants() []Variant {
	g1 := map[string]any{"gamma": 1.0}
	return []Variant{
		{Label: "grpo", Method: "verl.grpo"},
		{Label: "rloo", Method: "verl.rloo"},
		{Label: "spo.chain", Method: "spo.chain", Probes: true, Set: map[string]any{"cutpoint_interval": 3}},
		{Label: "spo.chain (lines)", Method: "spo.chain", LineValues: true},
		{Label: "spo.tree", Method: "spo.tree", Tree: true},
		{Label: "treerl", Method: "treerl.group_trie", Tree: true},
		{Label: "hicra", Method: "hicra"},
		{Label: "preplan_anchor", Method: "preplan_anchor"},
		// PURE's recipe (PRM + verifiable reward) where the environment has
		// a PRM (ArithChain-PRM's judge); elsewhere PURE-VR, the paper's
		// verifiable-reward-only run, on the 0/1 verifier ("verified").
		{Label: "pure", Method: "pure.credit_assignment", PRMOnly: true,
			NoPRMSet: map[string]any{"reward_mode": "VR", "reward": "verified"}, ContiguousMask: true},
		{Label: "gae (learned V)", Method: "verl.gae", Set: g1, Values: "learned"},
		{Label: "gae (oracle V)", Method: "verl.gae", Set: g1, Values: "oracle"},
		// λ = 0 with the exact values is r + V(s') − V(s) = A^π itself: the
		// pipeline's sanity check (Pearson 1 up to the batch whitening).
		{Label: "gae λ=0 (oracle V)", Method: "verl.gae", Set: map[string]any{"gamma": 1.0, "lam": 0.0}, Values: "oracle"},
		{Label: "poad (learned V)", Method: "poad", Set: map[string]any{"gamma": 1.0}, Values: "learned"},
		{Label: "poad (oracle V)", Method: "poad", Set: map[string]any{"gamma": 1.0}, Values: "oracle"},
		{Label: "ma_rlhf (learned V)", Method: "ma_rlhf", Set: map[string]any{"termination": "parsing"}, Values: "learned"},
	}
}

// Run warm-starts a model on env's demonstrations, trains it by RL with
// cfg.RLMethod through the engine API, then scores every variant's
// per-token credit on fresh batches against the ground truth.
func Run(ctx context.Context, envName string, seed uint64, cfg Config) (*Result, error) {
	t0 := time.Now()
	tasks, err := textenv.Pool(envName, cfg.Pool, cfg.Text, seed)
	if err != nil {
		return nil, err
	}
	pol, err := NewPolicy(cfg.Model, tasks, seed)
	if err != nil {
		return nil, err
	}
	res := &Result{Env: envName, Params: pol.M.Dim()}
	if err := pol.warmStart(tasks, cfg, seed, res); err != nil {
		return nil, err
	}
	ref := pol.M.Clone()
	if cfg.TrainAll {
		if err := trainAll(ctx, tasks, ref, cfg, seed, res); err != nil {
			return nil, err
		}
	}
	if k := res.trainedGRPO(cfg); k >= 0 {
		// the main RL run is the trained grpo copy (same warm start, same
		// variant, same random stream): take its model instead of training
		// it twice
		pol.M = res.grpoModel
		pol.Invalidate()
		res.RLCurve, res.RewardRL = res.Trained[k].Curve, res.Trained[k].Final
		if len(res.RLCurve) > 0 {
			res.RewardSFT = res.RLCurve[0]
		}
	} else if err := pol.rl(ctx, tasks, cfg, seed, res); err != nil {
		return nil, err
	}
	res.grpoModel = nil
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := pol.scoreAll(tasks, ref, cfg, seed, res); err != nil {
		return nil, err
	}
	res.Seconds = time.Since(t0).Seconds()
	return res, nil
}

// warmStart runs the supervised warm start (with cfg.SFTTarget's stopping
// rule when set) and records its NLL, steps and calibration solve rate.
func (p *Policy) warmStart(ts []*textenv.Task, cfg Config, seed uint64, res *Result) error {
	env := ts[0].Env
	res.SFTCheckSolved = math.NaN()
	var stop func(int) (bool, error)
	if cfg.SFTTarget > 0 {
		crng := stream(seed, env, "sftcheck")
		all := make([]int, len(ts))
		for i := range all {
			all[i] = i
		}
		stop = func(int) (bool, error) {
			cs, err := p.sampleBatch(ts, all, cfg.SFTCheckN, false, crng)
			if err != nil {
				return false, err
			}
			res.SFTCheckSolved = solvedShare(cs)
			return res.SFTCheckSolved >= cfg.SFTTarget, nil
		}
	}
	var err error
	res.SFTNLL, res.SFTSteps, err = p.SuperviseUntil(ts, cfg.sftSteps(env), cfg.SFTBatch, cfg.SFTLR, stream(seed, env, "sft"), cfg.SFTCheck, stop)
	p.Invalidate()
	return err
}

// solvedShare is the share of completions with reward 1 (Countdown's 0.1
// format score does not count).
func solvedShare(cs []*Completion) float64 {
	n, k := 0, 0
	for _, c := range cs {
		if c.Probe {
			continue
		}
		n++
		if c.Out.Reward >= 1 {
			k++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return float64(k) / float64(n)
}

// trainAll trains a copy of the warm-started model ref with every
// trainable variant (cfg.TrainOnly: those labels only).
func trainAll(ctx context.Context, tasks []*textenv.Task, ref *lm.Model, cfg Config, seed uint64, res *Result) error {
	prm := tasks[0].Env == "arithchain-prm"
	only := map[string]bool{}
	for _, l := range cfg.TrainOnly {
		only[l] = true
	}
	for _, v := range Variants() {
		if v.Values == "oracle" || (len(only) > 0 && !only[v.Label]) {
			continue
		}
		tr := Trained{Label: v.Label, Method: v.Method, Status: "ok"}
		if v, ok := v.forEnv(prm); !ok {
			tr.Status, tr.Reason = "n/a", noPRMReason
		} else {
			cp := &Policy{M: ref.Clone()}
			var err error
			tr.Curve, tr.Final, err = cp.trainWith(ctx, tasks, cfg, seed, v, cfg.RLIters)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				tr.Status, tr.Reason = "error", err.Error()
			}
			if v.Label == "grpo" {
				res.grpoModel = cp.M
			}
		}
		res.Trained = append(res.Trained, tr)
	}
	return nil
}

// trainedGRPO is the index of the trained grpo copy when it is the main
// RL run (cfg.RLMethod GRPO with the variant's own settings), else −1.
func (r *Result) trainedGRPO(cfg Config) int {
	if r.grpoModel == nil || (cfg.RLMethod != "" && cfg.RLMethod != "verl.grpo") || cfg.RLSet != nil {
		return -1
	}
	for k, t := range r.Trained {
		if t.Label == "grpo" && t.Status == "ok" {
			return k
		}
	}
	return -1
}

// Train returns a model warm-started and RL-trained on env as Run trains
// it (without the scoring), e.g. for `credo lab serve`.
func Train(ctx context.Context, envName string, seed uint64, cfg Config) (*lm.Model, *Result, error) {
	tasks, err := textenv.Pool(envName, cfg.Pool, cfg.Text, seed)
	if err != nil {
		return nil, nil, err
	}
	pol, err := NewPolicy(cfg.Model, tasks, seed)
	if err != nil {
		return nil, nil, err
	}
	res := &Result{Env: envName, Params: pol.M.Dim()}
	if err := pol.warmStart(tasks, cfg, seed, res); err != nil {
		return nil, nil, err
	}
	if err := pol.rl(ctx, tasks, cfg, seed, res); err != nil {
		return nil, nil, err
	}
	return pol.M, res, nil
}

// rl trains with cfg.RLMethod (GRPO by default) and records the curve.
func (p *Policy) rl(ctx context.Context, ts []*textenv.Task, cfg Config, seed uint64, res *Result) error {
	name := cfg.RLMethod
	if name == "" {
		name = "verl.grpo"
	}
	v := Variant{Label: name, Method: name, Set: map[string]any{"gamma": 1.0}}
	for _, x := range Variants() {
		if x.Method == name && x.Values != "oracle" {
			v = x
			break
		}
	}
	if cfg.RLSet != nil {
		v.Set = cfg.RLSet
	}
	curve, final, err := p.trainWith(ctx, ts, cfg, seed, v, cfg.RLIters)
	if err != nil {
		return err
	}
	if len(curve) > 0 {
		res.RewardSFT = curve[0]
	}
	res.RLCurve, res.RewardRL = curve, final
	return nil
}

// sampleBatch draws n completions for each of the prompts (a rollout tree
// per prompt when tree is set); tree children's Parent indexes the batch.
func (p *Policy) sampleBatch(ts []*textenv.Task, prompts []int, n int, tree bool, rng *rand.Rand) ([]*Completion, error) {
	var out []*Completion
	for _, ti := range prompts {
		var g []*Completion
		var err error
		if tree {
			g, err = p.treeGroup(ts, ti, n, rng)
		} else {
			g, err = p.Group(ts, ti, n, rng)
		}
		if err != nil {
			return nil, err
		}
		for _, c := range g {
			if c.Parent >= 0 {
				c.Parent += len(out)
			}
		}
		out = append(out, g...)
	}
	return out, nil
}

// trainWith trains the policy by RL with variant v for iters iterations:
// each batch is sampled as the variant needs (groups or trees, SPO-chain
// probes, the learned value head refitted on the previous batch), credit
// comes from the registry (credit.Method.AssignState via train.Method) and
// the update from the engine's PPO-clip loss (loss.PolicyLossVanilla with
// verl's defaults, one on-policy epoch), chained into the transformer by
// its backward pass. It returns the mean sampled reward per iteration and
// after the last update.
func (p *Policy) trainWith(ctx context.Context, ts []*textenv.Task, cfg Config, seed uint64, v Variant, iters int) ([]float64, float64, error) {
	if v.Values == "oracle" {
		return nil, 0, fmt.Errorf("%s: the oracle critic is for scoring only", v.Label)
	}
	tm, err := train.NewMethod(v.Method, v.Set)
	if err != nil {
		return nil, 0, err
	}
	prm := ts[0].Env == "arithchain-prm"
	opt := policy.NewAdam(cfg.RLLR)
	rng := stream(seed, ts[0].Env, "rl", v.Label)
	var vh *valueHead
	var curve []float64
	prompts := func(it int) []int {
		out := make([]int, cfg.RLPrompts)
		for k := range out {
			out[k] = (it*cfg.RLPrompts + k) % len(ts)
		}
		return out
	}
	for it := 0; it < iters; it++ {
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		cs, err := p.sampleBatch(ts, prompts(it), cfg.RLN, v.Tree, rng)
		if err != nil {
			return nil, 0, err
		}
		s := &scored{cs: cs, ex: make([]*extras, len(cs))}
		if v.Method == "preplan_anchor" || v.Values == "learned" {
			// attention maps and hidden states: one forward pass each
			for i, c := range cs {
				if s.ex[i], err = p.tokenExtras(ts[c.Task], c, nil); err != nil {
					return nil, 0, err
				}
			}
		}
		if v.Values == "learned" && vh == nil {
			// first iteration: a separate warm-up batch
			if vh, err = p.fitHead(ts, prompts(it), cfg.RLN, rng); err != nil {
				return nil, 0, err
			}
		}
		mean := 0.0
		for _, c := range cs {
			mean += c.Out.Reward / float64(len(cs))
		}
		curve = append(curve, mean)
		b, err := p.assign(ts, s, v, tm, vh, prm, rng)
		if err != nil {
			return nil, 0, fmt.Errorf("%s, RL iteration %d: %w", v.Label, it, err)
		}
		pb := loss.PolicyBatch{}
		for i, t := range b.Trajectories {
			m := make([]float64, t.Len())
			if !t.Probe {
				for j := range m {
					if i < len(cs) && cs[i].Obs[j] {
						continue // the environment's tokens carry no loss (whatever mask the method saw)
					}
					m[j] = train.Weight(t, j)
				}
			}
			pb.OldLogProb = append(pb.OldLogProb, t.OldLogProbs)
			pb.LogProb = append(pb.LogProb, t.OldLogProbs) // on-policy: one epoch
			pb.Advantages = append(pb.Advantages, t.Advantages)
			pb.ResponseMask = append(pb.ResponseMask, m)
		}
		lr, err := loss.PolicyLossVanilla(pb, loss.DefaultVerlPolicyConfig())
		if err != nil {
			return nil, 0, err
		}
		g := make([]float64, p.M.Dim())
		for i, c := range cs { // probes (after cs in b) carry no loss
			pr, err := p.Prompt(ts[c.Task])
			if err != nil {
				return nil, 0, err
			}
			if _, err := p.M.AddGrad(append(append([]int{}, pr...), c.Tokens...), len(pr), lr.GradLogProb[i], g); err != nil {
				return nil, 0, err
			}
		}
		if v.Values == "learned" {
			// refit the value head on this batch (used from the next iteration)
			var feats [][]float64
			var ys []float64
			for i, c := range cs {
				for _, h := range s.ex[i].hidden {
					feats = append(feats, h)
					ys = append(ys, c.Out.Reward)
				}
			}
			if vh, err = fitValueHead(feats, ys, 1e-2); err != nil {
				return nil, 0, err
			}
		}
		opt.Step(p.M.Params(), g)
		p.Invalidate()
	}
	// the policy's reward after the last update, on a fresh batch
	cs, err := p.sampleBatch(ts, prompts(0), cfg.RLN, false, rng)
	if err != nil {
		return nil, 0, err
	}
	final := 0.0
	for _, c := range cs {
		final += c.Out.Reward / float64(len(cs))
	}
	return curve, final, nil
}

// fitHead fits the learned value head on a fresh batch of the policy.
func (p *Policy) fitHead(ts []*textenv.Task, prompts []int, n int, rng *rand.Rand) (*valueHead, error) {
	cs, err := p.sampleBatch(ts, prompts, n, false, rng)
	if err != nil {
		return nil, err
	}
	var feats [][]float64
	var ys []float64
	for _, c := range cs {
		x, err := p.tokenExtras(ts[c.Task], c, nil)
		if err != nil {
			return nil, err
		}
		for _, h := range x.hidden {
			feats = append(feats, h)
			ys = append(ys, c.Out.Reward)
		}
	}
	return fitValueHead(feats, ys, 1e-2)
}

// treeGroup samples n completions of task ti as a rollout tree: n/2 roots,
// then each root forks once at its highest-entropy token (TreeRL's EPTree
// branching rule), resampling from there.
func (p *Policy) treeGroup(ts []*textenv.Task, ti, n int, rng *rand.Rand) ([]*Completion, error) {
	roots, err := p.Group(ts, ti, max(1, n/2), rng)
	if err != nil {
		return nil, err
	}
	out := append([]*Completion{}, roots...)
	for r := 0; len(out) < n; r = (r + 1) % len(roots) {
		root := roots[r]
		pr, err := p.Prompt(ts[ti])
		if err != nil {
			return nil, err
		}
		st, err := p.M.Score(append(append([]int{}, pr...), root.Tokens...), len(pr))
		if err != nil {
			return nil, err
		}
		best := 0
		for j, h := range st.Entropy {
			if !root.Obs[j] && h > st.Entropy[best] {
				best = j
			}
		}
		c, err := p.Continue(ts, root, best, rng)
		if err != nil {
			return nil, err
		}
		c.Parent, c.At = r, best
		out = append(out, c)
	}
	return out, nil
}

type scored struct {
	cs    []*Completion
	truth []Truth
	ex    []*extras
}

func (p *Policy) truthOf(ts []*textenv.Task, cs []*Completion, cfg Config, rng *rand.Rand, st *TruthStats) ([]Truth, error) {
	if ts[0].Canonical != "" {
		out := make([]Truth, len(cs))
		for i, c := range cs {
			tr, err := p.ExactTruth(ts[c.Task], []*Completion{c})
			if err != nil {
				return nil, err
			}
			out[i] = tr[0]
		}
		return out, nil
	}
	if len(ts[0].Rewarded) > 0 {
		// one pass over the rewarded set per task
		out := make([]Truth, len(cs))
		byTask := map[int][]int{}
		var order []int
		for i, c := range cs {
			if _, ok := byTask[c.Task]; !ok {
				order = append(order, c.Task)
			}
			byTask[c.Task] = append(byTask[c.Task], i)
		}
		for _, ti := range order {
			idx := byTask[ti]
			sub := make([]*Completion, len(idx))
			for k, i := range idx {
				sub[k] = cs[i]
			}
			tr, err := p.EnumTruth(ts[ti], sub)
			if err != nil {
				return nil, err
			}
			for k, i := range idx {
				out[i] = tr[k]
			}
		}
		return out, nil
	}
	tr, s, err := p.PathTruth(ts, cs, TruthOptions{Samples: cfg.MC, MinSamples: cfg.MCMin, Eps: cfg.MCEps}, rng)
	st.Positions += s.Positions
	st.Sampled += s.Sampled
	st.Rollouts += s.Rollouts
	return tr, err
}

func (p *Policy) prepare(ts []*textenv.Task, cs []*Completion, ref *lm.Model, cfg Config, rng *rand.Rand, st *TruthStats) (*scored, error) {
	s := &scored{cs: cs}
	var err error
	if s.truth, err = p.truthOf(ts, cs, cfg, rng, st); err != nil {
		return nil, err
	}
	for _, c := range cs {
		x, err := p.tokenExtras(ts[c.Task], c, ref)
		if err != nil {
			return nil, err
		}
		s.ex = append(s.ex, x)
	}
	return s, nil
}

func (p *Policy) scoreAll(ts []*textenv.Task, ref *lm.Model, cfg Config, seed uint64, res *Result) error {
	env := ts[0].Env
	rng := stream(seed, env, "score")
	pr := make([]int, cfg.ScorePrompts)
	for k := range pr {
		pr[k] = k % len(ts)
	}
	group, err := p.sampleBatch(ts, pr, cfg.ScoreN, false, rng)
	if err != nil {
		return err
	}
	trees, err := p.sampleBatch(ts, pr, cfg.ScoreN, true, rng)
	if err != nil {
		return err
	}
	res.ScoredSolved, res.ScoredTreeSolved = solvedShare(group), solvedShare(trees)
	trng := stream(seed, env, "truth")
	gs, err := p.prepare(ts, group, ref, cfg, trng, &res.TruthStats)
	if err != nil {
		return err
	}
	tsc, err := p.prepare(ts, trees, ref, cfg, trng, &res.TruthStats)
	if err != nil {
		return err
	}
	res.TruthExact = ts[0].Canonical != "" || len(ts[0].Rewarded) > 0
	var a, a2, se2 float64
	for i, tr := range gs.truth {
		for j := range tr.A {
			if gs.cs[i].Obs[j] {
				continue
			}
			res.TruthTokens++
			res.TruthMeanAbs += math.Abs(tr.A[j])
			res.TruthMeanSE += tr.SE[j]
			a += tr.A[j]
			a2 += tr.A[j] * tr.A[j]
			se2 += tr.SE[j] * tr.SE[j]
		}
	}
	if n := float64(res.TruthTokens); n > 0 {
		res.TruthMeanAbs /= n
		res.TruthMeanSE /= n
		res.TruthReliability = 1
		if va := a2/n - (a/n)*(a/n); va > 0 {
			res.TruthReliability = 1 - se2/n/va
		}
	}
	// learned value head: a warm-up batch of the same policy
	cpr := make([]int, cfg.CriticPrompts)
	for k := range cpr {
		cpr[k] = k % len(ts)
	}
	vh, err := p.fitHead(ts, cpr, cfg.ScoreN, stream(seed, env, "critic"))
	if err != nil {
		return err
	}
	prm := env == "arithchain-prm"
	for _, v := range Variants() {
		ms := MethodScore{Label: v.Label, Method: v.Method, Status: "ok"}
		v, ok := v.forEnv(prm)
		if !ok {
			ms.Status, ms.Reason = "n/a", noPRMReason
			res.Scores = append(res.Scores, ms)
			continue
		}
		src := gs
		if v.Tree {
			src = tsc
		}
		m, err := ms.run(p, ts, src, v, vh, prm, stream(seed, env, "probes", v.Label))
		if err != nil {
			ms.Status, ms.Reason = "error", err.Error()
		} else {
			ms.Metrics = m
		}
		res.Scores = append(res.Scores, ms)
	}
	return nil
}

// run builds the variant's batch, assigns credit through the registry and
// scores the non-probe tokens against the truth.
func (ms *MethodScore) run(p *Policy, ts []*textenv.Task, s *scored, v Variant, vh *valueHead, prm bool, rng *rand.Rand) (score.Credit, error) {
	b, err := p.assign(ts, s, v, nil, vh, prm, rng)
	if err != nil {
		return score.Credit{}, err
	}
	var est, tru []float64
	var cells []string
	for i, c := range s.cs {
		t := b.Trajectories[i]
		for j := range c.Tokens {
			if c.Obs[j] {
				continue // environment tokens: no decision to credit
			}
			est = append(est, t.Advantages[j])
			tru = append(tru, s.truth[i].A[j])
			cells = append(cells, prefixKey(c.Task, c.Tokens[:j+1]))
		}
	}
	return score.CreditMetrics(est, tru, cells, 1e-9), nil
}

// assign builds the variant's batch (trajectories in the order of s.cs,
// then any SPO-chain probes) and assigns credit through the registry.
func (p *Policy) assign(ts []*textenv.Task, s *scored, v Variant, tm *train.Method, vh *valueHead, prm bool, rng *rand.Rand) (*rollout.Batch, error) {
	b := &rollout.Batch{}
	ids := make([]string, len(s.cs))
	for i, c := range s.cs {
		var vals []float64
		switch v.Values {
		case "learned":
			vals = make([]float64, len(c.Tokens))
			for j, h := range s.ex[i].hidden {
				vals[j] = vh.predict(h)
			}
		case "oracle":
			vals = append([]float64(nil), s.truth[i].V[:len(c.Tokens)]...)
		}
		ids[i] = "t" + itoa(i)
		tr := trajectory(ids[i], ts[c.Task], c, s.ex[i], vals, prm)
		if v.ContiguousMask {
			tr.Mask = nil
		}
		b.Trajectories = append(b.Trajectories, tr)
	}
	// tree links: the child shares its root's first At tokens
	for i, c := range s.cs {
		if c.Parent >= 0 {
			b.Trajectories[i].Parent = &rollout.Branch{Trajectory: ids[c.Parent], Token: c.At}
		}
	}
	if v.LineValues {
		// V̂ after every line (steps[].values.mc) and of the prompt
		// (features.mc_init), each the mean reward of lineSamples
		// continuations; the last line's value is the completion's reward.
		const lineSamples = 4
		mean := func(c *Completion, k int) (float64, error) {
			cache, lp, err := p.prompted(ts, c.Task)
			if err != nil {
				return 0, err
			}
			for _, tk := range c.Tokens[:k] {
				if lp, err = cache.Step(tk); err != nil {
					return 0, err
				}
			}
			rs, err := p.rollN(ts[c.Task], cache, lp, c.Tokens[:k], -1, lineSamples, rng)
			if err != nil {
				return 0, err
			}
			m := 0.0
			for _, r := range rs {
				m += r / float64(len(rs))
			}
			return m, nil
		}
		init := map[int]float64{}
		for i, c := range s.cs {
			t := b.Trajectories[i]
			v0, ok := init[c.Task]
			if !ok {
				var err error
				if v0, err = mean(c, 0); err != nil {
					return nil, err
				}
				init[c.Task] = v0
			}
			t.Features["mc_init"] = v0
			for k := range t.Steps {
				st := &t.Steps[k]
				val := c.Out.Reward
				if st.End < len(c.Tokens) {
					var err error
					if val, err = mean(c, st.End); err != nil {
						return nil, err
					}
				}
				st.Values = map[string]float64{"mc": val}
			}
		}
	}
	if v.Probes {
		opt := tree.DefaultChainPlanOptions()
		opt.Samples = 4
		if iv, ok := v.Set["cutpoint_interval"].(int); ok {
			opt.Interval = iv
		}
		reqs, err := tree.PlanChainProbes(b, "mc", opt)
		if err != nil {
			return nil, err
		}
		for _, rq := range reqs {
			c := s.cs[rq.Row]
			pcs, err := p.ContinueN(ts, c, rq.Prefix, rq.Samples, rng)
			if err != nil {
				return nil, err
			}
			for k, pc := range pcs {
				pc.Probe = true
				tr := trajectory(fmt.Sprintf("probe%d.%d", len(b.Trajectories), k), ts[c.Task], pc, nil, nil, prm)
				tr.Parent = &rollout.Branch{Trajectory: rq.Trajectory, Token: rq.Prefix}
				b.Trajectories = append(b.Trajectories, tr)
			}
		}
	}
	if tm == nil {
		var err error
		if tm, err = train.NewMethod(v.Method, v.Set); err != nil {
			return nil, err
		}
	}
	if err := tm.Assign(&sample.Built{Batch: b}); err != nil {
		return nil, err
	}
	return b, nil
}
