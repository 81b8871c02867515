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

	RLMethod       string // any registered credit method (default verl.grpo)
	RLIters        int
	RLPrompts, RLN int
	RLLR           float64

	ScorePrompts, ScoreN int // scored batch: prompts × group size
	MC                   int // continuations per prefix (Monte Carlo truth)
	CriticPrompts        int // warm-up batch of the learned value head (× ScoreN)
}

// QuickConfig is sized for the quick lab (a few seconds per environment).
func QuickConfig() Config {
	return Config{Model: lm.Config{D: 16, Heads: 2, Layers: 2}, Pool: 2,
		SFTSteps: 100, SFTBatch: 4, SFTLR: 2e-2,
		RLIters: 3, RLPrompts: 4, RLN: 4, RLLR: 1e-3,
		ScorePrompts: 4, ScoreN: 6, MC: 6, CriticPrompts: 4}
}

// FullConfig is the full lab's size (a few hundred thousand parameters).
func FullConfig() Config {
	return Config{Model: lm.Config{D: 96, Heads: 4, Layers: 3}, Pool: 16,
		SFTSteps: 400, SFTBatch: 8, SFTLR: 3e-3,
		RLIters: 30, RLPrompts: 8, RLN: 8, RLLR: 3e-4,
		ScorePrompts: 8, ScoreN: 8, MC: 32, CriticPrompts: 16}
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
	// Reward: mean sampled reward at initialisation (after SFT) and after RL.
	RewardSFT, RewardRL float64
	// RLCurve is the mean batch reward per RL iteration.
	RLCurve []float64
	// Truth summary over the scored tokens.
	TruthExact   bool
	TruthTokens  int
	TruthMeanAbs float64 // mean |A^π|
	TruthMeanSE  float64 // mean standard error (0 when exact)
	Scores       []MethodScore
	Seconds      float64
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
	Probes        bool   // SPO-chain Monte Carlo probes
	Values        string // "", "learned" or "oracle"
	PRMOnly       bool   // needs per-line PRM scores
}

// Variants are the methods scored on every environment.
func Variants() []Variant {
	g1 := map[string]any{"gamma": 1.0}
	return []Variant{
		{Label: "grpo", Method: "verl.grpo"},
		{Label: "rloo", Method: "verl.rloo"},
		{Label: "spo.chain", Method: "spo.chain", Probes: true, Set: map[string]any{"cutpoint_interval": 3}},
		{Label: "spo.tree", Method: "spo.tree", Tree: true},
		{Label: "treerl", Method: "treerl.group_trie", Tree: true},
		{Label: "hicra", Method: "hicra"},
		{Label: "preplan_anchor", Method: "preplan_anchor"},
		{Label: "pure", Method: "pure.credit_assignment", PRMOnly: true},
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
	if res.SFTNLL, err = pol.Supervise(tasks, cfg.SFTSteps, cfg.SFTBatch, cfg.SFTLR, stream(seed, envName, "sft")); err != nil {
		return nil, err
	}
	ref := pol.M.Clone()
	if err := pol.rl(ctx, tasks, cfg, seed, res); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := pol.scoreAll(tasks, ref, cfg, seed, res); err != nil {
		return nil, err
	}
	res.Seconds = time.Since(t0).Seconds()
	return res, nil
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
	if res.SFTNLL, err = pol.Supervise(tasks, cfg.SFTSteps, cfg.SFTBatch, cfg.SFTLR, stream(seed, envName, "sft")); err != nil {
		return nil, nil, err
	}
	if err := pol.rl(ctx, tasks, cfg, seed, res); err != nil {
		return nil, nil, err
	}
	return pol.M, res, nil
}

// rl trains with the registered method through credit.Method.AssignState
// (train.Method.Assign) and the engine's PPO-clip loss
// (loss.PolicyLossVanilla, verl defaults, one on-policy epoch), chaining
// ∂loss/∂log π into the transformer by its backward pass.
func (p *Policy) rl(ctx context.Context, ts []*textenv.Task, cfg Config, seed uint64, res *Result) error {
	name := cfg.RLMethod
	if name == "" {
		name = "verl.grpo"
	}
	tm, err := train.NewMethod(name, map[string]any{"gamma": 1.0})
	if err != nil {
		return err
	}
	opt := policy.NewAdam(cfg.RLLR)
	rng := stream(seed, ts[0].Env, "rl", name)
	for it := 0; it < cfg.RLIters; it++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		var cs []*Completion
		for k := 0; k < cfg.RLPrompts; k++ {
			g, err := p.Group(ts, (it*cfg.RLPrompts+k)%len(ts), cfg.RLN, rng)
			if err != nil {
				return err
			}
			cs = append(cs, g...)
		}
		b := &rollout.Batch{}
		mean := 0.0
		for i, c := range cs {
			b.Trajectories = append(b.Trajectories, trajectory("t"+itoa(i), ts[c.Task], c, nil, nil, false))
			mean += c.Out.Reward / float64(len(cs))
		}
		if it == 0 {
			res.RewardSFT = mean
		}
		res.RLCurve = append(res.RLCurve, mean)
		if err := tm.Assign(&sample.Built{Batch: b}); err != nil {
			return fmt.Errorf("RL iteration %d: %w", it, err)
		}
		pb := loss.PolicyBatch{}
		for _, t := range b.Trajectories {
			m := make([]float64, t.Len())
			for j := range m {
				m[j] = train.Weight(t, j)
			}
			pb.OldLogProb = append(pb.OldLogProb, t.OldLogProbs)
			pb.LogProb = append(pb.LogProb, t.OldLogProbs) // on-policy: one epoch
			pb.Advantages = append(pb.Advantages, t.Advantages)
			pb.ResponseMask = append(pb.ResponseMask, m)
		}
		lr, err := loss.PolicyLossVanilla(pb, loss.DefaultVerlPolicyConfig())
		if err != nil {
			return err
		}
		g := make([]float64, p.M.Dim())
		for i, c := range cs {
			pr, err := p.Prompt(ts[c.Task])
			if err != nil {
				return err
			}
			if _, err := p.M.AddGrad(append(append([]int{}, pr...), c.Tokens...), len(pr), lr.GradLogProb[i], g); err != nil {
				return err
			}
		}
		opt.Step(p.M.Params(), g)
		p.Invalidate()
	}
	// the policy's reward after the last update
	var cs []*Completion
	for k := 0; k < cfg.RLPrompts; k++ {
		g, err := p.Group(ts, k%len(ts), cfg.RLN, rng)
		if err != nil {
			return err
		}
		cs = append(cs, g...)
	}
	for _, c := range cs {
		res.RewardRL += c.Out.Reward / float64(len(cs))
	}
	return nil
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
			if h > st.Entropy[best] {
				best = j
			}
		}
		c, err := p.Continue(ts, ti, root.Tokens[:best], rng)
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

func (p *Policy) truthOf(ts []*textenv.Task, cs []*Completion, cfg Config, rng *rand.Rand) ([]Truth, error) {
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
	return p.MCTruth(ts, cs, cfg.MC, rng)
}

func (p *Policy) prepare(ts []*textenv.Task, cs []*Completion, ref *lm.Model, cfg Config, rng *rand.Rand) (*scored, error) {
	s := &scored{cs: cs}
	var err error
	if s.truth, err = p.truthOf(ts, cs, cfg, rng); err != nil {
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
	var group, trees []*Completion
	for k := 0; k < cfg.ScorePrompts; k++ {
		g, err := p.Group(ts, k%len(ts), cfg.ScoreN, rng)
		if err != nil {
			return err
		}
		group = append(group, g...)
		tg, err := p.treeGroup(ts, k%len(ts), cfg.ScoreN, rng)
		if err != nil {
			return err
		}
		for _, c := range tg {
			if c.Parent >= 0 {
				c.Parent += len(trees) // index in the scored batch
			}
		}
		trees = append(trees, tg...)
	}
	trng := stream(seed, env, "truth")
	gs, err := p.prepare(ts, group, ref, cfg, trng)
	if err != nil {
		return err
	}
	tsc, err := p.prepare(ts, trees, ref, cfg, trng)
	if err != nil {
		return err
	}
	res.TruthExact = ts[0].Canonical != ""
	for _, tr := range gs.truth {
		for j := range tr.A {
			res.TruthTokens++
			res.TruthMeanAbs += math.Abs(tr.A[j])
			res.TruthMeanSE += tr.SE[j]
		}
	}
	if res.TruthTokens > 0 {
		res.TruthMeanAbs /= float64(res.TruthTokens)
		res.TruthMeanSE /= float64(res.TruthTokens)
	}
	// learned value head: a warm-up batch of the same policy
	var feats [][]float64
	var ys []float64
	for k := 0; k < cfg.CriticPrompts; k++ {
		g, err := p.Group(ts, k%len(ts), cfg.ScoreN, stream(seed, env, "critic"))
		if err != nil {
			return err
		}
		for _, c := range g {
			x, err := p.tokenExtras(ts[c.Task], c, nil)
			if err != nil {
				return err
			}
			for _, h := range x.hidden {
				feats = append(feats, h)
				ys = append(ys, c.Out.Reward)
			}
		}
	}
	vh, err := fitValueHead(feats, ys, 1e-2)
	if err != nil {
		return err
	}
	prm := env == "arithchain-prm"
	for _, v := range Variants() {
		ms := MethodScore{Label: v.Label, Method: v.Method, Status: "ok"}
		if v.PRMOnly && !prm {
			ms.Status, ms.Reason = "n/a", "needs per-step PRM scores (arithchain-prm only)"
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
		b.Trajectories = append(b.Trajectories, trajectory(ids[i], ts[c.Task], c, s.ex[i], vals, prm))
	}
	// tree links: the child shares its root's first At tokens
	for i, c := range s.cs {
		if c.Parent >= 0 {
			b.Trajectories[i].Parent = &rollout.Branch{Trajectory: ids[c.Parent], Token: c.At}
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
			return score.Credit{}, err
		}
		for _, rq := range reqs {
			c := s.cs[rq.Row]
			pcs, err := p.ContinueN(ts, c.Task, c.Tokens[:rq.Prefix], rq.Samples, rng)
			if err != nil {
				return score.Credit{}, err
			}
			for k, pc := range pcs {
				pc.Probe = true
				tr := trajectory(fmt.Sprintf("probe%d.%d", len(b.Trajectories), k), ts[c.Task], pc, nil, nil, prm)
				tr.Parent = &rollout.Branch{Trajectory: rq.Trajectory, Token: rq.Prefix}
				b.Trajectories = append(b.Trajectories, tr)
			}
		}
	}
	tm, err := train.NewMethod(v.Method, v.Set)
	if err != nil {
		return score.Credit{}, err
	}
	if err := tm.Assign(&sample.Built{Batch: b}); err != nil {
		return score.Credit{}, err
	}
	var est, tru []float64
	var cells []string
	for i, c := range s.cs {
		t := b.Trajectories[i]
		for j := range c.Tokens {
			est = append(est, t.Advantages[j])
			tru = append(tru, s.truth[i].A[j])
			cells = append(cells, prefixKey(c.Task, c.Tokens[:j+1]))
		}
	}
	return score.CreditMetrics(est, tru, cells, 1e-9), nil
}
