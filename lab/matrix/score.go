package matrix

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/lab/critic"
	"github.com/credo-rl/credo/lab/sample"
	"github.com/credo-rl/credo/lab/score"
	"github.com/credo-rl/credo/lab/train"
)

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
// samples (reported with the prefix "sub_"); the gradient metrics always
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
