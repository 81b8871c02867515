package token

// The registry binding of r2q, beside its estimator.

import (
	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

func init() {
	credit.Register(&credit.Method{
		Name:       "r2q",
		Summary:    "From r to Q*: implicit token reward β·(log π − log π_ref) as advantage; returns = implicit return-to-go",
		Params:     credit.Params(pBeta, pPolicy),
		Inputs:     []credit.Input{inPolicy, inRef},
		Reads:      credit.ReadsMask | credit.ReadsRefLogProbs | credit.ReadsLogProbs,
		Outputs:    advOut,
		Scope:      credit.ScopeGroup,
		Provenance: paperR2Q,
		Notes:      "reads log_probs.policy or old_log_probs (per policy) and ref_log_prob (or log_probs.ref); masked tokens get 0",
		Run:        runR2Q,
	})
}

func runR2Q(b *rollout.Batch, v credit.Values) error {
	lp, ref, err := logProbRows(b, v)
	if err != nil {
		return err
	}
	adv, ret, err := ImplicitReward(lp, ref, credit.Masks(b), pBeta.Get(v))
	if err != nil {
		return err
	}
	credit.Store(b, adv, ret)
	return nil
}
