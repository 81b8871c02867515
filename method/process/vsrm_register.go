package process

// The registry binding of vsrm, beside its estimator.

import (
	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Parameters of vsrm.
var (
	pVsrmLookaheadWindow = credit.IntParam{Param: credit.Param{Name: "lookahead_window", Kind: credit.Int, Default: 0, Doc: "later steps the look-ahead inspects (0 = unbounded)", Origin: credit.NotInPaper("the look-ahead reaches the next non-zero difference however far it is (the paper's idea; no window is given)"), Range: credit.AtLeast(0)}}
	pVsrmDecay           = credit.FloatParam{Param: credit.Param{Name: "decay", Kind: credit.Float, Default: 0.7, Doc: "decay per step of a borrowed difference", Origin: credit.NotInPaper("0.7 per step makes a borrowed difference fade within a few idle steps; the paper gives no value"), Range: credit.Unit}}
	pVsrmValueKey        = credit.StringParam{Param: credit.Param{Name: "value_key", Kind: credit.String, Default: "mc", Doc: "step value channel with the accuracy after the step", Origin: credit.Channel}}
	pVsrmInitFeature     = credit.StringParam{Param: credit.Param{Name: "init_feature", Kind: credit.String, Default: "mc_init", Doc: "feature with the accuracy before the first step (absent: d_0 = 0)", Origin: credit.Channel}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "vsrm",
		Summary: "VSRM: step reward = change in the accuracy of intermediate states, with a decayed look-ahead over idle steps (stage)",
		Params: credit.Params(
			pVsrmLookaheadWindow,
			pVsrmDecay,
			pVsrmValueKey,
			pVsrmInitFeature,
			pOutcomeCoef.WithDefault(1, credit.FromPaper("abstract: step rewards are added to the outcome reward")), pMaskSeparator.WithDefault(false, credit.ByCredo("no separator masking: the paper trains every token")), pEstimator, pEstimatorParams, pWriteTokenRewards, credit.Reward,
		),
		Inputs: []credit.Input{
			inStepSignal("steps[].values.<value_key>", "accuracy of forced answers after each step (MC probes)",
				func(s rollout.Step, v credit.Values) bool { _, ok := s.Values[pVsrmValueKey.Get(v)]; return ok }),
			inOutcomeIfCoef,
		},
		ReadsOf: stageReads(credit.ReadsMask),
		Outputs: []string{"advantages", "returns", "token_level_rewards (write_token_rewards)"},
		Scope:   credit.ScopeGroup,
		ScopeOf: stageScope(nil),
		Inferred: []credit.Inferred{
			{What: "look-ahead: an idle step borrows the next non-zero accuracy difference, unbounded window", Origin: credit.NotInPaper("the paper describes a look-ahead without a window")},
			{What: "decay 0.7 per step of a borrowed difference", Origin: credit.NotInPaper("no decay value is given")},
		},
		Provenance: credit.Provenance{Paper: "Promoting Efficient Reasoning with Verifiable Stepwise Reward", ArXiv: "2508.10293", SpecRow: 39},
		Notes:      "reads steps[].values.mc, features.mc_init, rewards.<reward>, response_mask; no reference code: window and decay are credo's choices",
		Run: runStage(func(t *rollout.Trajectory, v credit.Values) ([]float64, error) {
			acc := stepValue(t, pVsrmValueKey.Get(v))
			init, ok := credit.NumericFeature(t, pVsrmInitFeature.Get(v))
			return VSRMStepRewards(acc, init, ok, VSRMOptions{Window: pVsrmLookaheadWindow.Get(v), Decay: pVsrmDecay.Get(v)})
		}),
	})
}
