package reward

// The registry binding of adaptive_deep_reasoning, beside its estimator.

import (
	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Parameters of adaptive_deep_reasoning.
var (
	pAdaptiveDeepReasoningMode          = credit.StringParam{Param: credit.Param{Name: "mode", Kind: credit.String, Default: "cot_mode", Doc: "feature holding the response's chain mode: \"short\" or \"long\" (or true/false, 1/0 with true = short)", Origin: credit.Channel}}
	pAdaptiveDeepReasoningShortAccuracy = credit.FloatParam{Param: credit.Param{Name: "short_accuracy", Kind: credit.Float, Default: 0.5, Doc: "short chains are preferred when the group's short-chain accuracy >= short_accuracy", Origin: credit.NotInPaper("0.5: short chains suffice when they solve the prompt at least half the time"), Range: credit.Unit}}
	pAdaptiveDeepReasoningBonus         = credit.FloatParam{Param: credit.Param{Name: "bonus", Kind: credit.Float, Default: 0.5, Doc: "β: correct responses get 1 + β in the preferred mode, 1 − β in the other", Origin: credit.NotInPaper("0.5 keeps a correct response of the other mode (0.5) above a wrong one (0)"), Range: credit.Unit}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "adaptive_deep_reasoning",
		Summary: "Adaptive Deep Reasoning: the group's short-chain accuracy decides whether correct short or correct long chains get the bonus, then the base method",
		Params: credit.Params(
			pBase.From(credit.FromPaper("the paper trains with GRPO (methods.md §3: group-statistic gating, like GRPO-λ)")),
			credit.Reward, pThresh,
			pAdaptiveDeepReasoningMode,
			pAdaptiveDeepReasoningShortAccuracy,
			pAdaptiveDeepReasoningBonus,
			pBaseParams,
		),
		Inputs:  []credit.Input{credit.InGroup, credit.InOutcome, featureInput(pAdaptiveDeepReasoningMode, "the response's chain mode (short or long)"), inBase},
		ReadsOf: credit.StageReads(credit.ReadsMask | credit.ReadsTokenRewards),
		Outputs: stageOutputs,
		Scope:   credit.ScopeGroup,
		ScopeOf: credit.StageScope,
		Inferred: []credit.Inferred{
			{What: "r = c·(1 ± β), + for the preferred mode; preferred = short when the group's short-chain accuracy ≥ 0.5", Origin: credit.ByCredo("the catalogue gives the gate (group accuracy of short-CoT samples decides), not the reward values")},
		},
		Provenance: credit.Provenance{Paper: "Adaptive Deep Reasoning: Triggering Deep Thinking When Needed", SpecRow: 38},
		Notes:      "stage: reads rewards.<reward> and features.<mode>; the paper's first-token logit loss (which mode to start) is a loss term of the trainer and is not here; advantages and returns are the base method's",
		Run: func(b *rollout.Batch, v credit.Values) error {
			o, err := credit.Outcomes(b, credit.Reward.Get(v))
			if err != nil {
				return err
			}
			short := make([]bool, len(b.Trajectories))
			for i, t := range b.Trajectories {
				if short[i], err = featureLabel(t, i, pAdaptiveDeepReasoningMode.Get(v), "short", "long"); err != nil {
					return err
				}
			}
			r, err := ADRRewards(o, short, credit.GroupIDs(b), ADROptions{Threshold: pThresh.Get(v), ShortAccuracy: pAdaptiveDeepReasoningShortAccuracy.Get(v), Bonus: pAdaptiveDeepReasoningBonus.Get(v)})
			if err != nil {
				return err
			}
			return credit.RunBase("adaptive_deep_reasoning", b, v, r)
		},
	})
}
