package turn

// The registry binding of sotopia_rl, beside its estimator.

import (
	"fmt"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Parameters of sotopia_rl.
var (
	pSotopiaRlDims    = credit.StringParam{Param: credit.Param{Name: "dims", Kind: credit.String, Default: "goal,relationship,knowledge", Doc: "comma-separated reward dimensions (steps[].rewards.<dim>)", Origin: credit.FromPaper("method: goal completion, relationship and knowledge (recalled)")}}
	pSotopiaRlWeights = credit.StringParam{Param: credit.Param{Name: "weights", Kind: credit.String, Default: "", Doc: "comma-separated weights, one per dimension (empty = equal weights 1/D)", Origin: credit.NotInPaper("equal weights: how the dimensions combine is not given")}}
	pSotopiaRlNorm    = credit.StringParam{Param: credit.Param{Name: "norm", Kind: credit.String, Default: "group", Choices: []string{"group", "none"}, Doc: "normalise over the group's utterances or use the combined reward", Origin: credit.FromPaper("method: single-turn GRPO over the group's utterances")}}
	pSotopiaRlRole    = credit.StringParam{Param: credit.Param{Name: "role", Kind: credit.String, Default: "", Doc: "credit only the utterances of this role (empty = all)", Origin: credit.ByCredo("empty: every utterance is credited")}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "sotopia_rl",
		Summary: "Sotopia-RL: weighted multi-dimensional utterance rewards, GRPO-normalised within the group",
		Params: credit.Params(
			pSotopiaRlDims,
			pSotopiaRlWeights,
			pSotopiaRlNorm,
			pSotopiaRlRole,
			pNormByStd, pEpsilon,
		),
		Inputs:  []credit.Input{credit.InGroup, inTurns, inSotopiaDims},
		Reads:   credit.ReadsMask,
		Outputs: []string{"advantages", "returns"},
		Scope:   credit.ScopeGroup,
		Inferred: []credit.Inferred{
			{What: "utterance reward = equal-weight mean of the dimensions", Origin: credit.NotInPaper("how the dimensions combine is not given")},
		},
		Provenance: provSoto,
		Notes:      "utterances = top-level steps (of the role); returns = combined utterance reward; a group with one utterance gets 0",
		Run:        runSotopia,
	})
}

func runSotopia(b *rollout.Batch, v credit.Values) error {
	dims := credit.SplitList(pSotopiaRlDims.Get(v))
	if len(dims) == 0 {
		return fmt.Errorf("parameter dims: no reward dimension given")
	}
	w, err := credit.ParseFloats("weights", pSotopiaRlWeights.Get(v))
	if err != nil {
		return err
	}
	if w != nil && len(w) != len(dims) {
		return fmt.Errorf("parameter weights: %d weights for %d dimensions (%v)", len(w), len(dims), dims)
	}
	role := pSotopiaRlRole.Get(v)
	of, ng := groupIndex(b)
	n := len(b.Trajectories)
	spans := make([][]Span, n)
	use := make([][]bool, n)
	var x [][]float64
	var set []int
	for i, t := range b.Trajectories {
		idx, sp, err := turnsOf(t, i)
		if err != nil {
			return err
		}
		spans[i] = sp
		use[i] = make([]bool, len(idx))
		for k, si := range idx {
			s := t.Steps[si]
			if role != "" && s.Role != role {
				continue
			}
			use[i][k] = true
			row := make([]float64, len(dims))
			for d, name := range dims {
				row[d] = s.Rewards[name]
			}
			x = append(x, row)
			set = append(set, of[i])
		}
	}
	if pSotopiaRlNorm.Get(v) == string(NormNone) {
		set = nil
	}
	adv, comb, err := SotopiaRL(x, set, ng, SotopiaOptions{Weights: w, NormByStd: pNormByStd.Get(v), Epsilon: pEpsilon.Get(v)})
	if err != nil {
		return err
	}
	u := 0
	for i, t := range b.Trajectories {
		a := make([]float64, len(spans[i]))
		r := make([]float64, len(spans[i]))
		for k, ok := range use[i] {
			if ok {
				a[k], r[k] = adv[u], comb[u]
				u++
			}
		}
		t.Advantages = spread(t, spans[i], a)
		t.Returns = spread(t, spans[i], r)
	}
	return nil
}
