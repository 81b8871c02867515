package train

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/lab/critic"
	"github.com/credo-rl/credo/lab/env"
	"github.com/credo-rl/credo/lab/policy"
	"github.com/credo-rl/credo/lab/run"
	"github.com/credo-rl/credo/lab/sample"
)

// Spec is one training run: a method on an environment from a seed.
type Spec struct {
	Env    string
	Method string
	Set    map[string]any // parameter overrides (on top of the method profile's)
	Label  string         // display name (default: Method)
	// Stream, when set, names the training batches' random stream in
	// place of Label and Method: runs of different methods with the same
	// Stream, seed and environment draw the same random numbers (common
	// random numbers), so two methods that assign the same credit train
	// bit for bit the same policy. "" = a stream per Label and Method.
	Stream string

	MLP       bool    // MLP policy instead of tabular
	InitScale float64 // tabular initial logits' std
	Iters     int
	P, N      int // prompts per batch, group size
	Pool      int // fixed prompt pool size (0: fresh start states every batch)
	// Cycle trains on the environment's whole start distribution in turn
	// (every prompt of a small pool in every batch) instead of sampling it.
	Cycle     bool
	LR        float64
	Update    Update
	EvalEvery int
	// CriticKind is "table" or "linear" for methods that read values
	// (default table when the method reads values).
	CriticKind string
	Tree       *sample.TreeOptions
	// Transform edits the built batch before credit assignment (e.g. a
	// PRM reward refinement); nil = none.
	Transform func(b *sample.Built)
	// Prep builds a transform from the environment and the evaluation
	// pool (e.g. which problems carry a verifiable label); nil = none.
	Prep func(e env.Env, pool []env.State) func(b *sample.Built)
	// Wrap replaces the environment (e.g. a PRM with a different flaw);
	// nil = the registry's.
	Wrap func(e env.Env) env.Env
	// Sizes chooses the group size per prompt of iteration it (nil: N each).
	Sizes func(it int, m *Method, starts []env.State) ([]int, error)
	// Eval adds metrics at evaluation points (nil: return only).
	Eval func(e env.Env, pol policy.Policy, or *Oracle, starts []env.State, weights []float64) (map[string]float64, error)
	// PerBatch adds metrics of each training batch (after assignment).
	PerBatch func(e env.Env, b *sample.Built, eps []sample.Episode, or *Oracle) map[string]float64
	// ScoreCredit scores every batch's credit against A^π (costs one
	// solve per prompt per iteration).
	ScoreCredit bool
	// GradVar > 1 draws that many extra batches at each evaluation point
	// and records the relative variance of the method's policy-gradient
	// estimate across them ("grad_rel_var"; tabular policies only).
	GradVar int
}

// Name is the run's display name: Label, or Method when there is none.
func (s Spec) Name() string {
	if s.Label != "" {
		return s.Label
	}
	return s.Method
}

// Out is the outcome of one run.
type Out struct {
	X      []float64            // iteration of each evaluation point
	Curves map[string][]float64 // metric → value per evaluation point
	Batch  map[string][]float64 // metric → value per iteration
	// Final holds each curve's last value, its mean over the evaluation
	// points ("auc_" + metric) and each batch metric's mean ("mean_" + metric).
	Final map[string]float64
	Pol   policy.Policy // the trained policy
}

// Run trains one policy and records its learning curve; the exact expected
// return on the evaluation prompts is the main curve. One iteration reads
// top to bottom: evaluate (every EvalEvery iterations), sample a batch,
// assign credit with the method, score the credit, step the policy, update
// the critic.
func Run(ctx context.Context, x *run.Ctx, seed uint64, s Spec) (*Out, error) {
	l, err := newLoop(x, seed, s)
	if err != nil {
		return nil, err
	}
	evalEvery := max(s.EvalEvery, 1)
	for it := 0; it < s.Iters; it++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if it%evalEvery == 0 {
			if err := l.evaluate(it); err != nil {
				return nil, err
			}
		}
		b, eps, err := l.sample(l.rng, it)
		if err != nil {
			return nil, err
		}
		if err := l.tm.Assign(b); err != nil {
			return nil, fmt.Errorf("%s on %s, iteration %d: %w", s.Method, s.Env, it, err)
		}
		if err := l.score(b, eps); err != nil {
			return nil, err
		}
		if err := l.step(b); err != nil {
			return nil, err
		}
		if err := l.updateCritic(b); err != nil {
			return nil, err
		}
	}
	if err := l.evaluate(s.Iters); err != nil {
		return nil, err
	}
	return l.finish(), nil
}

// loop is one training run's state.
type loop struct {
	x    *run.Ctx
	seed uint64
	s    Spec

	e    env.Env
	m    *credit.Method
	prof Profile
	tm   *Method
	pol  policy.Policy
	opt  *policy.Adam
	crit critic.Critic // nil: the method reads no critic
	// pool and poolW are the evaluation prompts and their weights; fixed:
	// training prompts cycle through pool instead of being drawn.
	pool      []env.State
	poolW     []float64
	fixed     bool
	transform func(b *sample.Built)
	rng       *rand.Rand // the training batches' stream
	out       *Out
}

// newLoop builds the environment, the method, the policy, the prompt
// pool, the critic and the optimiser of a run. The same policy
// initialisation and prompt pool serve every method of a seed (paired
// comparisons); the sampling stream depends on the method.
func newLoop(x *run.Ctx, seed uint64, s Spec) (*loop, error) {
	e, err := run.NewEnv(s.Env, seed)
	if err != nil {
		return nil, err
	}
	if s.Wrap != nil {
		e = s.Wrap(e)
	}
	m, err := credit.Lookup(s.Method)
	if err != nil {
		return nil, err
	}
	prof, set := MethodProfile(m, e)
	for k, v := range s.Set {
		set[k] = v
	}
	tm, err := NewMethod(s.Method, set)
	if err != nil {
		return nil, err
	}
	stream := []string{s.Env, "train", s.Label, s.Method}
	if s.Stream != "" {
		stream = []string{s.Env, "train", s.Stream}
	}
	l := &loop{x: x, seed: seed, s: s, e: e, m: m, prof: prof, tm: tm,
		rng: x.Rng(seed, stream...),
		opt: policy.NewAdam(s.LR),
		out: &Out{Curves: map[string][]float64{}, Batch: map[string][]float64{}, Final: map[string]float64{}}}
	if s.MLP {
		l.pol = policy.NewMLP(e, 16, true, e.Start(rand.New(rand.NewPCG(seed, 1))), seed)
	} else {
		l.pol = policy.NewTabular(e, s.InitScale, seed)
	}
	l.promptPool(x.Rng(seed, s.Env, "init"))
	l.transform = s.Transform
	if s.Prep != nil {
		l.transform = s.Prep(e, l.pool)
	}
	if m.NeedsCritic() || s.CriticKind != "" {
		switch s.CriticKind {
		case "linear":
			l.crit = critic.NewLinear(e, l.pool[0], true, 0.05)
		default:
			l.crit = critic.NewTable(true, 0.1)
		}
	}
	return l, nil
}

// promptPool sets the evaluation prompts (pool, weights) and how training
// prompts are drawn: a fixed pool of Spec.Pool starts, the environment's
// start distribution when it is small (cycled through with Spec.Cycle), or
// 16 drawn starts.
func (l *loop) promptPool(rng *rand.Rand) {
	if l.s.Pool > 0 {
		l.pool, l.fixed = sample.Starts(l.e, rng, l.s.Pool), true
	} else if sd := l.e.StartDist(); sd != nil && len(sd) <= 64 {
		for _, w := range sd {
			l.pool = append(l.pool, w.S)
			l.poolW = append(l.poolW, w.P)
		}
		l.fixed = l.s.Cycle
	} else {
		l.pool = sample.Starts(l.e, rng, 16)
	}
	if l.poolW == nil {
		for range l.pool {
			l.poolW = append(l.poolW, 1/float64(len(l.pool)))
		}
	}
}

// evaluate records the evaluation point it: the exact expected return on
// the evaluation prompts, the gradient variance (Spec.GradVar) and the
// experiment's own metrics (Spec.Eval).
func (l *loop) evaluate(it int) error {
	or := NewOracle(l.e, l.pol)
	v := 0.0
	for i, st := range l.pool {
		sol, err := or.Sol(st)
		if err != nil {
			return err
		}
		v += l.poolW[i] * sol.Value(0)
	}
	out := l.out
	out.X = append(out.X, float64(it))
	if l.e.Roles() == 1 {
		out.Curves["return"] = append(out.Curves["return"], v)
	}
	if tab, ok := l.pol.(*policy.Tabular); ok && l.s.GradVar > 1 {
		if err := l.gradVar(it, tab); err != nil {
			return err
		}
	}
	if l.s.Eval != nil {
		extra, err := l.s.Eval(l.e, l.pol, or, l.pool, l.poolW)
		if err != nil {
			return err
		}
		for k, x := range extra {
			out.Curves[k] = append(out.Curves[k], x)
		}
	}
	return nil
}

// gradVar draws Spec.GradVar extra batches from a stream of their own,
// assigns credit with a copy of the method (its state does not advance)
// and records the variance of the policy-gradient estimates across them.
func (l *loop) gradVar(it int, tab *policy.Tabular) error {
	var gs []map[string][]float64
	vr := l.x.Rng(l.seed, l.s.Env, "gradvar", l.s.Label, l.s.Method, strconv.Itoa(it))
	for k := 0; k < l.s.GradVar; k++ {
		b, _, err := l.sample(vr, k)
		if err != nil {
			return err
		}
		c, err := l.tm.Clone()
		if err != nil {
			return err
		}
		if err := c.Assign(b); err != nil {
			return err
		}
		g, err := EstimatedGradient(tab, b)
		if err != nil {
			return err
		}
		gs = append(gs, g)
	}
	tot, rel := GradVariance(gs)
	l.out.Curves["grad_var"] = append(l.out.Curves["grad_var"], tot)
	l.out.Curves["grad_rel_var"] = append(l.out.Curves["grad_rel_var"], rel)
	return nil
}

// sample draws the batch of iteration it from rng and builds it for the
// method: prompts, group sizes, independent groups or trees, the default
// inputs (lab/sample), SPO-chain's probes and the experiment's transform.
func (l *loop) sample(rng *rand.Rand, it int) (*sample.Built, []sample.Episode, error) {
	s, e := l.s, l.e
	var starts []env.State
	if l.fixed {
		// the fixed pool, cycling when P exceeds it
		for i := 0; i < s.P; i++ {
			starts = append(starts, l.pool[(it*s.P+i)%len(l.pool)])
		}
	} else {
		starts = sample.Starts(e, rng, s.P)
	}
	sizes := sample.Uniform(len(starts), s.N)
	if s.Sizes != nil {
		var err error
		if sizes, err = s.Sizes(it, l.tm, starts); err != nil {
			return nil, nil, err
		}
	}
	sm := &sample.Sampler{Env: e, Pi: l.pol.Probs, Rng: rng}
	var eps []sample.Episode
	if s.Tree != nil || l.prof.Tree {
		to := sample.TreeOptions{Roots: max(s.N/2, 1), Rounds: 1, Branches: 1}
		if s.Tree != nil {
			to = *s.Tree
		}
		eps = sm.Tree(starts, to)
	} else {
		eps = sm.Groups(starts, sizes)
	}
	bo := sample.BuildOptions{TokenRewards: !l.prof.NoTokenRewards, Game: e.Name(), Ref: UniformPolicy(e), Pi: l.pol.Probs, PRMJudge: true,
		Greedy: sm.Greedy(starts), PromptKeys: promptKeys(starts)}
	if l.crit != nil {
		bo.V = l.crit.V
	}
	b, err := sample.Build(e, eps, bo)
	if err != nil {
		return nil, nil, err
	}
	if l.prof.Probes {
		if b, eps, err = WithChainProbes(e, l.pol.Probs, rng, b, eps, bo, ProbeInterval(e)); err != nil {
			return nil, nil, err
		}
	}
	if l.transform != nil {
		l.transform(b)
	}
	return b, eps, nil
}

// score measures the batch's credit against A^π of the policy that
// sampled it (Spec.ScoreCredit) and the experiment's batch metrics
// (Spec.PerBatch).
func (l *loop) score(b *sample.Built, eps []sample.Episode) error {
	if !l.s.ScoreCredit && l.s.PerBatch == nil {
		return nil
	}
	or := NewOracle(l.e, l.pol)
	if l.s.ScoreCredit {
		smp, err := or.Collect(b, eps)
		if err != nil {
			return err
		}
		c := smp.Metrics()
		l.out.Batch["credit_pearson"] = append(l.out.Batch["credit_pearson"], c.Pearson)
		l.out.Batch["credit_rel_mse"] = append(l.out.Batch["credit_rel_mse"], c.RelMSE)
	}
	if l.s.PerBatch != nil {
		for k, v := range l.s.PerBatch(l.e, b, eps, or) {
			l.out.Batch[k] = append(l.out.Batch[k], v)
		}
	}
	return nil
}

// step updates the policy from the batch's advantages (Step).
func (l *loop) step(b *sample.Built) error {
	st, err := Step(l.pol, l.opt, b, l.s.Update)
	if err != nil {
		return err
	}
	l.out.Batch["grad_norm"] = append(l.out.Batch["grad_norm"], st.GradNorm)
	return nil
}

// updateCritic regresses the critic, if any, on the batch: on the
// method's returns when the method reads a critic, else on the Monte Carlo
// returns (UpdateCritic).
func (l *loop) updateCritic(b *sample.Built) error {
	if l.crit == nil {
		return nil
	}
	return UpdateCritic(l.crit, b, 4, l.m.NeedsCritic())
}

// finish summarises the curves and batch metrics into Out.Final.
func (l *loop) finish() *Out {
	out := l.out
	out.Pol = l.pol
	for k, c := range out.Curves {
		out.Final[k] = c[len(c)-1]
		out.Final["auc_"+k] = NaNMean(c) // mean over the evaluation points: learning speed
	}
	for k, c := range out.Batch {
		out.Final["mean_"+k] = NaNMean(c)
	}
	return out
}

func promptKeys(starts []env.State) []string {
	out := make([]string, len(starts))
	for i, s := range starts {
		out[i] = s.Key()
	}
	return out
}

// NaNMean is the mean of the values that are not NaN (NaN when there are
// none).
func NaNMean(x []float64) float64 {
	s, n := 0.0, 0
	for _, v := range x {
		if !math.IsNaN(v) {
			s += v
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return s / float64(n)
}
