package group

import (
	"fmt"
	"strconv"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// BRPO's binding. A trajectory is one thinking trace. Its steps of kind
// budget_kind ("budget"), in the order they appear in steps, are the S
// thinking segments between consecutive truncation budgets. Each budget step
// carries its score s_{g,j} as rewards.<score>, or has children (steps of
// kind summary_kind whose parent is the budget step, inside its span) that
// each carry rewards.<score>; s_{g,j} is then their mean. The thinking tokens
// of budget j are its span minus its summary children; they get BRPO's
// advantage of segment j. Summary tokens get the summary advantage. Tokens
// outside every budget step get 0. All advantages are multiplied by the mask.

// brpoTrace is one trajectory's budget layout.
type brpoTrace struct {
	budgets   []int       // step indices of the budget steps
	summaries [][]int     // per budget, the step indices of its summary children
	scores    []float64   // s_{g,j}
	sumScores [][]float64 // per budget, the summary scores
}

func brpoLayout(t *rollout.Trajectory, v credit.Values) (*brpoTrace, error) {
	bk, sk, sc := pBrpoBudgetKind.Get(v), pBrpoSummaryKind.Get(v), pBrpoScore.Get(v)
	tr := &brpoTrace{}
	pos := map[int]int{}
	for i, s := range t.Steps {
		if s.Kind == bk {
			pos[i] = len(tr.budgets)
			tr.budgets = append(tr.budgets, i)
		}
	}
	if len(tr.budgets) == 0 {
		return nil, fmt.Errorf("no steps of kind %q", bk)
	}
	tr.summaries = make([][]int, len(tr.budgets))
	tr.sumScores = make([][]float64, len(tr.budgets))
	for i, s := range t.Steps {
		if s.Kind != sk || s.Parent == nil {
			continue
		}
		j, ok := pos[*s.Parent]
		if !ok {
			continue
		}
		r, ok := s.Rewards[sc]
		if !ok {
			return nil, fmt.Errorf("summary step %d has no rewards.%s", i, sc)
		}
		tr.summaries[j] = append(tr.summaries[j], i)
		tr.sumScores[j] = append(tr.sumScores[j], r)
	}
	tr.scores = make([]float64, len(tr.budgets))
	for j, si := range tr.budgets {
		if r, ok := t.Steps[si].Rewards[sc]; ok {
			tr.scores[j] = r
			continue
		}
		if len(tr.sumScores[j]) == 0 {
			return nil, fmt.Errorf("budget step %d has no rewards.%s and no summary children carrying it", si, sc)
		}
		m := 0.0
		for _, x := range tr.sumScores[j] {
			m += x
		}
		tr.scores[j] = m / float64(len(tr.sumScores[j]))
	}
	return tr, nil
}

func parseBudgetProbs(s string) (prior string, probs []float64, err error) {
	switch s {
	case "uniform", "linear", "base":
		return s, nil, nil
	}
	for _, x := range credit.SplitList(s) {
		f, err := strconv.ParseFloat(x, 64)
		if err != nil {
			return "", nil, fmt.Errorf("parameter budget_probs = %q: want uniform, linear, base or comma-separated weights", s)
		}
		probs = append(probs, f)
	}
	if len(probs) == 0 {
		return "", nil, fmt.Errorf("parameter budget_probs is empty")
	}
	return "", probs, nil
}

// Parameters of brpo.
var (
	pBrpoScore       = credit.StringParam{Param: credit.Param{Name: "score", Kind: credit.String, Default: "score", Doc: "step reward channel holding the score at a budget (on the budget step or on its summary children)", Origin: credit.Channel}}
	pBrpoBudgetKind  = credit.StringParam{Param: credit.Param{Name: "budget_kind", Kind: credit.String, Default: "budget", Doc: "step kind of the thinking segments, in budget order", Origin: credit.Channel}}
	pBrpoSummaryKind = credit.StringParam{Param: credit.Param{Name: "summary_kind", Kind: credit.String, Default: "summary", Doc: "step kind of the forced answers (children of a budget step)", Origin: credit.Channel}}
	pBrpoBudgetProbs = credit.StringParam{Param: credit.Param{Name: "budget_probs", Kind: credit.String, Default: "uniform", Doc: "budget prior p_B: uniform, linear (∝ j+1), base (all on the last) or comma-separated weights", Origin: credit.FromReference("sail-sg/AnytimeReasoner verl/verl/trainer/ppo/brpo.py::compute_cot_advantage (budget_probs uniform)")}}
	pBrpoDiscount    = credit.FloatParam{Param: credit.Param{Name: "discount", Kind: credit.Float, Default: 2.0, Doc: "base of the weights of the own-history baseline V1", Origin: credit.FromReference("sail-sg/AnytimeReasoner verl/verl/trainer/ppo/brpo.py::compute_cot_advantage (discount factor 2.0 of V1)"), Range: credit.Positive}}
	pBrpoBaseline    = credit.StringParam{Param: credit.Param{Name: "baseline", Kind: credit.String, Default: BRPOBaseline, Choices: []string{BRPOBaseline, BRPOV1Only, BRPOV2Only, BRPONone}, Doc: "variance reduction: brpo mix, v1only, v2only (GRPO-like) or none", Origin: credit.FromReference("sail-sg/AnytimeReasoner verl/verl/trainer/ppo/brpo.py::compute_cot_advantage (brpo)")}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "brpo",
		Summary: "BRPO (AnytimeReasoner): budget-relative advantage per thinking segment, baseline mixing the group mean and the trace's own earlier budgets",
		Params: credit.Params(
			pBrpoScore,
			pBrpoBudgetKind,
			pBrpoSummaryKind,
			pBrpoBudgetProbs,
			pBrpoDiscount,
			pBrpoBaseline,
		),
		Inputs: []credit.Input{credit.InGroup, {Name: "steps[kind=<budget_kind>].rewards.<score>", Doc: "per-budget scores (on budget steps or their summary children)",
			Has: func(t *rollout.Trajectory, v credit.Values) bool {
				_, err := brpoLayout(t, v)
				return err == nil
			}}},
		Reads:      credit.ReadsMask,
		Outputs:    []string{"advantages"},
		Scope:      credit.ScopeGroup,
		Provenance: credit.Provenance{Paper: "Optimizing Anytime Reasoning via Budget Relative Policy Optimization", ArXiv: "2505.13438", Reference: "sail-sg/AnytimeReasoner verl/verl/trainer/ppo/brpo.py::compute_cot_advantage, compute_summary_advantage", SpecRow: 26},
		Notes: "thinking tokens of budget j get R_j - (j·V1 + (S-j)·V2)/S; summary tokens get score - mean of their split (or of the group at budget j when every split has one summary); " +
			"a group of one trace has V2 = 0 (reference quirk); tokens outside budget steps get 0",
		Run: func(b *rollout.Batch, v credit.Values) error {
			prior, probs, err := parseBudgetProbs(pBrpoBudgetProbs.Get(v))
			if err != nil {
				return err
			}
			traces := make([]*brpoTrace, len(b.Trajectories))
			scores := make([][]float64, len(b.Trajectories))
			sums := make([][][]float64, len(b.Trajectories))
			for i, t := range b.Trajectories {
				tr, err := brpoLayout(t, v)
				if err != nil {
					return fmt.Errorf("trajectory %d (traj_uid %q): %w", i, t.ID, err)
				}
				traces[i], scores[i], sums[i] = tr, tr.scores, tr.sumScores
			}
			idx := credit.GroupIDs(b)
			res, err := BRPO(scores, idx, BRPOOptions{Prior: prior, BudgetProbs: probs, Discount: pBrpoDiscount.Get(v), Baseline: pBrpoBaseline.Get(v)})
			if err != nil {
				return err
			}
			sadv, err := BRPOSummaryAdvantages(sums, idx)
			if err != nil {
				return err
			}
			adv := make([][]float64, len(b.Trajectories))
			for i, t := range b.Trajectories {
				row := make([]float64, t.Len())
				tr := traces[i]
				for j, si := range tr.budgets {
					s := t.Steps[si]
					for k := s.Start; k < s.End; k++ {
						row[k] = res.Advantages[i][j]
					}
				}
				for j := range tr.budgets {
					for m, si := range tr.summaries[j] {
						s := t.Steps[si]
						for k := s.Start; k < s.End; k++ {
							row[k] = sadv[i][j][m]
						}
					}
				}
				for k := range row {
					row[k] *= t.MaskAt(k)
				}
				adv[i] = row
			}
			credit.Store(b, adv, nil)
			return nil
		},
	})
}
