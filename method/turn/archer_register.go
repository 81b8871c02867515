package turn

// The registry binding of archer, beside its estimator.

import (
	"fmt"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Parameters of archer.
var (
	pArcherAdvantage = credit.StringParam{Param: credit.Param{Name: "advantage", Kind: credit.String, Default: string(ArCHerModeQV), Choices: []string{string(ArCHerModeQV), string(ArCHerModeTD)}, Doc: "Q − V (reference actor) or one-step TD error of V", Origin: credit.FromReference("YifeiZhou02/ArCHer archer/algorithms/archer/trainer.py::ArcherTrainer.update (the actor's advantage is Q − V)")}}
	pArcherGamma     = credit.FloatParam{Param: credit.Param{Name: "gamma", Kind: credit.Float, Default: 0.9, Doc: "turn discount (td mode and returns)", Origin: credit.FromReference("YifeiZhou02/ArCHer archer/algorithms/archer/trainer.py::ArcherTrainer (gamma 0.9)"), Range: credit.Unit}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "archer",
		Summary: "ArCHer: utterance advantage Q − V (or TD r + γV' − V) from given critic values, on every token of the utterance",
		Params: credit.Params(
			pArcherAdvantage,
			pArcherGamma,
			pStepReward,
		),
		Inputs: []credit.Input{inTurns,
			critic(everyTurn("steps[].values.v", "critic V(s) of every turn", func(s *rollout.Step, _ credit.Values) bool { _, ok := s.Values["v"]; return ok })),
			everyTurn("steps[].values.q (advantage=q_minus_v)", "critic Q(s, a) of every turn", func(s *rollout.Step, v credit.Values) bool {
				_, ok := s.Values["q"]
				return ok || pArcherAdvantage.Get(v) != string(ArCHerModeQV)
			}),
			everyTurn("steps[].rewards.<step_reward> (advantage=td)", "environment reward of every turn", func(s *rollout.Step, v credit.Values) bool {
				_, ok := s.Rewards[pStepReward.Get(v)]
				return ok || pArcherAdvantage.Get(v) != string(ArCHerModeTD)
			}),
		},
		Reads:      credit.ReadsMask,
		Outputs:    []string{"advantages", "returns"},
		Scope:      credit.ScopeGroup,
		Provenance: provArCH,
		Notes: "reads steps[].values.q/v (pass the min of twin critics), steps[].rewards.<step_reward>, optional steps[last].values.v_next (bootstrap of a truncated episode); " +
			"returns = Q (q_minus_v) or the TD target r + γV' (td)",
		Run: runArCHer,
	})
}

func runArCHer(b *rollout.Batch, v credit.Values) error {
	mode := ArCHerMode(pArcherAdvantage.Get(v))
	n := len(b.Trajectories)
	spans := make([][]Span, n)
	vs, qs, rs := make([][]float64, n), make([][]float64, n), make([][]float64, n)
	boot := make([]float64, n)
	for i, t := range b.Trajectories {
		idx, sp, err := turnsOf(t, i)
		if err != nil {
			return err
		}
		spans[i] = sp
		vs[i], qs[i] = make([]float64, len(idx)), make([]float64, len(idx))
		for k, si := range idx {
			vs[i][k] = t.Steps[si].Values["v"]
			qs[i][k] = t.Steps[si].Values["q"]
		}
		rs[i] = stepRewards(t, idx, pStepReward.Get(v))
		boot[i] = bootstrapOf(t, idx)
	}
	var adv, ret [][]float64
	var err error
	switch mode {
	case ArCHerModeQV:
		adv, err = ArCHerQV(qs, vs)
		ret = qs
	case ArCHerModeTD:
		adv, ret, err = ArCHerTD(rs, vs, boot, pArcherGamma.Get(v))
	default:
		err = fmt.Errorf("unknown advantage %q", mode)
	}
	if err != nil {
		return err
	}
	storeSpread(b, spans, adv, ret)
	return nil
}
