package group

// The registry binding of lsc, beside its estimator.

import (
	"fmt"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Parameters of lsc.
var (
	pLscChannels  = credit.StringParam{Param: credit.Param{Name: "channels", Kind: credit.String, Default: "outcome", Doc: "comma-separated reward channels (reward-model scores) to transform and sum", Origin: credit.Channel}}
	pLscRef       = credit.StringParam{Param: credit.Param{Name: "ref", Kind: credit.String, Default: "channel", Choices: []string{"channel", "group_quantile"}, Doc: "reference reward: rewards.<channel><ref_suffix> per trajectory, or a quantile of the group's own rewards", Origin: credit.ByCredo("the per-prompt reference r_ref(x) is supplied by the caller; group_quantile approximates it from the group")}}
	pLscRefSuffix = credit.StringParam{Param: credit.Param{Name: "ref_suffix", Kind: credit.String, Default: "_ref", Doc: "suffix of the reference channels when ref=channel", Origin: credit.Channel}}
	pLscQuantile  = credit.FloatParam{Param: credit.Param{Name: "quantile", Kind: credit.Float, Default: 0.85, Doc: "quantile of the group's rewards when ref=group_quantile (paper: a high quantile of base-policy rewards, ~0.85 recalled)", Origin: credit.FromPaper("experiments: a high quantile, about 0.85, of base-policy rewards (recalled, not verified)"), Range: credit.Unit}}
)

func init() {
	lscChannels := func(v credit.Values) []string { return credit.SplitList(pLscChannels.Get(v)) }
	credit.Register(&credit.Method{
		Name:    "lsc",
		Summary: "LSC transform: u = Σ_k log σ(r_k - r_k,ref(x)) over reward channels (\"sum = AND\"), then the base method",
		Params: credit.Params(
			pBase.From(credit.ByCredo("the paper trains with KL-regularised PPO; verl.grpo is credo's critic-free stand-in, any registered method can be named")),
			pLscChannels,
			pLscRef,
			pLscRefSuffix,
			pLscQuantile,
			pBaseParams,
		),
		Inputs: []credit.Input{credit.InGroup, {Name: "rewards.<channels> (+ rewards.<channel><ref_suffix> when ref=channel)", Doc: "reward-model scores and their per-prompt reference",
			Has: func(t *rollout.Trajectory, v credit.Values) bool {
				for _, c := range lscChannels(v) {
					if _, ok := t.Rewards[c]; !ok {
						return false
					}
					if pLscRef.Get(v) == "channel" {
						if _, ok := t.Rewards[c+pLscRefSuffix.Get(v)]; !ok {
							return false
						}
					}
				}
				return true
			}}},
		ReadsOf: credit.StageReads(credit.ReadsMask),
		Outputs: []string{"advantages", "returns"},
		Scope:   credit.ScopeGroup,
		ScopeOf: credit.StageScope,
		Inferred: []credit.Inferred{
			{What: "r_ref = the group's 0.85 quantile (ref=group_quantile)", Origin: credit.ByCredo("approximates the paper's quantile of base-policy rewards with the group's own samples")},
		},
		Provenance: credit.Provenance{Paper: "Transforming and Combining Rewards for Aligning Large Language Models", ArXiv: "2402.00742", SpecRow: 60},
		Notes:      "the paper trains with KL-regularised PPO; here the transformed reward goes to the base method (default verl.grpo); group_quantile approximates the base-policy reference with the group's own samples",
		Run: func(b *rollout.Batch, v credit.Values) error {
			chs := lscChannels(v)
			if len(chs) == 0 {
				return fmt.Errorf("parameter channels is empty: want at least one reward channel")
			}
			idx := credit.GroupIDs(b)
			rs := make([][]float64, len(chs))
			refs := make([][]float64, len(chs))
			for k, c := range chs {
				var err error
				if rs[k], err = credit.ChannelValues(b, c); err != nil {
					return err
				}
				if pLscRef.Get(v) == "channel" {
					refs[k], err = credit.ChannelValues(b, c+pLscRefSuffix.Get(v))
				} else {
					refs[k], err = GroupQuantileRefs(rs[k], idx, pLscQuantile.Get(v))
				}
				if err != nil {
					return err
				}
			}
			u, err := LSC(rs, refs)
			if err != nil {
				return err
			}
			return credit.RunBase("lsc", b, v, u)
		},
	})
}
