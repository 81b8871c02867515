package turn

// The registry binding of poad, beside its estimator.

import (
	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Parameters of poad.
var (
	pPoadGamma      = credit.FloatParam{Param: credit.Param{Name: "gamma", Kind: credit.Float, Default: 0.95, Doc: "discount across actions", Origin: credit.FromReference("morning9393/ADRL mappo/config.py (gamma 0.95)"), Range: credit.Unit}}
	pPoadLam        = credit.FloatParam{Param: credit.Param{Name: "lam", Kind: credit.Float, Default: 0.95, Doc: "GAE λ (within and across actions)", Origin: credit.FromReference("morning9393/ADRL mappo/config.py (gae_lambda 0.95)"), Range: credit.Unit}}
	pPoadGammaIntra = credit.FloatParam{Param: credit.Param{Name: "gamma_intra", Kind: credit.Float, Default: 1.0, Doc: "discount between tokens of an action (1 = POAD, gamma = NTPO)", Origin: credit.FromPaper("method: no discount inside an action (γ_intra = 1); γ_intra = γ gives NTPO"), Range: credit.Unit}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "poad",
		Summary: "POAD: token-level GAE inside language actions (γ_intra = 1, reward at the action's last token, γ across actions)",
		Params: credit.Params(
			pPoadGamma,
			pPoadLam,
			pPoadGammaIntra,
			pStepReward,
		),
		Inputs:     []credit.Input{inTurns, credit.InValues, inStepReward()},
		Reads:      credit.ReadsMask | credit.ReadsValues,
		Outputs:    []string{"advantages", "returns"},
		Scope:      credit.ScopeGroup,
		Provenance: provPOAD,
		Notes: "actions = top-level steps; reads values (per token), steps[].rewards.<step_reward>, optional steps[last].values.v_next; " +
			"mask-0 tokens are transparent; the trainer's later minibatch normalisation is not applied",
		Run: runPOAD,
	})
}

func runPOAD(b *rollout.Batch, v credit.Values) error {
	n := len(b.Trajectories)
	values, mask := make([][]float64, n), make([][]float64, n)
	actions, rewards := make([][]Span, n), make([][]float64, n)
	boot := make([]float64, n)
	for i, t := range b.Trajectories {
		idx, sp, err := turnsOf(t, i)
		if err != nil {
			return err
		}
		values[i], mask[i], actions[i] = t.Values, t.Mask, sp
		rewards[i] = stepRewards(t, idx, pStepReward.Get(v))
		boot[i] = bootstrapOf(t, idx)
	}
	opt := POADOptions{Gamma: pPoadGamma.Get(v), Lam: pPoadLam.Get(v), GammaIntra: pPoadGammaIntra.Get(v)}
	adv, ret, err := POAD(values, mask, actions, rewards, boot, opt)
	if err != nil {
		return err
	}
	credit.Store(b, adv, ret)
	return nil
}
