package process

// The registry binding of pure.min_form, beside its estimator.

import (
	"github.com/credo-rl/credo/anchor/pure"
	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Parameters of pure.min_form.
var (
	pPureMinFormTemperature = credit.FloatParam{Param: credit.Param{Name: "temperature", Kind: credit.Float, Default: pure.DefaultTemperature, Doc: "softmin temperature (0 = the exact minimum)", Origin: credit.FromReference("CJReinforce/PURE openrlhf/utils/utils.py::turn_process_reward_logits_to_reward (temperature 0.1)"), Range: credit.NonNeg}}
	pPureMinFormForm        = credit.StringParam{Param: credit.Param{Name: "form", Kind: credit.String, Default: string(FormMin), Choices: []string{string(FormMin), string(FormFutureMin), string(FormSum), string(FormMean)},
		Doc: "min: PURE's weights over all steps; future_min: soft minimum of the future steps; sum: plain sum-form; mean: uniform weights", Origin: credit.FromReference("CJReinforce/PURE openrlhf/utils/utils.py::turn_process_reward_logits_to_reward (min-form weights over all steps)")}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "pure.min_form",
		Summary: "PURE's min-form credit at any temperature: softmin-weighted PRM step rewards, undiscounted returns (stage)",
		Params: credit.Params(
			pPureMinFormTemperature,
			pPureMinFormForm,
			pOutcomeCoef.WithDefault(0, credit.ByCredo("min-form credit alone; pure.credit_assignment adds the verifiable reward")), pMaskSeparator.WithDefault(true, credit.FromReference("CJReinforce/PURE openrlhf/trainer/ppo_utils/experience_maker.py (separator tokens get advantage 0)")), pEstimator, pEstimatorParams, pWriteTokenRewards, credit.Reward,
		),
		Inputs: []credit.Input{
			inStepSignal("steps[].rewards.prm", "PRM score per reasoning step (e.g. p(correct) − p(wrong) in [−1, 1])",
				func(s rollout.Step, _ credit.Values) bool { _, ok := s.Rewards["prm"]; return ok }),
			inOutcomeIfCoef,
		},
		ReadsOf: stageReads(credit.ReadsMask),
		Outputs: []string{"advantages", "returns", "token_level_rewards (write_token_rewards)"},
		Scope:   credit.ScopeGroup,
		ScopeOf: stageScope(nil),
		Provenance: credit.Provenance{Paper: "Stop Summation: Min-Form Credit Assignment Is All Process Reward Model Needs for Reasoning", ArXiv: "2504.15275", SpecRow: 16,
			Reference: "CJReinforce/PURE@41f9363b8cc4af044b7fc5f7f9bbbf62139e9553 openrlhf/utils/utils.py::turn_process_reward_logits_to_reward"},
		Notes: "reads steps[].rewards.prm, response_mask, rewards.<reward> when outcome_coef != 0; no group baseline and no normalisation " +
			"(pure.credit_assignment is the full reference pipeline); scope is the estimator's",
		Run: runStage(func(t *rollout.Trajectory, v credit.Values) ([]float64, error) {
			r := stepReward(t, "prm")
			return MinForm(r, pPureMinFormTemperature.Get(v), Form(pPureMinFormForm.Get(v)))
		}),
	})
}
