package lab

import (
	"math"
	"slices"
	"strconv"

	"github.com/credo-rl/credo/lab/result"
	"github.com/credo-rl/credo/lab/score"
)

// AccuracyVsReturn is the name of the result that relates the two
// matrices (Derive).
const AccuracyVsReturn = "accuracy_vs_return"

// minRankMethods is the fewest methods a rank correlation is computed over.
const minRankMethods = 5

// Derive recomputes the results that are read off other experiments'
// results rather than run: today one, AccuracyVsReturn, when results hold
// both the credit matrix ("matrix", with cells) and the trained-return
// matrix ("trained_matrix", with cells: full mode). It drops a stale
// derived result first, so a merge of runs that carry one recomputes it.
//
// AccuracyVsReturn asks whether the matrix's proxy predicts training: on
// every environment both matrices cover, and for each seed k, Spearman's
// rank correlation across methods between the method's Pearson(Â, A^π)
// at the initial policy on seed k and its trained auc_return (and final
// return) on seed k; the row is the mean over seeds with a 95% t
// interval. Each trained method stands for its group of equivalents once;
// a method enters where both its cells are ok and finite on every seed.
// The two matrices use their own environment options (trained_matrix's
// are harder, to stay off the ceiling), which the result's notes say.
func Derive(results []*result.Result) []*result.Result {
	out := slices.DeleteFunc(slices.Clone(results), func(r *result.Result) bool { return r.Experiment.Name == AccuracyVsReturn })
	var mx, tm *result.Result
	for _, r := range out {
		switch r.Experiment.Name {
		case "matrix":
			mx = r
		case "trained_matrix":
			tm = r
		}
	}
	if mx == nil || tm == nil || mx.Matrix == nil || tm.Matrix == nil || len(tm.Matrix.Cells) == 0 {
		return out
	}
	if d := accuracyVsReturn(mx, tm); d != nil {
		out = append(out, d)
	}
	return out
}

func accuracyVsReturn(mx, tm *result.Result) *result.Result {
	type key struct{ method, env, metric string }
	seeds := map[key][]float64{} // both results' rows (their metrics differ)
	for _, r := range []*result.Result{tm, mx} {
		for _, row := range r.Rows {
			seeds[key{row.Method, row.Env, row.Metric}] = row.Seeds
		}
	}
	res := &result.Result{Experiment: result.Experiment{
		Name:  AccuracyVsReturn,
		Title: "Does credit accuracy predict training? The credit matrix against the trained-return matrix",
		Paper: "credo lab (no paper)",
		Claim: "A method whose credit correlates better with A^π at the initial policy (the matrix's Pearson) trains faster " +
			"and further (the trained matrix's auc_return and final return): Spearman's rank correlation across methods, per " +
			"environment and seed, read off the two experiments' results (nothing is run).",
	}, Config: map[string]any{
		"accuracy": "matrix: Pearson(Â, A^π) per seed at the initial policy",
		"training": "trained_matrix: auc_return and return per seed, each method at its tuned rate",
		"pairing":  "seed k of one with seed k of the other (independent replicates); the row is the mean over seeds",
	}}
	if mx.Source != nil || tm.Source != nil {
		res.Source = &result.Source{Label: "read off " + sourceLabel(mx) + " and " + sourceLabel(tm)}
		if tm.Source != nil {
			res.Source.Seeds, res.Source.Quick = tm.Source.Seeds, tm.Source.Quick
		}
	}
	for _, env := range tm.Matrix.Envs {
		if !slices.Contains(mx.Matrix.Envs, env) {
			continue
		}
		var acc, auc, fin [][]float64 // per method, per seed
		var used []string
		for _, m := range tm.Matrix.Methods {
			a := seeds[key{m, env, "pearson"}]
			u, f := seeds[key{m, env, "auc_return"}], seeds[key{m, env, "return"}]
			if len(a) == 0 || len(a) != len(u) || len(u) != len(f) || !allFinite(a, u, f) {
				continue
			}
			acc, auc, fin = append(acc, a), append(auc, u), append(fin, f)
			used = append(used, m)
		}
		if len(used) < minRankMethods {
			continue
		}
		res.Experiment.Envs = append(res.Experiment.Envs, env)
		perSeed := func(y [][]float64) []float64 {
			var out []float64
			for k := range acc[0] {
				xs, ys := make([]float64, len(acc)), make([]float64, len(acc))
				for i := range acc {
					xs[i], ys[i] = acc[i][k], y[i][k]
				}
				if rho := score.Spearman(xs, ys); !math.IsNaN(rho) {
					out = append(out, rho)
				}
			}
			return out
		}
		label := "credit accuracy vs training, over " + strconv.Itoa(len(used)) + " methods"
		res.Rows = append(res.Rows, result.RowOf(env, label, "rank_corr_auc_return", perSeed(auc)),
			result.RowOf(env, label, "rank_corr_return", perSeed(fin)))
	}
	if len(res.Rows) == 0 {
		return nil
	}
	res.Notes = append(res.Notes,
		"The matrix scores each environment in its default configuration; the trained matrix uses harder options on some "+
			"(see its configuration's envs), so a correlation here is between accuracy on the default task and training on the harder one.",
		"A seed whose methods all share one value (no ranking) is left out of its row.")
	return res
}

func allFinite(xss ...[]float64) bool {
	for _, xs := range xss {
		for _, x := range xs {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return false
			}
		}
	}
	return true
}

func sourceLabel(r *result.Result) string {
	if r.Source != nil {
		return r.Experiment.Name + " (" + r.Source.Label + ")"
	}
	return r.Experiment.Name
}
