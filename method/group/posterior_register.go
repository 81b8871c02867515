package group

// The registry binding of posterior_grpo, beside its estimator.

import (
	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Parameters of posterior_grpo.
var (
	pPosteriorGrpoFormat = credit.StringParam{Param: credit.Param{Name: "format", Kind: credit.String, Default: "format", Doc: "reward channel of the format reward (empty = none)", Origin: credit.Channel}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "posterior_grpo",
		Summary: "Posterior-GRPO: format + outcome + outcome·thinking reward (thinking counts only on success), then the base method",
		Params: credit.Params(
			pBase, credit.Reward, pThink,
			pPosteriorGrpoFormat,
			pBaseParams,
		),
		Inputs: []credit.Input{credit.InGroup, credit.InOutcome,
			credit.ChannelInput(pThink, "thinking-quality reward of each response"),
			credit.ChannelInput(pPosteriorGrpoFormat, "format reward of each response")},
		ReadsOf:    credit.StageReads(credit.ReadsMask | credit.ReadsTokenRewards),
		Outputs:    []string{"advantages", "returns"},
		Scope:      credit.ScopeGroup,
		ScopeOf:    credit.StageScope,
		Provenance: credit.Provenance{Paper: "Posterior-GRPO: Rewarding Reasoning Processes in Code Generation", ArXiv: "2508.05170", Reference: "formula from the third-party Wodlfvllf/grpo-composer", SpecRow: 86},
		Notes:      "R = R_f + R_o + R_o·R_t with R_o the outcome channel (0/1); the scope and returns are those of the base method",
		Run: func(b *rollout.Batch, v credit.Values) error {
			o, err := credit.Outcomes(b, credit.Reward.Get(v))
			if err != nil {
				return err
			}
			th, err := credit.ChannelValues(b, pThink.Get(v))
			if err != nil {
				return err
			}
			var f []float64
			if name := pPosteriorGrpoFormat.Get(v); name != "" {
				if f, err = credit.ChannelValues(b, name); err != nil {
					return err
				}
			}
			r, err := PosteriorRewards(f, o, th)
			if err != nil {
				return err
			}
			return credit.RunBase("posterior_grpo", b, v, r)
		},
	})
}
