package reward

// The registry binding of auto_cei, beside its estimator.

import (
	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Parameters of auto_cei.
var (
	pAutoCeiRefusal       = credit.StringParam{Param: credit.Param{Name: "refusal", Kind: credit.String, Default: "refusal", Doc: "feature marking a refusal (true/false, 1/0, or \"refusal\"/\"answer\")", Origin: credit.Channel}}
	pAutoCeiCorrectReward = credit.FloatParam{Param: credit.Param{Name: "correct_reward", Kind: credit.Float, Default: 1.0, Doc: "reward of a correct answer", Origin: credit.FromPaper("correct +1 (recalled)")}}
	pAutoCeiWrongReward   = credit.FloatParam{Param: credit.Param{Name: "wrong_reward", Kind: credit.Float, Default: -1.0, Doc: "reward of a wrong answer", Origin: credit.FromPaper("wrong −1 (recalled)")}}
	pAutoCeiRefusalReward = credit.FloatParam{Param: credit.Param{Name: "refusal_reward", Kind: credit.Float, Default: 0.5, Doc: "most a refusal earns (after at least N_t steps)", Origin: credit.NotInPaper("0.5: between a wrong (−1) and a correct (+1) answer, closer to correct")}}
	pAutoCeiMinSteps      = credit.FloatParam{Param: credit.Param{Name: "min_steps", Kind: credit.Float, Default: 4.0, Doc: "initial step threshold N_0 of the curriculum", Origin: credit.NotInPaper("a few reasoning steps before refusing; the paper's initial value is not at hand"), Range: credit.Positive}}
	pAutoCeiTargetRefusal = credit.FloatParam{Param: credit.Param{Name: "target_refusal", Kind: credit.Float, Default: 0.2, Doc: "share of refusals per batch the curriculum steers to", Origin: credit.NotInPaper("the paper balances precision and refusal rate; the target is not at hand"), Range: credit.Unit}}
	pAutoCeiDelta         = credit.FloatParam{Param: credit.Param{Name: "delta", Kind: credit.Float, Default: 1.0, Doc: "change of N_t per call", Origin: credit.NotInPaper("one step per call"), Range: credit.NonNeg}}
	pAutoCeiFloor         = credit.FloatParam{Param: credit.Param{Name: "floor", Kind: credit.Float, Default: 1.0, Doc: "lowest N_t", Origin: credit.ByCredo("at least one reasoning step before a refusal earns its full reward"), Range: credit.Positive}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "auto_cei",
		Summary: "Auto-CEI: +1 correct, −1 wrong, refusal (\"I don't know\") paid by the reasoning steps tried against a curriculum threshold kept in state, then the base method",
		Params: credit.Params(
			pBase.From(credit.ByCredo("the paper runs expert iteration (rejection-sampling fine-tuning); a credit method is credo's stand-in, any registered method can be named")),
			credit.Reward, pThresh,
			pAutoCeiRefusal,
			pAutoCeiCorrectReward,
			pAutoCeiWrongReward,
			pAutoCeiRefusalReward,
			pAutoCeiMinSteps,
			pAutoCeiTargetRefusal,
			pAutoCeiDelta,
			pAutoCeiFloor,
			pBaseParams,
		),
		Inputs: []credit.Input{credit.InGroup, credit.InOutcome, featureInput(pAutoCeiRefusal, "whether the response refuses"),
			{Name: "steps[] (reasoning steps tried)", Doc: "the number of top-level steps is N"}, inBase},
		ReadsOf: credit.StageReads(credit.ReadsMask | credit.ReadsTokenRewards),
		Outputs: stageOutputs,
		Scope:   credit.ScopeGroup,
		ScopeOf: credit.StageScope,
		Inferred: []credit.Inferred{
			{What: "r_idk = refusal_reward·min(1, N/N_t), N = top-level steps", Origin: credit.ByCredo("the catalogue says the refusal reward is adjusted by the number of reasoning steps; the form is credo's")},
			{What: "N_t ← N_t + δ when the batch's refusal share > target, N_t − δ (≥ floor) when below", Origin: credit.ByCredo("the paper's curriculum update is not at hand; one bounded step per call")},
		},
		Provenance: credit.Provenance{Paper: "Automatic Curriculum Expert Iteration for Reliable LLM Reasoning (Auto-CEI)", SpecRow: 57},
		Notes: "stage: reads rewards.<reward>, features.<refusal>, the number of top-level steps; state: \"n_t\" (the threshold used by the next call; min_steps when absent), " +
			"updated once per call from the call's refusal share after the rewards are computed; advantages and returns are the base method's",
		RunState: func(b *rollout.Batch, v credit.Values, st *credit.State) error {
			nt := pAutoCeiMinSteps.Get(v)
			if _, err := st.Get("n_t", &nt); err != nil {
				return err
			}
			o, err := credit.Outcomes(b, credit.Reward.Get(v))
			if err != nil {
				return err
			}
			ref := make([]bool, len(b.Trajectories))
			steps := make([]float64, len(b.Trajectories))
			for i, t := range b.Trajectories {
				if ref[i], err = featureLabel(t, i, pAutoCeiRefusal.Get(v), "refusal", "answer"); err != nil {
					return err
				}
				steps[i] = float64(len(t.TopSteps()))
			}
			r, err := AutoCEIRewards(o, ref, steps, nt, AutoCEIOptions{Threshold: pThresh.Get(v), Correct: pAutoCeiCorrectReward.Get(v), Wrong: pAutoCeiWrongReward.Get(v), Refusal: pAutoCeiRefusalReward.Get(v)})
			if err != nil {
				return err
			}
			if err := credit.RunBase("auto_cei", b, v, r); err != nil {
				return err
			}
			return st.Put("n_t", AutoCEIUpdate(nt, ref, pAutoCeiTargetRefusal.Get(v), pAutoCeiDelta.Get(v), pAutoCeiFloor.Get(v)))
		},
	})
}
