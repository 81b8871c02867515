package turn

// The registry binding of calm, beside its estimator.

import (
	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Parameters of calm.
var (
	pCalmAuxReward = credit.FloatParam{Param: credit.Param{Name: "aux_reward", Kind: credit.Float, Default: 0.1, Doc: "subgoal bonus r_aux (paper value not found)", Origin: credit.NotInPaper("0.1 keeps a few subgoal bonuses below a typical terminal reward of 1"), Range: credit.NonNeg}}
	pCalmThreshold = credit.FloatParam{Param: credit.Param{Name: "threshold", Kind: credit.Float, Default: 0.5, Doc: "label ≥ threshold counts as achieved", Origin: credit.ByCredo("judge labels in [0, 1]: achieved when label >= 0.5")}}
	pCalmLabel     = credit.StringParam{Param: credit.Param{Name: "label", Kind: credit.String, Default: "subgoal", Doc: "judge label channel (steps[].labels.<label>)", Origin: credit.Channel}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "calm",
		Summary: "CALM: environment reward + r_aux on steps an LLM judge labels as achieving a subgoal; normalised turn returns",
		Params: credit.Params(
			pCalmAuxReward,
			pCalmThreshold,
			pCalmLabel,
			pReturnGamma,
			normParam(NormBatch, "comparison set of the turn returns", credit.ByCredo("z-score over all turns of the batch, as the single-agent papers train with batch-normalised returns")),
			pNormByStd, pEpsilon, pStepReward,
		),
		Inputs: []credit.Input{inTurns, inStepReward(),
			everyTurn("steps[].labels.<label>", "judge verdict per turn (1 = subgoal achieved)", func(s *rollout.Step, v credit.Values) bool {
				_, ok := s.Labels[pCalmLabel.Get(v)]
				return ok
			})},
		Reads:   credit.ReadsMask,
		Outputs: []string{"advantages", "returns"},
		Scope:   credit.ScopeBatch,
		Inferred: []credit.Inferred{
			{What: "r_aux = 0.1 on each achieved subgoal", Origin: credit.NotInPaper("the magnitude is not given; below a typical terminal reward of 1")},
		},
		Provenance: provCALM,
		Notes:      "returns = discounted shaped reward-to-go per turn; advantages = returns standardised over the batch (or group); group-local when norm=group/none",
		Run:        runCALM,
	})
}

func runCALM(b *rollout.Batch, v credit.Values) error {
	n := len(b.Trajectories)
	spans := make([][]Span, n)
	env, lab := make([][]float64, n), make([][]float64, n)
	for i, t := range b.Trajectories {
		idx, sp, err := turnsOf(t, i)
		if err != nil {
			return err
		}
		spans[i] = sp
		env[i] = stepRewards(t, idx, pStepReward.Get(v))
		lab[i] = make([]float64, len(idx))
		for k, si := range idx {
			lab[i][k] = t.Steps[si].Labels[pCalmLabel.Get(v)]
		}
	}
	shaped, err := CALMShapedRewards(env, lab, CALMOptions{AuxReward: pCalmAuxReward.Get(v), Threshold: pCalmThreshold.Get(v)})
	if err != nil {
		return err
	}
	return storeTurnCredit(b, spans, shaped, v)
}
