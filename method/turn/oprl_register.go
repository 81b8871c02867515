package turn

// The registry binding of oprl, beside its estimator.

import (
	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Parameters of oprl.
var (
	pOprlBeta       = credit.FloatParam{Param: credit.Param{Name: "beta", Kind: credit.Float, Default: 0.05, Doc: "implicit reward scale β (paper value not found)", Origin: credit.NotInPaper("0.05, the low end of the DPO-typical range 0.05–0.1 the catalogue infers"), Range: credit.NonNeg}}
	pOprlStepCoef   = credit.FloatParam{Param: credit.Param{Name: "step_coef", Kind: credit.Float, Default: 1.0, Doc: "weight α of the step advantage", Origin: credit.NotInPaper("1 weighs the step advantage like the episode advantage (GiGPO's ω = 1)")}}
	pOprlStepNorm   = credit.StringParam{Param: credit.Param{Name: "step_norm", Kind: credit.String, Default: "group", Choices: []string{"group", "batch", "none"}, Doc: "comparison set of the step signal", Origin: credit.NotInPaper("the step signal is z-scored within the group, like the episode advantage")}}
	pOprlStepSignal = credit.StringParam{Param: credit.Param{Name: "step_signal", Kind: credit.String, Default: "reward", Choices: []string{"reward", "return"}, Doc: "normalise the step reward or its discounted reward-to-go", Origin: credit.NotInPaper("the implicit step reward itself (its reward-to-go is the alternative)")}}
	pOprlGamma      = credit.FloatParam{Param: credit.Param{Name: "gamma", Kind: credit.Float, Default: 1.0, Doc: "discount of the step reward-to-go (step_signal=return)", Origin: credit.ByCredo("undiscounted reward-to-go (step_signal=return only)"), Range: credit.Unit}}
	pOprlPhi        = credit.StringParam{Param: credit.Param{Name: "phi", Kind: credit.String, Default: "prm_phi", Doc: "log_probs channel of the implicit PRM π_φ", Origin: credit.Channel}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "oprl",
		Summary: "OPRL: group-normalised episode advantage + α·normalised implicit step rewards β·Σ(log π_φ − log π_old)",
		Params: credit.Params(
			pOprlBeta,
			pOprlStepCoef,
			pOprlStepNorm,
			pOprlStepSignal,
			pOprlGamma,
			pOprlPhi,
			pNormByStd, pEpsilon, credit.Reward,
		),
		Inputs: []credit.Input{credit.InGroup, credit.InOutcome, credit.InOldLogProbs, inTurns,
			{Name: "log_probs.<phi>", Doc: "token log-probs under the implicit PRM π_φ", Has: func(t *rollout.Trajectory, v credit.Values) bool {
				_, ok := t.LogProbs[pOprlPhi.Get(v)]
				return ok
			}}},
		Reads:   credit.ReadsMask | credit.ReadsOldLogProbs | credit.ReadsTokenRewards | credit.ReadsLogProbs,
		Outputs: []string{"advantages"},
		Scope:   credit.ScopeBatch,
		Inferred: []credit.Inferred{
			{What: "A = A_episode + α·z(step reward), α = 1, z within the group", Origin: credit.NotInPaper("the combination and normalisation are not given; GiGPO-like, as the catalogue infers")},
		},
		Provenance: provOPRL,
		Notes: "reads rewards.<reward>, old_log_probs, log_probs.<phi>, steps (top-level = turns), response_mask; " +
			"step normalisation and combination are credo's GiGPO-like reading (paper gives none); group-local unless step_norm=batch",
		Run: runOPRL,
	})
}

func runOPRL(b *rollout.Batch, v credit.Values) error {
	n := len(b.Trajectories)
	outcome := make([]float64, n)
	sr := make([][]float64, n)
	spans := make([][]Span, n)
	phi := pOprlPhi.Get(v)
	for i, t := range b.Trajectories {
		outcome[i], _ = credit.Outcome(t, credit.Reward.Get(v))
		_, sp, err := turnsOf(t, i)
		if err != nil {
			return err
		}
		spans[i] = sp
		if sr[i], err = ImplicitStepRewards(t.LogProbs[phi], t.OldLogProbs, t.Mask, sp, pOprlBeta.Get(v)); err != nil {
			return trajErr(i, t, err)
		}
	}
	opt := OPRLOptions{Beta: pOprlBeta.Get(v), StepCoef: pOprlStepCoef.Get(v), StepNorm: Norm(pOprlStepNorm.Get(v)),
		Signal: OPRLSignal(pOprlStepSignal.Get(v)), Gamma: pOprlGamma.Get(v), NormByStd: pNormByStd.Get(v), Epsilon: pEpsilon.Get(v)}
	adv, err := OPRL(outcome, credit.GroupIDs(b), sr, opt)
	if err != nil {
		return err
	}
	storeSpread(b, spans, adv, nil)
	return nil
}
