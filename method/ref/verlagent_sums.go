package ref

import (
	"github.com/credo-rl/credo/anchor/verlagent"
	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// rfppbAgentSums is verl_agent.reinforce_plus_plus_baseline's multi-pass
// form (anchor/verlagent.ReinforcePlusPlusBaselineRows): group means of the
// step rows' scores, the whitening's weight and mean, its variance, then
// the credit, each pass over the records in input order, one record's step
// rows at a time.
type rfppbAgentSums struct {
	v credit.Values
	p *verlagent.ReinforcePlusPlusBaselineRows
}

func newRFPPBAgentSums(v credit.Values) (credit.SumPass, error) {
	o := verlagent.DefaultReinforcePlusPlusBaselineOptions()
	o.CrossSteps = pCrossSteps.Get(v)
	return &rfppbAgentSums{v: v, p: verlagent.NewReinforcePlusPlusBaselineRows(o)}, nil
}

func (s *rfppbAgentSums) Grouped() bool { return false }
func (s *rfppbAgentSums) Passes() int   { return 3 }

func (s *rfppbAgentSums) Add(k int, b *rollout.Batch) error {
	for _, t := range b.Trajectories {
		rows, err := buildStepRows(one(t), credit.Reward.Get(s.v))
		if err != nil {
			return err
		}
		for i, r := range rows.rewards {
			switch k {
			case 0:
				err = s.p.AddScore(r, rows.index[i], rows.trajIndex[i])
			case 1:
				err = s.p.AddWeight(r, rows.masks[i], rows.index[i])
			default:
				err = s.p.AddVariance(r, rows.masks[i], rows.index[i])
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *rfppbAgentSums) EndPass(k int) error {
	switch k {
	case 0:
		s.p.EndScores()
	case 1:
		return s.p.EndWeights()
	default:
		s.p.Finish()
	}
	return nil
}

func (s *rfppbAgentSums) Apply(b *rollout.Batch) error {
	for _, t := range b.Trajectories {
		tb := one(t)
		rows, err := buildStepRows(tb, credit.Reward.Get(s.v))
		if err != nil {
			return err
		}
		adv := make([][]float64, len(rows.rewards))
		for i, r := range rows.rewards {
			adv[i] = make([]float64, len(rows.masks[i]))
			if err := s.p.Row(adv[i], r, rows.masks[i], rows.index[i]); err != nil {
				return err
			}
		}
		rows.scatter(tb, adv)
	}
	return nil
}
