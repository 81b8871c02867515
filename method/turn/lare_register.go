package turn

// The registry binding of lare, beside its estimator.

import (
	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

func init() {
	credit.Register(&credit.Method{
		Name:    "lare",
		Summary: "LaRe: episodic return redistributed over turns from latent per-step scores (sum preserved); normalised turn returns",
		Params: []credit.Param{
			{Name: "mode", Kind: credit.String, Default: "additive", Choices: []string{"additive", "proportional", "raw"}, Doc: "how scores become rewards (additive/proportional preserve the return)", Origin: credit.NotInPaper("additive redistribution r_k = s_k + (R − Σs)/K preserves the episodic return, as the decoder's regression target does")},
			{Name: "score", Kind: credit.String, Default: "latent", Doc: "per-step score channel (steps[].values.<score>)", Origin: credit.Channel},
			{Name: "gamma", Kind: credit.Float, Default: 1.0, Doc: "turn discount of the returns", Origin: credit.ByCredo("undiscounted turn returns"), Range: credit.Unit},
			normParam(NormBatch, "comparison set of the turn returns", credit.ByCredo("z-score over all turns of the batch, as the single-agent papers train with batch-normalised returns")),
			pNormByStd, pEpsilon, credit.RewardParam,
		},
		Inputs: []credit.Input{inTurns, credit.InOutcome,
			everyTurn("steps[].values.<score>", "latent reward score per turn (decoder output)", func(s *rollout.Step, v credit.Values) bool {
				_, ok := s.Values[v.String("score")]
				return ok
			})},
		Outputs: []string{"advantages", "returns"},
		Scope:   credit.ScopeBatch,
		Inferred: []credit.Inferred{
			{What: "additive redistribution r_k = s_k + (R − Σs)/K", Origin: credit.ByCredo("keeps the episodic return, the decoder's regression target")},
		},
		Provenance: provLaRe,
		Notes:      "episodic return = rewards.<reward> (or the token-reward sum); returns = reward-to-go of the redistributed rewards; the decoder is trained outside credo",
		Run:        runLaRe,
	})
}

func runLaRe(b *rollout.Batch, v credit.Values) error {
	n := len(b.Trajectories)
	spans := make([][]Span, n)
	R, scores := make([]float64, n), make([][]float64, n)
	for i, t := range b.Trajectories {
		idx, sp, err := turnsOf(t, i)
		if err != nil {
			return err
		}
		spans[i] = sp
		R[i], _ = credit.Outcome(t, v.String("reward"))
		scores[i] = make([]float64, len(idx))
		for k, si := range idx {
			scores[i][k] = t.Steps[si].Values[v.String("score")]
		}
	}
	r, err := LaReRedistribute(R, scores, LaReMode(v.String("mode")))
	if err != nil {
		return err
	}
	return storeTurnCredit(b, spans, r, v)
}
