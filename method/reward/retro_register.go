package reward

// The registry binding of retro_star, beside its estimator (mixture.go).

import (
	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Parameters of retro_star.
var (
	pRetroStarChannels        = credit.StringParam{Param: credit.Param{Name: "channels", Kind: credit.String, Default: "relevance", Doc: "comma-separated rubric relevance channels (e.g. per-rubric scores scaled to [0, 1])", Origin: credit.Channel}}
	pRetroStarWeights         = credit.StringParam{Param: credit.Param{Name: "weights", Kind: credit.String, Default: "", Doc: "comma-separated weights ≥ 0, one per channel (empty = equal)", Origin: credit.ByCredo("equal weights over the rubric channels"), Validate: validWeights}}
	pRetroStarFormat          = credit.StringParam{Param: credit.Param{Name: "format", Kind: credit.String, Default: "format", Doc: "reward channel gating the score (empty = no gate)", Origin: credit.Channel}}
	pRetroStarFormatThreshold = credit.FloatParam{Param: credit.Param{Name: "format_threshold", Kind: credit.Float, Default: 0.5, Doc: "the format passes when rewards.<format> >= format_threshold", Origin: credit.ByCredo("0/1 format rewards: passes when >= 0.5, as credo's correctness convention")}}
	pRetroStarFailReward      = credit.FloatParam{Param: credit.Param{Name: "fail_reward", Kind: credit.Float, Default: 0.0, Doc: "reward of a response whose format fails", Origin: credit.NotInPaper("0: no score without a parsable answer, and no extra penalty")}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "retro_star",
		Summary: "Retro*: composite retrieval reward, the weighted rubric-relevance channels paid only when the format channel passes (else fail_reward), then the base method",
		Params: credit.Params(
			pBase.From(credit.ByCredo("the paper's RL trainer is GRPO-style (recalled); any registered method can be named")),
			pRetroStarChannels,
			pRetroStarWeights,
			pRetroStarFormat,
			pRetroStarFormatThreshold,
			pRetroStarFailReward,
			pBaseParams,
		),
		Inputs:  []credit.Input{credit.InGroup, credit.ChannelInput(pRetroStarChannels, "the rubric channels"), credit.ChannelInput(pRetroStarFormat, "the format reward"), inBase},
		ReadsOf: credit.StageReads(credit.ReadsMask),
		Outputs: stageOutputs,
		Scope:   credit.ScopeGroup,
		ScopeOf: credit.StageScope,
		Inferred: []credit.Inferred{
			{What: "r = 1[format ≥ 0.5]·Σ w_k r_k / Σ w_k + 1[format < 0.5]·fail_reward", Origin: credit.ByCredo("the catalogue gives \"composite rewards for retrieval\" over rubric relevance scores; a format gate over a weighted mixture is credo's form")},
		},
		Provenance: credit.Provenance{Paper: "Retro*: rubric-based relevance scoring for reasoning-intensive retrieval (title as in methods.md §1 row 79)", SpecRow: 79},
		Notes:      "stage: reads rewards.<c> for each of channels and rewards.<format>; advantages and returns are the base method's",
		Run: func(b *rollout.Batch, v credit.Values) error {
			r, err := mixtureRewards(b, v, pRetroStarChannels, pRetroStarWeights)
			if err != nil {
				return err
			}
			if f := pRetroStarFormat.Get(v); f != "" {
				g, err := credit.ChannelValues(b, f)
				if err != nil {
					return err
				}
				if r, err = Gated(r, g, pRetroStarFormatThreshold.Get(v), pRetroStarFailReward.Get(v)); err != nil {
					return err
				}
			}
			return credit.RunBase("retro_star", b, v, r)
		},
	})
}
