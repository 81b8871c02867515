package result

import (
	"fmt"
	"math"

	"github.com/credo-rl/credo/lab/score"
)

// Paired comparisons of two methods (or variants) over seeds: the
// verdicts of an experiment's findings.

// RowOf is one row: the per-seed values v of metric and their interval,
// clipped to the metric's range.
func RowOf(env, method, metric string, v []float64) Row {
	lo, hi := MetricRange(metric)
	return Row{Env: env, Method: method, Metric: metric, Value: score.CI95In(v, lo, hi), Seeds: v}
}

// MetricRange is the range [lo, hi] a metric can take; intervals are
// clipped to it (a success rate's interval never goes below 0).
func MetricRange(metric string) (lo, hi float64) {
	inf := math.Inf(1)
	switch metric {
	case "success", "auc_success", "true_reward", "auc_true_reward", "sign_agreement", "sub_sign_agreement",
		"coverage", "mean_effective_ratio", "mean_effective_sample_ratio", "proxy_min_prm", "proxy_mean_prm", "critic_coverage":
		return 0, 1
	case "pearson", "spearman", "cosine", "sub_pearson", "rank_corr_auc_return", "rank_corr_return", "mean_credit_pearson", "hacking_gap", "auc_hacking_gap", "hacking_gap_min":
		return -1, 1
	case "rel_mse", "rel_bias", "rel_var", "mean_credit_rel_mse", "grad_var", "grad_rel_var", "auc_grad_var", "auc_grad_rel_var",
		"entropy", "exploitability", "auc_exploitability", "length", "fillers", "proxy_sum_prm", "samples":
		return 0, inf
	}
	return -inf, inf
}

// Practical-significance margins: a difference smaller than the margin
// is "equivalent" even when it is statistically detectable. Metrics on a
// [0, 1] or [−1, 1] scale (success probability, expected reward, shares,
// correlations, sign agreement, relative MSE, hacking gap) use 0.05;
// exploitability 0.02 (the games' values are of order 1); entropies 0.05
// nats; scale-free quantities (gradient variances) 10% of A's mean.
const (
	marginUnit    = 0.05
	marginExploit = 0.02
)

// MarginFor is the practical-significance margin of a metric (va: the
// reference A's per-seed values, for relative margins).
func MarginFor(key string, va []float64) float64 {
	switch key {
	case "grad_var", "grad_rel_var", "auc_grad_var", "auc_grad_rel_var":
		return relMargin(0.1, va)
	case "exploitability", "auc_exploitability":
		return marginExploit
	case "length", "fillers":
		// Counts per response: 5% of A's mean (credo's choice).
		return relMargin(0.05, va)
	}
	return marginUnit
}

// relMargin is frac·|mean of va| (for metrics without a natural scale).
func relMargin(frac float64, va []float64) float64 {
	m := score.CI95(va).Mean
	if math.IsNaN(m) {
		return math.NaN()
	}
	return frac * math.Abs(m)
}

// Test kinds of a finding.
const (
	SuperiorityTest    = "superiority"
	NonInferiorityTest = "non-inferiority"
)

// alpha is the family-wise error rate of an experiment's findings (Holm).
const alpha = 0.05

// Paired compares B with A over seeds on the metric key (finals' key):
// the claim is that B's metric is higher (higherBetter) or lower than A's
// by a practically relevant amount (MarginFor(key)). Intervals are
// clipped to the metric's range. The verdict is settled over the
// experiment's findings by Settle (Holm correction); Paired alone settles
// a family of one.
func Paired(claim, metric, env, a, b, key string, va, vb []float64, higherBetter bool) Finding {
	d := make([]float64, len(va))
	for i := range va {
		d[i] = vb[i] - va[i]
	}
	lo, hi := MetricRange(key)
	ia, ib, id := score.CI95In(va, lo, hi), score.CI95In(vb, lo, hi), score.CI95In(d, lo-hi, hi-lo)
	margin := MarginFor(key, va)
	dir := "higher"
	if !higherBetter {
		dir = "lower"
	}
	f := Finding{Claim: claim, Metric: fmt.Sprintf("%s (claim: B %s than A)", metric, dir), Env: env, A: a, B: b,
		ValueA: &ia, ValueB: &ib, Diff: &id, Test: SuperiorityTest, Margin: margin, HigherBetter: higherBetter, diffs: d,
		Bound: atBound(ia.Mean, ib.Mean, lo, hi, margin)}
	f.test()
	fs := []Finding{f}
	Settle(fs)
	return fs[0]
}

// atBound names the end of the range [lo, hi] within margin of which both
// means a and b lie, or "" (also for unbounded ends and NaN means).
func atBound(a, b, lo, hi, margin float64) string {
	switch {
	case math.IsNaN(a) || math.IsNaN(b) || math.IsNaN(margin):
		return ""
	case !math.IsInf(hi, 0) && a >= hi-margin && b >= hi-margin:
		return "the upper bound " + Num(hi)
	case !math.IsInf(lo, 0) && a <= lo+margin && b <= lo+margin:
		return "the lower bound " + Num(lo)
	}
	return ""
}

// NonInferior checks the claim "B is not worse than A by more than margin"
// (higher is better): H0: E[B − A] = −margin, two-sided t test; agree when
// rejected with the mean above −margin, disagree when rejected below.
func NonInferior(claim, metric, env, a, b, key string, va, vb []float64, margin float64) Finding {
	f := Paired(claim, metric, env, a, b, key, va, vb, true)
	f.Metric = fmt.Sprintf("%s (claim: B ≥ A − %g)", metric, margin)
	f.Test, f.Margin = NonInferiorityTest, margin
	lo, hi := MetricRange(key)
	f.Bound = atBound(f.ValueA.Mean, f.ValueB.Mean, lo, hi, margin)
	f.test()
	fs := []Finding{f}
	Settle(fs)
	return fs[0]
}

// test computes the finding's raw p-values from its per-seed differences.
func (f *Finding) test() {
	f.P, f.PEquiv = score.Float(math.NaN()), score.Float(math.NaN())
	if f.diffs == nil {
		return
	}
	switch f.Test {
	case NonInferiorityTest:
		p, _ := score.TTest(f.diffs, -f.Margin)
		f.P = score.Float(p)
	default:
		p, _ := score.TTest(f.diffs, 0)
		f.P = score.Float(p)
		f.PEquiv = score.Float(score.TOST(f.diffs, f.Margin))
	}
}

// Settle assigns the verdicts of one experiment's findings. The p-values
// of the difference tests are Holm-adjusted over the findings (one family,
// family-wise error α = 0.05), the equivalence (TOST) p-values over the
// findings as a second family. With d = B − A oriented so that positive
// is the claimed direction and δ the finding's margin:
//
//   - agree: the difference is significant (adjusted p < α) and d̄ ≥ δ;
//   - disagree: significant and d̄ ≤ −δ;
//   - equivalent: significant with |d̄| < δ (a real but negligible
//     difference), or the equivalence test rejects |d| ≥ δ;
//   - inconclusive: otherwise (also with fewer than 2 seeds).
//
// A non-inferiority finding tests H0: d = −δ; agree when rejected with
// d̄ > −δ, disagree when rejected with d̄ < −δ, inconclusive otherwise.
//
// A finding whose A and B both lie within δ of the same end of the
// metric's range (Bound: both at the ceiling, or both at the floor) is
// inconclusive where it would be equivalent or, for non-inferiority,
// agree: a task both methods solve (or both fail) cannot tell them apart.
func Settle(fs []Finding) {
	p, pe := make([]float64, len(fs)), make([]float64, len(fs))
	for i := range fs {
		p[i], pe[i] = float64(fs[i].P), float64(fs[i].PEquiv)
		if fs[i].diffs == nil && fs[i].Diff == nil {
			p[i], pe[i] = math.NaN(), math.NaN()
		}
	}
	pa, pea := score.Holm(p), score.Holm(pe)
	for i := range fs {
		f := &fs[i]
		f.PAdj, f.PEquivAdj = score.Float(pa[i]), score.Float(pea[i])
		if f.Diff == nil || f.Diff.N < 2 || math.IsNaN(f.Diff.Mean) || math.IsNaN(pa[i]) {
			f.Verdict = Inconclusive
			if f.Detail == "" {
				f.Detail = "fewer than 2 seeds with a value: no test"
			}
			continue
		}
		m := f.Diff.Mean
		if !f.HigherBetter {
			m = -m
		}
		sig := pa[i] < alpha
		delta := f.Margin
		f.Detail = ""
		ceiling := func() {
			f.Verdict = Inconclusive
			f.Detail = fmt.Sprintf("A and B both lie within the margin %s of %s of the metric: the task cannot separate them", Num(delta), f.Bound)
		}
		if f.Test == NonInferiorityTest {
			switch {
			case f.Bound != "" && !(sig && m < -delta):
				ceiling()
			case sig && m > -delta:
				f.Verdict = Agree
			case sig && m < -delta:
				f.Verdict = Disagree
			default:
				f.Verdict = Inconclusive
				f.Detail = fmt.Sprintf("B − A is not distinguishable from the margin −%s (Holm-adjusted p = %s)", Num(delta), Num(pa[i]))
			}
			continue
		}
		switch {
		case f.Bound != "" && !(sig && (m >= delta || m <= -delta)):
			ceiling()
		case sig && m >= delta:
			f.Verdict = Agree
		case sig && m <= -delta:
			f.Verdict = Disagree
		case sig:
			f.Verdict = Equivalent
			f.Detail = fmt.Sprintf("significant but smaller than the practical margin %s", Num(delta))
		case pea[i] < alpha:
			f.Verdict = Equivalent
			f.Detail = fmt.Sprintf("B − A lies within ±%s (equivalence test, Holm-adjusted p = %s)", Num(delta), Num(pea[i]))
		default:
			f.Verdict = Inconclusive
			f.Detail = fmt.Sprintf("neither a difference (Holm-adjusted p = %s) nor equivalence within ±%s shown", Num(pa[i]), Num(delta))
		}
	}
}
