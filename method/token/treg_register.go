package token

// The registry binding of treg, beside its estimator.

import (
	"fmt"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Parameters of treg.
var (
	pTregTemperature = credit.FloatParam{Param: credit.Param{Name: "temperature", Kind: credit.Float, Default: DefaultTREGTemperature, Doc: "softmax temperature of the token weights", Origin: credit.NotInPaper("τ = 1 keeps the softmax of the contrast unscaled; T-REG's token-weight form is not given"), Range: credit.Positive}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "treg",
		Summary: "T-REG: implicit token reward re-weighted by contrastive-prompting token weights",
		Params: credit.Params(pBeta, pPolicy,
			pTregTemperature),
		Inputs: []credit.Input{inPolicy, inRef,
			{Name: "log_probs.contrast_pos", Doc: "log-probs of the response under the 'make it better' prompt", Has: func(t *rollout.Trajectory, _ credit.Values) bool { _, ok := t.LogProbs["contrast_pos"]; return ok }},
			{Name: "log_probs.contrast_neg", Doc: "log-probs of the response under the 'make it worse' prompt", Has: func(t *rollout.Trajectory, _ credit.Values) bool { _, ok := t.LogProbs["contrast_neg"]; return ok }},
			{Name: "features.preference (optional)", Doc: `"rejected" flips the contrast of a rejected response`}},
		Reads:   credit.ReadsMask | credit.ReadsRefLogProbs | credit.ReadsLogProbs,
		Outputs: advOut,
		Scope:   credit.ScopeGroup,
		Inferred: []credit.Inferred{
			{What: "token weights w = n·softmax(σ(±(log p_pos − log p_neg))/τ), τ = 1", Origin: credit.NotInPaper("T-REG's token-reward form is not given")},
		},
		Provenance: paperTREG,
		Notes:      "reads log_probs.contrast_pos/contrast_neg, the policy and reference log-probs and features.preference; weights = n·softmax(σ(±(pos − neg))/τ) over policy tokens (credo's reconstruction; exact form NOT FOUND)",
		Run:        runTREG,
	})
}

func runTREG(b *rollout.Batch, v credit.Values) error {
	lp, ref, err := logProbRows(b, v)
	if err != nil {
		return err
	}
	pos, err := rows(b, "log_probs.contrast_pos", func(t *rollout.Trajectory) []float64 { return t.LogProbs["contrast_pos"] })
	if err != nil {
		return err
	}
	neg, err := rows(b, "log_probs.contrast_neg", func(t *rollout.Trajectory) []float64 { return t.LogProbs["contrast_neg"] })
	if err != nil {
		return err
	}
	rejected := make([]bool, len(b.Trajectories))
	for i, t := range b.Trajectories {
		switch p := t.Features["preference"]; p {
		case nil, "chosen":
		case "rejected":
			rejected[i] = true
		default:
			return fmt.Errorf("trajectory %d (traj_uid %q): features.preference = %v, want \"chosen\" or \"rejected\"", i, t.ID, p)
		}
	}
	adv, ret, err := TREG(lp, ref, pos, neg, credit.Masks(b), rejected, pBeta.Get(v), pTregTemperature.Get(v))
	if err != nil {
		return err
	}
	credit.Store(b, adv, ret)
	return nil
}
