package token

// The registry binding of oreo, beside its estimator.

import (
	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Parameters of oreo.
var (
	pOreoMode = credit.StringParam{Param: credit.Param{Name: "mode", Kind: credit.String, Default: OREOSoft, Choices: []string{OREOSoft, OREOTD}, Doc: "soft-Bellman residual, or the plain TD advantage r + V' − V", Origin: credit.FromPaper("method: the soft Bellman consistency of the policy loss")}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "oreo",
		Summary: "OREO: soft-Bellman token advantages r + V' − V − β·log(π/π_ref) from a value function",
		Params: credit.Params(pBeta, pPolicy,
			pOreoMode,
			credit.Reward),
		Inputs:     []credit.Input{credit.InTokenRewards, credit.InValues, inPolicy, inRef},
		Reads:      credit.ReadsMask | credit.ReadsRefLogProbs | credit.ReadsTokenRewards | credit.ReadsValues | credit.ReadsLogProbs,
		Outputs:    advOut,
		Scope:      credit.ScopeGroup,
		Provenance: paperOREO,
		Notes:      "reads values, token_level_rewards (or rewards.<reward> on the last valid token), policy and reference log-probs; returns are the soft return-to-go Σ(r − β·log ratio), OREO's value target; masked tokens are skipped and get 0",
		Run:        runOREO,
	})
}

func runOREO(b *rollout.Batch, v credit.Values) error {
	r, err := credit.TokenRewards(b, credit.Reward.Get(v))
	if err != nil {
		return err
	}
	lp, ref, err := logProbRows(b, v)
	if err != nil {
		return err
	}
	vals, err := rows(b, "values", func(t *rollout.Trajectory) []float64 { return t.Values })
	if err != nil {
		return err
	}
	adv, ret, err := OREO(r, vals, lp, ref, credit.Masks(b), pBeta.Get(v), pOreoMode.Get(v))
	if err != nil {
		return err
	}
	credit.Store(b, adv, ret)
	return nil
}
