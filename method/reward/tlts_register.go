package reward

// The registry binding of tlts, beside its estimator.

import (
	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Parameters of tlts.
var (
	pTltsFormat        = credit.StringParam{Param: credit.Param{Name: "format", Kind: credit.String, Default: "format", Doc: "reward channel of the format reward (empty = no format term)", Origin: credit.Channel}}
	pTltsLengthWeight  = credit.FloatParam{Param: credit.Param{Name: "length_weight", Kind: credit.Float, Default: 0.5, Doc: "weight w_len of the length term", Origin: credit.NotInPaper("0.5 keeps a correct response over budget (≥ 1 − 0.5) above a wrong one (0)"), Range: credit.NonNeg}}
	pTltsFormatWeight  = credit.FloatParam{Param: credit.Param{Name: "format_weight", Kind: credit.Float, Default: 0.5, Doc: "weight w_fmt of the format term", Origin: credit.NotInPaper("0.5: format counts, but less than correctness (1)"), Range: credit.NonNeg}}
	pTltsSchedule      = credit.StringParam{Param: credit.Param{Name: "schedule", Kind: credit.String, Default: "exponential", Choices: []string{"exponential", "linear"}, Doc: "budget schedule", Origin: credit.FromPaper("the budget shrinks by exponential or linear decay (methods.md §3, recalled); exponential is the first named")}}
	pTltsBudgetStart   = credit.FloatParam{Param: credit.Param{Name: "budget_start", Kind: credit.Float, Default: 4096.0, Doc: "budget B_0 at step 0 (tokens)", Origin: credit.NotInPaper("4096 tokens, a common generation limit for GRPO on math; set it to the training's max length"), Range: credit.Positive}}
	pTltsBudgetMin     = credit.FloatParam{Param: credit.Param{Name: "budget_min", Kind: credit.Float, Default: 1024.0, Doc: "floor of the budget (tokens)", Origin: credit.NotInPaper("a quarter of budget_start"), Range: credit.Positive}}
	pTltsDecay         = credit.FloatParam{Param: credit.Param{Name: "decay", Kind: credit.Float, Default: 0.99, Doc: "budget factor per step (exponential)", Origin: credit.NotInPaper("0.99 per call halves the budget in about 69 calls"), Range: &credit.Range{Min: new(0.0), Max: new(1.0), MinOpen: true}}}
	pTltsScheduleSteps = credit.IntParam{Param: credit.Param{Name: "schedule_steps", Kind: credit.Int, Default: 100, Doc: "steps from budget_start to budget_min (linear)", Origin: credit.NotInPaper("100 calls, the same order as the exponential default"), Range: credit.AtLeast(1)}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "tlts",
		Summary: "Train Long, Think Short: correctness + length-budget + format reward, the budget shrinking over calls (method state), then the base method",
		Params: credit.Params(
			pBase.From(credit.FromPaper("the paper trains with GRPO (methods.md §1 row 28)")),
			credit.Reward, pThresh,
			pTltsFormat,
			pTltsLengthWeight,
			pTltsFormatWeight,
			pTltsSchedule,
			pTltsBudgetStart,
			pTltsBudgetMin,
			pTltsDecay,
			pTltsScheduleSteps,
			pStep, pBaseParams,
		),
		Inputs:  []credit.Input{credit.InGroup, credit.InOutcome, credit.ChannelInput(pTltsFormat, "format reward of each response"), inBase},
		ReadsOf: credit.StageReads(credit.ReadsMask | credit.ReadsTokenRewards),
		Outputs: stageOutputs,
		Scope:   credit.ScopeGroup,
		ScopeOf: credit.StageScope,
		Inferred: []credit.Inferred{
			{What: "r = c + w_len·c·clip((B − L)/B, −1, 1) + w_fmt·f, c = 1[outcome ≥ threshold]", Origin: credit.ByCredo("the paper's length term is not at hand; this pays unused budget and charges overshoot, only on correct responses")},
			{What: "B_t = max(B_min, B_0·0.99^t) (or linear over 100 steps), B_0 = 4096, B_min = 1024", Origin: credit.NotInPaper("the schedule's constants are not at hand")},
		},
		Provenance: credit.Provenance{Paper: paperTLTS, SpecRow: 28},
		Notes: "stage: reward per response from rewards.<reward> (correctness), length = tokens with a non-zero response_mask, rewards.format; " +
			"state: \"step\" counts calls (one call = one training step; the budget of a call is B at that step) and \"budget\" records the last budget used; advantages and returns are the base method's",
		RunState: func(b *rollout.Batch, v credit.Values, st *credit.State) error {
			step, err := stepCounter(v, st)
			if err != nil {
				return err
			}
			budget, err := LengthBudget(step, BudgetOptions{Start: pTltsBudgetStart.Get(v), Min: pTltsBudgetMin.Get(v), Schedule: pTltsSchedule.Get(v), Decay: pTltsDecay.Get(v), Steps: pTltsScheduleSteps.Get(v)})
			if err != nil {
				return err
			}
			o, err := credit.Outcomes(b, credit.Reward.Get(v))
			if err != nil {
				return err
			}
			var f []float64
			if name := pTltsFormat.Get(v); name != "" {
				if f, err = credit.ChannelValues(b, name); err != nil {
					return err
				}
			}
			r, err := TLTSRewards(o, lengths(b), f, budget, TLTSOptions{Threshold: pThresh.Get(v), LengthWeight: pTltsLengthWeight.Get(v), FormatWeight: pTltsFormatWeight.Get(v)})
			if err != nil {
				return err
			}
			if err := credit.RunBase("tlts", b, v, r); err != nil {
				return err
			}
			if err := st.Put("budget", budget); err != nil {
				return err
			}
			return st.Put("step", step+1)
		},
	})
}
