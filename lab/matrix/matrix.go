package matrix

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/lab/critic"
	"github.com/credo-rl/credo/lab/env"
	"github.com/credo-rl/credo/lab/policy"
	"github.com/credo-rl/credo/lab/result"
	"github.com/credo-rl/credo/lab/run"
	"github.com/credo-rl/credo/lab/sample"
	"github.com/credo-rl/credo/lab/score"
	"github.com/credo-rl/credo/lab/train"
)

// matrixEnvs are the environments of the matrix (every registered one).
func matrixEnvs() []string {
	names := env.Names()
	if len(names) == 0 {
		return []string{"toy_corridor", "toy_nim"}
	}
	return names
}

// world is a fixed random tabular policy on one environment with R scoring
// batches, a warm-up critic and the exact solutions.
type world struct {
	e       env.Env
	pol     *policy.Tabular
	or      *train.Oracle
	vtab    *critic.Table
	qtab    *critic.Table
	batches [][]sample.Episode // R batches of grouped episodes
	trees   [][]sample.Episode // R batches of rollout trees (same episode budget)
	greedy  [][]sample.Episode
	seed    uint64
	name    string
	// warm-up data (critic inputs and Monte Carlo returns)
	warmIn []critic.Input
	warmTg []float64
	warm   []sample.Episode // the warm-up episodes (LaRe's decoder is fitted on them)
	lin    *critic.Linear
	lare   *lareDec
}

// linear returns a linear critic over the state features (and t/H) fitted
// to the warm-up returns with the engine's value loss (300 Adam steps):
// the deliberately under-fitted critic of environments.md §3.2.
func (w *world) linear() (*critic.Linear, error) {
	if w.lin != nil {
		return w.lin, nil
	}
	c := critic.NewLinear(w.e, w.batches[0][0].Start, true, 0.05)
	if err := c.Fit(w.warmIn, w.warmTg, 300); err != nil {
		return nil, err
	}
	w.lin = c
	return c, nil
}

type Size struct{ P, N, R, Warm int }

func newWorld(x *run.Ctx, envName string, seed uint64, sz Size) (*world, error) {
	return newWorldPol(x, envName, seed, sz, nil)
}

// newWorldPol is newWorld at a given tabular policy (nil: the random
// initial policy, logits ~ N(0, 1)).
func newWorldPol(x *run.Ctx, envName string, seed uint64, sz Size, pol *policy.Tabular) (*world, error) {
	e, err := run.NewEnv(envName, seed)
	if err != nil {
		return nil, err
	}
	if pol == nil {
		pol = policy.NewTabular(e, 1.0, seed)
	}
	w := &world{e: e, pol: pol, seed: seed, name: envName}
	w.or = train.NewOracle(e, w.pol)
	rng := x.Rng(seed, envName, "world")
	sm := &sample.Sampler{Env: e, Pi: w.pol.Probs, Rng: rng}
	// Warm-up critic: V and Q tables (time-indexed) fitted to Monte Carlo
	// returns of Warm independent batches.
	w.vtab = critic.NewTable(true, 0.1)
	w.qtab = critic.NewTable(true, 0.1)
	w.qtab.Action = true
	var ins []critic.Input
	var tg []float64
	for k := 0; k < sz.Warm; k++ {
		eps := sm.Groups(sample.Starts(e, rng, sz.P), sample.Uniform(sz.P, sz.N))
		w.warm = append(w.warm, eps...)
		for _, ep := range eps {
			for r := 0; r < e.Roles(); r++ {
				rtg := sample.ReturnToGo(ep, r)
				for j, st := range ep.Steps {
					if st.Role != r {
						continue
					}
					ins = append(ins, critic.Input{S: st.S, T: st.T, Role: r, A: st.A})
					tg = append(tg, rtg[j])
				}
			}
		}
	}
	w.warmIn, w.warmTg = ins, tg
	w.vtab.Fit(ins, tg)
	w.qtab.Fit(ins, tg)
	for k := 0; k < sz.R; k++ {
		starts := sample.Starts(e, rng, sz.P)
		w.batches = append(w.batches, sm.Groups(starts, sample.Uniform(sz.P, sz.N)))
		w.greedy = append(w.greedy, sm.Greedy(starts))
		roots := max(sz.N/2, 1)
		w.trees = append(w.trees, sm.Tree(starts, sample.TreeOptions{Roots: roots, Rounds: 1, Branches: 1}))
	}
	return w, nil
}

// buildVariant says how a scoring batch is built beyond the method profile.
type buildVariant struct {
	// v replaces the warm-up table critic (nil: the table); q the Q table.
	v func(s env.State, t, role int) float64
	q func(s env.State, t, role, a int) float64
	// edit rewrites the built batch (e.g. BRPO's budget steps); nil: none.
	edit func(b *sample.Built, eps []sample.Episode) error
	// opts adds derived inputs to the build options of batch k (see
	// inputs.go); nil: none.
	opts func(k int, eps []sample.Episode, o *sample.BuildOptions) error
}

// build turns batch k into the data model for a method profile.
func (w *world) build(k int, p train.Profile, tree bool, bv buildVariant) (*sample.Built, []sample.Episode, error) {
	eps := w.batches[k]
	if tree {
		eps = w.trees[k]
	}
	o := sample.BuildOptions{
		TokenRewards: !p.NoTokenRewards,
		V:            w.vtab.V,
		Q:            w.qtab.Q,
		Ref:          train.UniformPolicy(w.e),
		Pi:           w.pol.Probs,
		Greedy:       w.greedy[k],
		Game:         w.e.Name(),
		PRMJudge:     true,
	}
	if bv.v != nil {
		o.V = bv.v
	}
	if bv.q != nil {
		o.Q = bv.q
	}
	if bv.opts != nil {
		if err := bv.opts(k, eps, &o); err != nil {
			return nil, nil, err
		}
	}
	b, err := sample.Build(w.e, eps, o)
	if err == nil && p.Probes {
		rng := rand.New(rand.NewPCG(w.seed, run.StreamID("probes", w.name, strconv.Itoa(k))))
		b, eps, err = train.WithChainProbes(w.e, w.pol.Probs, rng, b, eps, o, train.ProbeInterval(w.e))
	}
	if err == nil && bv.edit != nil {
		err = bv.edit(b, eps)
	}
	return b, eps, err
}

// CellScore is one (method, env, seed) measurement.
type CellScore struct {
	// Status is "ok", "n/a" or "error" (as Cell.Status), Reason why not ok.
	Status, Reason string
	Metrics        map[string]float64
}

// scoreMethod runs one method with the lab's profile, and the inputs the
// lab derives for it from the environment (inputs.go), on every scoring
// batch of w.
func (w *world) scoreMethod(m *credit.Method) CellScore {
	return w.scoreRow(matrixRow{m: m, name: m.Name})
}

// scoreRow is scoreMethod for one row of the matrix: a method with the
// critic the row names (criticTable, criticOracle or criticLinear).
func (w *world) scoreRow(r matrixRow) CellScore {
	m := r.m
	prof, set := train.MethodProfile(m, w.e)
	var bv buildVariant
	switch r.critic {
	case criticOracle:
		if err := w.presolve(); err != nil {
			return CellScore{Status: "error", Reason: err.Error()}
		}
		bv.v, bv.q = w.or.V, w.or.Q
	case criticLinear:
		lin, err := w.linear()
		if err != nil {
			return CellScore{Status: "error", Reason: err.Error()}
		}
		bv.v = lin.V
	}
	if src, ok := derivedInputs[m.Name]; ok && m.GoAPI == "" {
		plan, err := src.plan(w, m)
		if err != nil {
			var na train.NotApplicable
			if errors.As(err, &na) {
				return CellScore{Status: "n/a", Reason: na.Error()}
			}
			return CellScore{Status: "error", Reason: err.Error()}
		}
		for k, v := range plan.set {
			set[k] = v
		}
		bv.opts, bv.edit = plan.opts, plan.edit
	}
	c := w.score(m, prof, set, bv, nil)
	if c.Status == "ok" && usesCritic(m) {
		c.Metrics["critic_coverage"] = w.criticCoverage(r.critic, prof)
	}
	return c
}

// Critic kinds of a matrix row.
const (
	criticTable  = ""       // the warm-up tables V(role, s, t), Q(role, s, t, a): 0 for unseen keys
	criticOracle = "oracle" // the exact V^π and Q^π
	criticLinear = "linear" // linear in the state features and t/H, fitted to the warm-up returns
)

// matrixRow is one row of the matrix: a method, with a critic for the
// methods that read values.
type matrixRow struct {
	m      *credit.Method
	name   string
	critic string
}

// usesCritic reports whether m reads critic values (V, or Q).
func usesCritic(m *credit.Method) bool {
	if m.NeedsCritic() {
		return true
	}
	for _, in := range m.Inputs {
		if strings.HasPrefix(in.Name, "steps[].values.q") {
			return true
		}
	}
	return false
}

// matrixRows lists the matrix's rows: every method once, and the methods
// that read a critic twice more, with the exact V^π/Q^π (what the method
// does with a perfect critic) and with a linear critic that generalises
// to unseen states (the table returns 0 there).
func matrixRows(methods []*credit.Method) []matrixRow {
	var out []matrixRow
	for _, m := range methods {
		out = append(out, matrixRow{m: m, name: m.Name})
		if usesCritic(m) && m.GoAPI == "" && AssignsAdvantages(m) {
			out = append(out, matrixRow{m: m, name: m.Name + " [oracle critic]", critic: criticOracle},
				matrixRow{m: m, name: m.Name + " [linear critic]", critic: criticLinear})
		}
	}
	return out
}

// presolve solves every start state of the scoring batches, so that the
// oracle critic knows every state the batches visit.
func (w *world) presolve() error {
	for k := range w.batches {
		for _, eps := range [][]sample.Episode{w.batches[k], w.trees[k], w.greedy[k]} {
			for _, ep := range eps {
				if _, err := w.or.Sol(ep.Start); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// criticCoverage is the share of the scoring batches' tokens whose state
// the row's critic was fitted on: for the table, the (role, state, t)
// keys of the warm-up data (elsewhere the table says 0); the oracle and
// the linear critic answer for every state (1).
func (w *world) criticCoverage(kind string, p train.Profile) float64 {
	if kind != criticTable {
		return 1
	}
	n, hit := 0, 0
	for k := range w.batches {
		eps := w.batches[k]
		if p.Tree {
			eps = w.trees[k]
		}
		for _, ep := range eps {
			for _, st := range ep.Steps {
				n++
				if w.vtab.Has(critic.Input{S: st.S, T: st.T, Role: st.Role}) {
					hit++
				}
			}
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return float64(hit) / float64(n)
}

// score runs a method on every scoring batch and measures its credit
// against A^π. keep, when not nil, restricts the credit metrics to some
// train.Samples (reported with the prefix "sub_"); the gradient metrics always
// use the whole batch.
func (w *world) score(m *credit.Method, prof train.Profile, set map[string]any, bv buildVariant, keep func(tok sample.Token) bool) CellScore {
	if m.GoAPI != "" {
		return CellScore{Status: "n/a", Reason: "assigns no credit (Go API " + m.GoAPI + ")"}
	}
	if !AssignsAdvantages(m) {
		return CellScore{Status: "n/a", Reason: "writes " + strings.Join(m.Outputs, ", ") + ", not advantages: no credit to score against A^π"}
	}
	tm, err := train.NewMethod(m.Name, set)
	if err != nil {
		return CellScore{Status: "error", Reason: err.Error()}
	}
	var all train.Samples
	var cos []float64
	var grads []map[string][]float64
	var sub train.Samples
	for k := range w.batches {
		b, eps, err := w.build(k, prof, prof.Tree, bv)
		if err != nil {
			var na train.NotApplicable
			if errors.As(err, &na) {
				return CellScore{Status: "n/a", Reason: na.Error()}
			}
			return CellScore{Status: "error", Reason: err.Error()}
		}
		if err := m.Check(b.Batch, tm.Values); err != nil {
			var ie *credit.InputError
			if errors.As(err, &ie) {
				return CellScore{Status: "n/a", Reason: fmt.Sprintf("needs %s (%s)", ie.Input.Name, ie.Input.Doc)}
			}
			return CellScore{Status: "n/a", Reason: err.Error()}
		}
		if err := tm.Assign(b); err != nil {
			return CellScore{Status: "error", Reason: err.Error()}
		}
		s, err := w.or.Collect(b, eps)
		if err != nil {
			return CellScore{Status: "error", Reason: err.Error()}
		}
		all.Add(s)
		if keep != nil {
			s, err := w.or.CollectIf(b, eps, keep)
			if err != nil {
				return CellScore{Status: "error", Reason: err.Error()}
			}
			sub.Add(s)
		}
		g, err := train.EstimatedGradient(w.pol, b)
		if err != nil {
			return CellScore{Status: "error", Reason: err.Error()}
		}
		grads = append(grads, g)
		ex, err := w.or.ExactGradient(w.pol, b, eps)
		if err != nil {
			return CellScore{Status: "error", Reason: err.Error()}
		}
		cos = append(cos, score.Cosine(g, ex))
	}
	c := all.Metrics()
	gv, grv := train.GradVariance(grads)
	out := map[string]float64{
		"pearson": c.Pearson, "spearman": c.Spearman, "sign_agreement": c.Sign,
		"rel_mse": c.RelMSE, "rel_bias": c.RelBias, "rel_var": c.RelVar,
		"cosine": train.NaNMean(cos), "samples": float64(c.N), "coverage": float64(c.N) / float64(max(all.Total, 1)),
		"grad_var": gv, "grad_rel_var": grv,
	}
	if keep != nil {
		c := sub.Metrics()
		out["sub_pearson"], out["sub_sign_agreement"], out["sub_rel_mse"] = c.Pearson, c.Sign, c.RelMSE
		out["sub_rel_bias"], out["sub_rel_var"], out["sub_scale"] = c.RelBias, c.RelVar, c.Scale
	}
	return CellScore{Status: "ok", Metrics: out}
}

// Run scores every registered method on every environment: the
// credit-accuracy matrix (the "matrix" experiment of lab/exp, without
// its findings).
func Run(ctx context.Context, x *run.Ctx) (*result.Result, error) {
	envs := matrixEnvs()
	rows := matrixRows(credit.All())
	sz := Size{P: 4, N: 8, R: x.Pick(4, 8), Warm: x.Pick(4, 16)}
	S := len(x.Seeds)
	x.Total(S * len(envs))
	// scores[seed][env][method]
	scores := make([][][]CellScore, S)
	for si := range scores {
		scores[si] = make([][]CellScore, len(envs))
	}
	envErr := make([]string, len(envs))
	jobs := S * len(envs)
	err := x.Parallel(ctx, jobs, func(j int) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		si, ei := j/len(envs), j%len(envs)
		w, err := newWorld(x, envs[ei], x.Seeds[si], sz)
		row := make([]CellScore, len(rows))
		if err != nil {
			for i := range row {
				row[i] = CellScore{Status: "error", Reason: "environment: " + err.Error()}
			}
			envErr[ei] = err.Error()
		} else {
			for i, r := range rows {
				row[i] = w.scoreRow(r)
			}
		}
		scores[si][ei] = row
		x.Tick(1)
		return nil
	})
	if err != nil {
		return nil, err
	}
	mx := &result.Matrix{Envs: envs}
	for _, r := range rows {
		mx.Methods = append(mx.Methods, r.name)
	}
	res := &result.Result{Config: map[string]any{
		"policy":            "tabular softmax over observation keys, logits ~ N(0, 1) per (state, action), seeded",
		"prompts_per_batch": sz.P, "group_size": sz.N, "batches": sz.R, "warmup_batches": sz.Warm,
		"critic": "tables V(role, state, t) and Q(role, state, t, a) fitted to Monte Carlo returns of the warm-up batches (0 for a key the warm-up never saw: " +
			"critic_coverage per cell); rows \"[oracle critic]\": the exact V^π and Q^π; rows \"[linear critic]\": V linear in the state features and t/H, " +
			"300 Adam steps of the engine's value loss on the warm-up returns (Q, for ArCHer, stays the table)",
		"reference":      "uniform policy over legal actions (ref_log_prob)",
		"gamma":          "1 for every method with a gamma parameter (A^π is undiscounted)",
		"trees":          fmt.Sprintf("tree methods: %d roots per prompt, each forking once at a uniform interior step", max(sz.N/2, 1)),
		"envs":           envs,
		"derived_inputs": "inputs the lab derives from the environments for particular methods: matrix.inputs",
	}}
	for ei, en := range envs {
		for mi, r := range rows {
			cell := result.Cell{Method: r.name, Env: en, Status: "ok"}
			per := map[string][]float64{}
			for si := 0; si < S; si++ {
				c := scores[si][ei][mi]
				if c.Status != "ok" {
					cell.Status, cell.Reason = c.Status, c.Reason
					break
				}
				for k, v := range c.Metrics {
					per[k] = append(per[k], v)
				}
			}
			if cell.Status == "ok" {
				cell.Metrics = map[string]result.Interval{}
				keys := make([]string, 0, len(per))
				for k := range per {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				for _, k := range keys {
					lo, hi := result.MetricRange(k)
					cell.Metrics[k] = score.CI95In(per[k], lo, hi)
					res.Rows = append(res.Rows, result.Row{Env: en, Method: r.name, Metric: k, Value: cell.Metrics[k], Seeds: per[k]})
				}
			}
			mx.Cells = append(mx.Cells, cell)
		}
	}
	if !x.Quick {
		if err := scoreStages(ctx, x, mx, rows, envs, sz); err != nil {
			return nil, err
		}
	}
	mx.Inputs = derivedInputDocs()
	groupEquivalents(mx)
	res.Matrix = mx
	for ei, e := range envErr {
		if e != "" {
			res.Notes = append(res.Notes, fmt.Sprintf("environment %s could not be built: %s", envs[ei], e))
		}
	}
	return res, nil
}

// matrixStages are the points of training (iterations of GRPO from the
// matrix's random initial policy) and group sizes the full-mode matrix is
// also scored at; the headline matrix is the initial policy with N = 8.
var matrixStages = []struct {
	name  string
	iters int
	n     int
}{{"initial", 0, 4}, {"middle", 25, 8}, {"middle", 25, 4}, {"late", 100, 8}, {"late", 100, 4}}

// scoreStages scores every row at the trained policies of matrixStages:
// the policy is the initial one trained by verl.grpo (PPO, Adam 0.1,
// 4 prompts × 8) for the stage's iterations on the same environment and
// seed; the world (warm-up critic, batches) is rebuilt at that policy.
// Each stage's Pearson goes into Matrix.Stages.
func scoreStages(ctx context.Context, x *run.Ctx, mx *result.Matrix, rows []matrixRow, envs []string, sz Size) error {
	S := len(x.Seeds)
	type job struct{ st, ei, si int }
	var jobs []job
	for st := range matrixStages {
		for ei := range envs {
			for si := 0; si < S; si++ {
				jobs = append(jobs, job{st, ei, si})
			}
		}
	}
	scores := make([][]CellScore, len(jobs))
	errs := make([]string, len(jobs))
	err := x.Parallel(ctx, len(jobs), func(j int) error {
		jb := jobs[j]
		stg := matrixStages[jb.st]
		seed := x.Seeds[jb.si]
		var pol *policy.Tabular
		if stg.iters > 0 {
			out, err := train.Run(ctx, x, seed, train.Spec{Env: envs[jb.ei], Method: "verl.grpo", InitScale: 1, Iters: stg.iters,
				P: 4, N: 8, LR: 0.1, Update: train.DefaultUpdate(), EvalEvery: stg.iters, Cycle: true})
			if err != nil {
				if ctx.Err() != nil {
					return err
				}
				errs[j] = err.Error()
				return nil
			}
			pol, _ = out.Pol.(*policy.Tabular)
		}
		ssz := sz
		ssz.N = stg.n
		w, err := newWorldPol(x, envs[jb.ei], seed, ssz, pol)
		if err != nil {
			errs[j] = err.Error()
			return nil
		}
		row := make([]CellScore, len(rows))
		for i, r := range rows {
			row[i] = w.scoreRow(r)
		}
		scores[j] = row
		return nil
	})
	if err != nil {
		return err
	}
	for st, stg := range matrixStages {
		sm := result.StageMatrix{Stage: stg.name, Iterations: stg.iters, GroupSize: stg.n}
		for ei, en := range envs {
			for ri, r := range rows {
				cell := result.Cell{Method: r.name, Env: en, Status: "ok"}
				var per []float64
				for j, jb := range jobs {
					if jb.st != st || jb.ei != ei {
						continue
					}
					if scores[j] == nil {
						cell.Status, cell.Reason = "error", "training or world: "+errs[j]
						break
					}
					c := scores[j][ri]
					if c.Status != "ok" {
						cell.Status, cell.Reason = c.Status, c.Reason
						break
					}
					per = append(per, c.Metrics["pearson"])
				}
				if cell.Status == "ok" {
					cell.Metrics = map[string]result.Interval{"pearson": score.CI95In(per, -1, 1)}
				}
				sm.Cells = append(sm.Cells, cell)
			}
		}
		mx.Stages = append(mx.Stages, sm)
	}
	return nil
}

// groupEquivalents finds the rows that are the same function on the
// lab's data (every cell's status and every metric of every seed equal,
// e.g. profiles of GRPO/RLOO that differ only where the lab's data never
// goes): the first stays in Methods with the others in Equivalents, the
// others leave Methods (their cells stay in Cells and results.json).
func groupEquivalents(m *result.Matrix) {
	sig := func(name string) string {
		var b strings.Builder
		for _, e := range m.Envs {
			c := m.Cell(name, e)
			if c == nil {
				b.WriteString("nil;")
				continue
			}
			b.WriteString(c.Status + ":")
			if c.Status != "ok" {
				b.WriteString(c.Reason + ";")
				continue
			}
			ks := make([]string, 0, len(c.Metrics))
			for k := range c.Metrics {
				ks = append(ks, k)
			}
			sort.Strings(ks)
			for _, k := range ks {
				if k == "critic_coverage" {
					continue
				}
				v := c.Metrics[k]
				fmt.Fprintf(&b, "%s=%x/%x/%x,", k, math.Float64bits(v.Mean), math.Float64bits(v.Lo), math.Float64bits(v.Hi))
			}
			b.WriteString(";")
		}
		return b.String()
	}
	first := map[string]string{}
	var keep []string
	m.Equivalents = map[string][]string{}
	for _, name := range m.Methods {
		s := sig(name)
		allNA := true
		for _, e := range m.Envs {
			if c := m.Cell(name, e); c != nil && c.Status == "ok" {
				allNA = false
			}
		}
		if rep, ok := first[s]; ok && !allNA {
			m.Equivalents[rep] = append(m.Equivalents[rep], name)
			continue
		}
		first[s] = name
		keep = append(keep, name)
	}
	m.Methods = keep
	if len(m.Equivalents) == 0 {
		m.Equivalents = nil
	}
}
