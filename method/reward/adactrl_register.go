package reward

// The registry binding of adactrl, beside its estimator.

import (
	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Parameters of adactrl.
var (
	pAdactrlTag               = credit.StringParam{Param: credit.Param{Name: "tag", Kind: credit.String, Default: "difficulty_tag", Doc: "feature holding the response's self-assessed difficulty tag: \"[Easy]\"/\"[Hard]\" (or easy/hard, true/false, 1/0 with true = hard)", Origin: credit.Channel}}
	pAdactrlEasyAccuracy      = credit.FloatParam{Param: credit.Param{Name: "easy_accuracy", Kind: credit.Float, Default: 0.5, Doc: "a prompt is easy when its group's accuracy >= easy_accuracy", Origin: credit.NotInPaper("0.5: easy when the policy solves the prompt at least half the time"), Range: credit.Unit}}
	pAdactrlCalibrationWeight = credit.FloatParam{Param: credit.Param{Name: "calibration_weight", Kind: credit.Float, Default: 0.5, Doc: "weight of the tag's agreement (+1) or disagreement (−1) with the group's difficulty", Origin: credit.NotInPaper("0.5: calibration counts, less than correctness"), Range: credit.NonNeg}}
	pAdactrlLengthWeight      = credit.FloatParam{Param: credit.Param{Name: "length_weight", Kind: credit.Float, Default: 0.5, Doc: "weight of the length penalty L/L_max on easy-tagged responses", Origin: credit.NotInPaper("0.5: the longest easy-tagged correct response still beats any wrong one"), Range: credit.NonNeg}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "adactrl",
		Summary: "AdaCtrl: correctness + difficulty-tag calibration against the group's accuracy + length penalty on easy-tagged responses, then the base method",
		Params: credit.Params(
			pBase.From(credit.FromPaper("the paper trains with GRPO-style group RL (methods.md §1 row 81, recalled)")),
			credit.Reward, pThresh,
			pAdactrlTag,
			pAdactrlEasyAccuracy,
			pAdactrlCalibrationWeight,
			pAdactrlLengthWeight,
			pBaseParams,
		),
		Inputs:  []credit.Input{credit.InGroup, credit.InOutcome, featureInput(pAdactrlTag, "the response's difficulty tag"), inBase},
		ReadsOf: credit.StageReads(credit.ReadsMask | credit.ReadsTokenRewards),
		Outputs: stageOutputs,
		Scope:   credit.ScopeGroup,
		ScopeOf: credit.StageScope,
		Inferred: []credit.Inferred{
			{What: "r = c + w_cal·(±1: tag agrees with the group's difficulty) − w_len·1[tag = easy]·L/L_max(group)", Origin: credit.ByCredo("the paper's exact reward terms are not at hand; the catalogue names a difficulty-aware length budget with tags and a calibration of self-assessed difficulty")},
			{What: "difficulty = easy when group accuracy ≥ 0.5", Origin: credit.NotInPaper("the difficulty cut is not at hand")},
		},
		Provenance: credit.Provenance{Paper: "AdaCtrl: Towards Adaptive and Controllable Reasoning via Difficulty-Aware Budgeting", SpecRow: 81},
		Notes:      "stage: reads rewards.<reward>, features.<tag>, length = tokens with a non-zero response_mask; the group is the prompt's samples; advantages and returns are the base method's",
		Run: func(b *rollout.Batch, v credit.Values) error {
			o, err := credit.Outcomes(b, credit.Reward.Get(v))
			if err != nil {
				return err
			}
			hard := make([]bool, len(b.Trajectories))
			for i, t := range b.Trajectories {
				if hard[i], err = featureLabel(t, i, pAdactrlTag.Get(v), "hard", "easy"); err != nil {
					return err
				}
			}
			r, err := AdaCtrlRewards(o, lengths(b), hard, credit.GroupIDs(b), AdaCtrlOptions{Threshold: pThresh.Get(v), EasyAccuracy: pAdactrlEasyAccuracy.Get(v), CalibrationWeight: pAdactrlCalibrationWeight.Get(v), LengthWeight: pAdactrlLengthWeight.Get(v)})
			if err != nil {
				return err
			}
			return credit.RunBase("adactrl", b, v, r)
		},
	})
}
