package token

// The registry binding of preplan_anchor, beside its estimator.

import (
	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Parameters of preplan_anchor.
var (
	pPreplanAnchorStrategy     = credit.StringParam{Param: credit.Param{Name: "strategy", Kind: credit.String, Default: StrategyCoupled, Choices: []string{StrategyPreplan, StrategyAnchor, StrategyCoupled}, Doc: "tokens amplified: preplan, anchor, or anchors with their preplan token", Origin: credit.NotInPaper("the paper's third strategy, the anchor with its preplan token (coupling), which uses both metrics")}}
	pPreplanAnchorScale        = credit.FloatParam{Param: credit.Param{Name: "scale", Kind: credit.Float, Default: 1.5, Doc: "amplification factor of a selected token's advantage (1 = identity)", Origin: credit.NotInPaper("1.5 amplifies a selected token by half; the paper's factors are not given"), Range: credit.NonNeg}}
	pPreplanAnchorPreplanRatio = credit.FloatParam{Param: credit.Param{Name: "preplan_ratio", Kind: credit.Float, Default: 0.1, Doc: "fraction of policy tokens selected as preplan tokens", Origin: credit.NotInPaper("the top 10% of tokens by WAAD; the paper's top-k ratios are not given"), Range: credit.Unit}}
	pPreplanAnchorAnchorRatio  = credit.FloatParam{Param: credit.Param{Name: "anchor_ratio", Kind: credit.Float, Default: 0.1, Doc: "fraction of policy tokens selected as anchor tokens", Origin: credit.NotInPaper("the top 10% of tokens by FAI; the paper's top-k ratios are not given"), Range: credit.Unit}}
	pPreplanAnchorWindow       = credit.IntParam{Param: credit.Param{Name: "window", Kind: credit.Int, Default: 1, Doc: "coupled: tokens before an anchor searched for its preplan token", Origin: credit.NotInPaper("the preplan token of an anchor is searched in the token just before it"), Range: credit.AtLeast(0)}}
	pPreplanAnchorPreplanRule  = credit.StringParam{Param: credit.Param{Name: "preplan_rule", Kind: credit.String, Default: PreplanTop, Choices: []string{PreplanTop, PreplanRise}, Doc: "rank preplan tokens by WAAD or by its rise", Origin: credit.NotInPaper("rank by WAAD itself; its rise is the alternative reading of \"peaks\"")}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "preplan_anchor",
		Summary: "attention-guided credit: amplify advantages on preplan (WAAD) and anchor (FAI) tokens, over a base method",
		Params: credit.Params(pBase, pBaseParams,
			pPreplanAnchorStrategy,
			pPreplanAnchorScale,
			pPreplanAnchorPreplanRatio,
			pPreplanAnchorAnchorRatio,
			pPreplanAnchorWindow,
			pPreplanAnchorPreplanRule,
			credit.Reward),
		Inputs: []credit.Input{
			scoreInput("waad", "windowed average attention distance per token", func(v credit.Values) bool { return pPreplanAnchorStrategy.Get(v) != StrategyAnchor }),
			scoreInput("fai", "future attention influence per token", func(v credit.Values) bool { return pPreplanAnchorStrategy.Get(v) != StrategyPreplan }),
			{Name: "inputs of the base method", Doc: "checked when the base runs"}},
		ReadsOf: credit.StageReads(credit.ReadsMask | credit.ReadsTokenScores),
		Outputs: stageOutputs,
		Scope:   credit.ScopeGroup,
		ScopeOf: credit.StageScope,
		Inferred: []credit.Inferred{
			{What: "coupling: each anchor (top FAI) and its preplan token, the highest-WAAD policy token in [anchor − window, anchor], are amplified", Origin: credit.NotInPaper("the paper names the coupling without a rule")},
			{What: "amplification A·scale (scale 1.5) on selected tokens; top 10% by WAAD and by FAI", Origin: credit.NotInPaper("factors and ratios are not given")},
		},
		Provenance: paperAttn,
		Notes:      "stage: runs base and multiplies its advantages by scale on the selected tokens; reads token_scores.waad and token_scores.fai; selection rules, scale and ratios are credo's choices (paper's NOT FOUND); returns are the base's",
		Run:        runPreplanAnchor,
	})
}

func runPreplanAnchor(b *rollout.Batch, v credit.Values) error {
	opt := PreplanAnchorOptions{Strategy: pPreplanAnchorStrategy.Get(v), Scale: pPreplanAnchorScale.Get(v),
		PreplanRatio: pPreplanAnchorPreplanRatio.Get(v), AnchorRatio: pPreplanAnchorAnchorRatio.Get(v),
		Window: pPreplanAnchorWindow.Get(v), PreplanRule: pPreplanAnchorPreplanRule.Get(v)}
	if err := opt.check("preplan_anchor"); err != nil {
		return err
	}
	var waad, fai [][]float64
	var err error
	if opt.needWAAD() {
		if waad, err = rows(b, "token_scores.waad", func(t *rollout.Trajectory) []float64 { return t.Scores["waad"] }); err != nil {
			return err
		}
	}
	if opt.needFAI() {
		if fai, err = rows(b, "token_scores.fai", func(t *rollout.Trajectory) []float64 { return t.Scores["fai"] }); err != nil {
			return err
		}
	}
	w, err := PreplanAnchorWeights(waad, fai, credit.Masks(b), opt)
	if err != nil {
		return err
	}
	if err := runBase("preplan_anchor", b, v); err != nil {
		return err
	}
	adv, err := ApplyWeights(advantagesOf(b), w)
	if err != nil {
		return err
	}
	storeAdvantages(b, adv)
	return nil
}
