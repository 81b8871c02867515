package group

import (
	"fmt"

	"github.com/credo-rl/credo/internal/arrays"
	"github.com/credo-rl/credo/internal/groups"
)

// BRPO baselines (AnytimeReasoner's variance_reduction).
const (
	BRPOBaseline = "brpo"   // (j·V1 + (S-j)·V2) / S
	BRPOV1Only   = "v1only" // the trace's own earlier budgets
	BRPOV2Only   = "v2only" // the group mean (GRPO-like)
	BRPONone     = "none"   // no baseline
)

// BRPOOptions are the hyper-parameters of BRPO's thinking advantage.
type BRPOOptions struct {
	// Prior names the budget prior p_B when BudgetProbs is nil: "uniform"
	// (default), "linear" (p_j ∝ j+1, i.e. ∝ the budget b_j for equally
	// spaced budgets) or "base" (all mass on the last budget).
	Prior string
	// BudgetProbs, when not nil, is p_B itself, one weight per budget
	// (normalised to sum 1); every trace must then have len(BudgetProbs)
	// budgets.
	BudgetProbs []float64
	// Discount is the base of the weights 2^j of V1 (default 2.0).
	Discount float64
	// Baseline is BRPOBaseline (default), BRPOV1Only, BRPOV2Only or BRPONone.
	Baseline string
}

// DefaultBRPOOptions returns the uniform prior, discount 2, baseline "brpo".
func DefaultBRPOOptions() BRPOOptions {
	return BRPOOptions{Prior: "uniform", Discount: 2, Baseline: BRPOBaseline}
}

// BudgetPrior returns the normalised budget prior p_B over S budgets named
// by prior ("uniform", "linear" ∝ j+1, "base" = all mass on the last).
func BudgetPrior(prior string, S int) ([]float64, error) {
	if S <= 0 {
		return nil, fmt.Errorf("brpo: %d budgets, want at least 1", S)
	}
	p := make([]float64, S)
	switch prior {
	case "uniform":
		for j := range p {
			p[j] = 1 / float64(S)
		}
	case "linear":
		tot := float64(S*(S+1)) / 2
		for j := range p {
			p[j] = float64(j+1) / tot
		}
	case "base":
		p[S-1] = 1
	default:
		return nil, fmt.Errorf("brpo: budget prior %q, want uniform, linear or base", prior)
	}
	return p, nil
}

// BRPOResult holds BRPO's per-budget quantities, each [row][S].
type BRPOResult struct {
	// Advantages are R - baseline: the credit of the thinking segment j.
	Advantages [][]float64
	// Returns are R_{g,j} = Σ_{j'>=j} p_B(j')·s_{g,j'}.
	Returns [][]float64
	// V1 is the trace's own-history baseline, V2 the group mean of R.
	V1, V2 [][]float64
}

// BRPO computes the budget-relative advantage of each thinking segment.
// scores[i][j] is s_{g,j}: the mean score of the answers (summaries) forced
// after truncating trace i at budget j (j = 0..S-1, increasing budgets).
// With p_B the normalised budget prior:
//
//	R_{g,j}  = Σ_{j'>=j} p_B(j') · s_{g,j'}
//	V2_{g,j} = mean over the traces g' of the group of R_{g',j}   (0 when the group has one trace)
//	V1_{g,j} = [Σ_{j'<j} d^{j'} s_{g,j'} / Σ_{j'<j} d^{j'}] · Σ_{j'>=j} p_B(j')   (0 at j = 0; d = Discount)
//	baseline = (j·V1 + (S-j)·V2) / S   (brpo), V1 (v1only), V2 (v2only) or 0 (none)
//	A_{g,j}  = R_{g,j} - baseline
//
// Early budgets lean on the group mean, late ones on the trace's own
// earlier scores. All traces of a group must have the same number of
// budgets S (different groups may differ unless BudgetProbs is given).
// Quirk reproduced: a group of one trace has V2 = 0, not its own return.
//
// Paper: "Optimizing Anytime Reasoning via Budget Relative Policy
// Optimization" (arXiv:2505.13438), methods.md #26. Reference:
// sail-sg/AnytimeReasoner verl/verl/trainer/ppo/brpo.py::compute_cot_advantage
// (commit not pinned in the catalogue).
func BRPO(scores [][]float64, index []string, opt BRPOOptions) (*BRPOResult, error) {
	const est = "brpo"
	g, n, err := denseIndex(est, index, "scores", len(scores))
	if err != nil {
		return nil, err
	}
	switch opt.Baseline {
	case BRPOBaseline, BRPOV1Only, BRPOV2Only, BRPONone:
	default:
		return nil, fmt.Errorf("%s: baseline %q, want brpo, v1only, v2only or none", est, opt.Baseline)
	}
	if !arrays.Finite(opt.Discount) || opt.Discount <= 0 {
		return nil, fmt.Errorf("%s: discount is %v, want a finite number > 0", est, opt.Discount)
	}
	S := make([]int, n)
	for k := range S {
		S[k] = -1
	}
	for i, row := range scores {
		if len(row) == 0 {
			return nil, fmt.Errorf("%s: scores row %d has no budgets", est, i)
		}
		if err := checkFinite(est, fmt.Sprintf("scores row %d budget", i), row); err != nil {
			return nil, err
		}
		switch k := g[i]; {
		case S[k] < 0:
			S[k] = len(row)
		case S[k] != len(row):
			return nil, fmt.Errorf("%s: scores row %d has %d budgets, an earlier row of group %q has %d", est, i, len(row), index[i], S[k])
		}
	}
	var fixed []float64
	if opt.BudgetProbs != nil {
		tot := 0.0
		for j, p := range opt.BudgetProbs {
			if !arrays.Finite(p) || p < 0 {
				return nil, fmt.Errorf("%s: budget_probs[%d] is %v, want a finite weight >= 0", est, j, p)
			}
			tot += p
		}
		if tot <= 0 {
			return nil, fmt.Errorf("%s: budget_probs sum to %v, want > 0", est, tot)
		}
		fixed = make([]float64, len(opt.BudgetProbs))
		for j, p := range opt.BudgetProbs {
			fixed[j] = p / tot
		}
	}
	prior := make([][]float64, n)
	for k, s := range S {
		if fixed != nil {
			if s != len(fixed) {
				return nil, fmt.Errorf("%s: group %d has %d budgets, budget_probs has %d", est, k, s, len(fixed))
			}
			prior[k] = fixed
			continue
		}
		if prior[k], err = BudgetPrior(opt.Prior, s); err != nil {
			return nil, err
		}
	}
	res := &BRPOResult{
		Advantages: make([][]float64, len(scores)),
		Returns:    make([][]float64, len(scores)),
		V1:         make([][]float64, len(scores)),
		V2:         make([][]float64, len(scores)),
	}
	for i, s := range scores {
		p := prior[g[i]]
		R := make([]float64, len(s))
		acc := 0.0
		for j := len(s) - 1; j >= 0; j-- {
			acc += p[j] * s[j]
			R[j] = acc
		}
		res.Returns[i] = R
	}
	sumR := make([][]float64, n)
	count := groups.Sizes(g, n)
	for i, R := range res.Returns {
		k := g[i]
		if sumR[k] == nil {
			sumR[k] = make([]float64, len(R))
		}
		for j, r := range R {
			sumR[k][j] += r
		}
	}
	for i, s := range scores {
		k := g[i]
		p := prior[k]
		Sk := len(s)
		// tail[j] = Σ_{j'>=j} p(j')
		tail := make([]float64, Sk)
		acc := 0.0
		for j := Sk - 1; j >= 0; j-- {
			acc += p[j]
			tail[j] = acc
		}
		v1 := make([]float64, Sk)
		v2 := make([]float64, Sk)
		adv := make([]float64, Sk)
		var num, den float64
		d := 1.0
		for j := 0; j < Sk; j++ {
			if j > 0 {
				v1[j] = num / den * tail[j]
			}
			num += d * s[j]
			den += d
			d *= opt.Discount
			if count[k] > 1 {
				v2[j] = sumR[k][j] / float64(count[k])
			}
			var base float64
			switch opt.Baseline {
			case BRPOBaseline:
				base = (float64(j)*v1[j] + float64(Sk-j)*v2[j]) / float64(Sk)
			case BRPOV1Only:
				base = v1[j]
			case BRPOV2Only:
				base = v2[j]
			}
			adv[j] = res.Returns[i][j] - base
		}
		res.V1[i], res.V2[i], res.Advantages[i] = v1, v2, adv
	}
	return res, nil
}

// BRPOSummaryAdvantages returns the advantage of each forced answer
// (summary) for BRPO's decoupled summary policy. summaries[i][j] holds the
// scores of the summaries generated after truncating trace i at budget j.
//
//	no split has more than one summary: A = score - mean over the group's traces of their summary at budget j
//	otherwise:                          A = score - mean of the split's own summaries (0 for a split of one)
//
// The second rule compares answers that share the same thinking prefix.
// Splits may be empty (no summary at that budget).
// Quirk reproduced: when splits hold several summaries, a split holding only
// one gets baseline 0 (the reference's mean 0 / std 1 convention), so its
// advantage is its raw score.
//
// Paper: arXiv:2505.13438, methods.md #26. Reference: sail-sg/AnytimeReasoner
// verl/verl/trainer/ppo/brpo.py::compute_summary_advantage (summary method
// "brpo").
func BRPOSummaryAdvantages(summaries [][][]float64, index []string) ([][][]float64, error) {
	const est = "brpo"
	g, n, err := denseIndex(est, index, "summaries", len(summaries))
	if err != nil {
		return nil, err
	}
	single := true
	for i, row := range summaries {
		for j, split := range row {
			if err := checkFinite(est, fmt.Sprintf("summaries row %d budget %d", i, j), split); err != nil {
				return nil, err
			}
			if len(split) > 1 {
				single = false
			}
		}
	}
	out := make([][][]float64, len(summaries))
	if single {
		// Group mean at each budget index.
		sum := make([][]float64, n)
		cnt := make([][]int, n)
		for i, row := range summaries {
			k := g[i]
			for len(sum[k]) < len(row) {
				sum[k] = append(sum[k], 0)
				cnt[k] = append(cnt[k], 0)
			}
			for j, split := range row {
				if len(split) == 1 {
					sum[k][j] += split[0]
					cnt[k][j]++
				}
			}
		}
		for i, row := range summaries {
			k := g[i]
			out[i] = make([][]float64, len(row))
			for j, split := range row {
				if len(split) == 1 {
					out[i][j] = []float64{split[0] - sum[k][j]/float64(cnt[k][j])}
				} else {
					out[i][j] = []float64{}
				}
			}
		}
		return out, nil
	}
	for i, row := range summaries {
		out[i] = make([][]float64, len(row))
		for j, split := range row {
			base := 0.0
			if len(split) > 1 {
				for _, x := range split {
					base += x
				}
				base /= float64(len(split))
			}
			a := make([]float64, len(split))
			for m, x := range split {
				a[m] = x - base
			}
			out[i][j] = a
		}
	}
	return out, nil
}
