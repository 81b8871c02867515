package reward

// The registry binding of r3, beside its estimator (mixture.go).

import (
	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Parameters of r3.
var (
	pR3Channels = credit.StringParam{Param: credit.Param{Name: "channels", Kind: credit.String, Default: "relevance,outcome", Doc: "comma-separated reward channels to mix: the relevance reward first, then the regularising channels", Origin: credit.Channel}}
	pR3Weights  = credit.StringParam{Param: credit.Param{Name: "weights", Kind: credit.String, Default: "0.5,0.5", Doc: "comma-separated weights ≥ 0, one per channel (empty = equal)", Origin: credit.NotInPaper("equal weights: neither the learned relevance reward nor its regulariser dominates"), Validate: validWeights}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "r3",
		Summary: "R³: a regularised relevance reward, the weighted mixture of a learned relevance reward with other channels (Σ w_k r_k / Σ w_k), then the base method",
		Params: credit.Params(
			pBase.From(credit.ByCredo("the paper's RL trainer is GRPO-style (recalled); any registered method can be named")),
			pR3Channels,
			pR3Weights,
			pBaseParams,
		),
		Inputs:  []credit.Input{credit.InGroup, credit.ChannelInput(pR3Channels, "the channels to mix"), inBase},
		ReadsOf: credit.StageReads(credit.ReadsMask),
		Outputs: stageOutputs,
		Scope:   credit.ScopeGroup,
		ScopeOf: credit.StageScope,
		Inferred: []credit.Inferred{
			{What: "r = Σ w_k r_k / Σ w_k over the relevance reward and its regularising channels, equal weights", Origin: credit.ByCredo("the catalogue gives only \"mixture reward to reduce hacking of a relevance reward\"; the regulariser is a weighted mixture")},
		},
		Provenance: credit.Provenance{Paper: "R³: Regularized Relevance Reward (title as in methods.md §1 row 85)", SpecRow: 85},
		Notes:      "stage: reads rewards.<c> for each of channels; advantages and returns are the base method's",
		Run: func(b *rollout.Batch, v credit.Values) error {
			r, err := mixtureRewards(b, v, pR3Channels, pR3Weights)
			if err != nil {
				return err
			}
			return credit.RunBase("r3", b, v, r)
		},
	})
}
