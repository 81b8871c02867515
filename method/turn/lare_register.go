package turn

// The registry binding of lare, beside its estimator.

import (
	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Parameters of lare.
var (
	pLareMode  = credit.StringParam{Param: credit.Param{Name: "mode", Kind: credit.String, Default: "additive", Choices: []string{"additive", "proportional", "raw"}, Doc: "how scores become rewards (additive/proportional preserve the return)", Origin: credit.NotInPaper("additive redistribution r_k = s_k + (R − Σs)/K preserves the episodic return, as the decoder's regression target does")}}
	pLareScore = credit.StringParam{Param: credit.Param{Name: "score", Kind: credit.String, Default: "latent", Doc: "per-step score channel (steps[].values.<score>)", Origin: credit.Channel}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "lare",
		Summary: "LaRe: episodic return redistributed over turns by a decoder of the encoder's latent factors (fitted by return decomposition, or its given outputs); normalised turn returns",
		Params: credit.Params(
			pLaReDecoder, pLaReFactors, pLaReRidge,
			pLareMode,
			pLareScore,
			pReturnGamma,
			normParam(NormBatch, "comparison set of the turn returns", credit.ByCredo("z-score over all turns of the batch, as the single-agent papers train with batch-normalised returns")),
			pNormByStd, pEpsilon, credit.Reward,
		),
		Inputs: []credit.Input{inTurns, credit.InOutcome,
			everyTurn("steps[].values.<score> (decoder=given)", "latent reward score per turn (decoder output)", func(s *rollout.Step, v credit.Values) bool {
				_, ok := s.Values[pLareScore.Get(v)]
				return ok || pLaReDecoder.Get(v) != "given"
			}), inLaReFactors},
		Reads:   credit.ReadsMask | credit.ReadsTokenRewards,
		Outputs: []string{"advantages", "returns"},
		Scope:   credit.ScopeBatch,
		Inferred: []credit.Inferred{
			{What: "additive redistribution r_k = s_k + (R − Σs)/K", Origin: credit.ByCredo("keeps the episodic return, the decoder's regression target")},
			{What: "decoder=ridge: a linear decoder w·z fitted per batch by ridge regression (the paper trains a small network on a replay buffer)", Origin: credit.ByCredo("the return-decomposition loss with the simplest decoder that needs no training state")},
		},
		Provenance: provLaRe,
		Notes: "episodic return = rewards.<reward> (or the token-reward sum); returns = reward-to-go of the redistributed rewards; " +
			"decoder=ridge fits the linear decoder f(z) = w·z on the batch's episodes by ridge regression of Σ_t z_t on the return " +
			"(the paper's return decomposition; its decoder is a small network trained on the replay buffer: linear and per-batch are credo's), " +
			"then redistributes f(z_t) by mode (raw = the paper's r̂_t); decoder=given reads the decoder's outputs from steps[].values.<score>",
		Run: runLaRe,
	})
}
