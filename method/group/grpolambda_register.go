package group

// The registry binding of grpo_lambda, beside its estimator.

import (
	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Parameters of grpo_lambda.
var (
	pGrpoLambdaLambda = credit.FloatParam{Param: credit.Param{Name: "lambda", Kind: credit.Float, Default: 0.2, Doc: "fraction of the batch's groups (highest correctness ratio) that get the length penalty (paper default not found)", Origin: credit.NotInPaper("0.2 penalises length in the best fifth of the groups; λ is given no default in the paper"), Range: credit.Unit}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "grpo_lambda",
		Summary: "GRPO-λ: length-penalised reward for the top-λ groups by correctness ratio, 0/1 for the rest, then the base method",
		Params: credit.Params(
			pBase, credit.Reward,
			pGrpoLambdaLambda,
			pThresh, pBaseParams,
		),
		Inputs:  []credit.Input{credit.InGroup, credit.InOutcome},
		ReadsOf: credit.StageReads(credit.ReadsMask | credit.ReadsTokenRewards),
		Outputs: []string{"advantages", "returns"},
		Scope:   credit.ScopeBatch,
		Inferred: []credit.Inferred{
			{What: "λ = 0.2: the top 20% of groups by correctness ratio get the length penalty", Origin: credit.NotInPaper("λ has no default in the paper; a fifth of the groups")},
			{What: "length reward 0.5 − (L − L_min)/(L_max − L_min) (Kimi-1.5 form)", Origin: credit.ByCredo("recalled form of the length penalty, not verified")},
		},
		Provenance: credit.Provenance{Paper: "Stable Reinforcement Learning for Efficient Reasoning", ArXiv: "2505.18086", SpecRow: 69},
		Notes: "length = number of tokens with a non-zero mask; selected groups: 1 + (0.5 - (L-Lmin)/(Lmax-Lmin)) if correct, min(0, ·) if not (Kimi-1.5 form, recalled); " +
			"k = ceil(λ·G) groups, ties broken by uid (ascending: independent of the batch order); batch-wide ranking",
		Run: func(b *rollout.Batch, v credit.Values) error {
			o, err := credit.Outcomes(b, credit.Reward.Get(v))
			if err != nil {
				return err
			}
			lengths := make([]float64, len(b.Trajectories))
			for i, t := range b.Trajectories {
				for j := 0; j < t.Len(); j++ {
					if t.MaskAt(j) != 0 {
						lengths[i]++
					}
				}
			}
			r, _, err := GRPOLambdaRewards(o, lengths, credit.GroupIDs(b), GRPOLambdaOptions{Lambda: pGrpoLambdaLambda.Get(v), Threshold: pThresh.Get(v)})
			if err != nil {
				return err
			}
			return credit.RunBase("grpo_lambda", b, v, r)
		},
	})
}
