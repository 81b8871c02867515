package ref

import (
	"github.com/credo-rl/credo/anchor/verl"
	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// rows adapts per-trajectory first and last passes to SumPass.
type rows struct {
	add   func(t *rollout.Trajectory) error
	end   func() error
	apply func(t *rollout.Trajectory) error
}

func (r rows) Grouped() bool { return false }
func (r rows) Passes() int   { return 1 }
func (r rows) Add(_ int, b *rollout.Batch) error {
	for _, t := range b.Trajectories {
		if err := r.add(t); err != nil {
			return err
		}
	}
	return nil
}
func (r rows) EndPass(int) error { return r.end() }
func (r rows) Apply(b *rollout.Batch) error {
	for _, t := range b.Trajectories {
		if err := r.apply(t); err != nil {
			return err
		}
	}
	return nil
}

// one is the batch of a single trajectory, for the per-trajectory input
// helpers (TokenRewards, Masks).
func one(t *rollout.Trajectory) *rollout.Batch {
	return &rollout.Batch{Trajectories: []*rollout.Trajectory{t}}
}

// gaeSums is verl.gae's two-pass form (anchor/verl.GAERows).
type gaeSums struct {
	v credit.Values
	p interface {
		Add(r, v, m []float64) error
		Finish() error
		Row(adv, ret, r, v, m []float64) error
	}
}

func (s *gaeSums) inputs(t *rollout.Trajectory) (r, v, m []float64, err error) {
	rs, err := credit.TokenRewards(one(t), credit.Reward.Get(s.v))
	if err != nil {
		return nil, nil, nil, err
	}
	return rs[0], credit.TokenValues(one(t))[0], credit.Masks(one(t))[0], nil
}

func (s *gaeSums) add(t *rollout.Trajectory) error {
	r, v, m, err := s.inputs(t)
	if err != nil {
		return err
	}
	return s.p.Add(r, v, m)
}

func (s *gaeSums) pass() credit.SumPass { return rows{s.add, s.p.Finish, s.apply} }

func (s *gaeSums) apply(t *rollout.Trajectory) error {
	r, v, m, err := s.inputs(t)
	if err != nil {
		return err
	}
	adv, ret := make([]float64, len(r)), make([]float64, len(r))
	if err := s.p.Row(adv, ret, r, v, m); err != nil {
		return err
	}
	t.Advantages, t.Returns = adv, ret
	return nil
}

// rfppSums is verl.reinforce_plus_plus's two-pass form
// (anchor/verl.ReinforcePlusPlusRows).
type rfppSums struct {
	v credit.Values
	p interface {
		Add(r, m []float64) error
		Finish() error
		Row(adv, ret, r, m []float64) error
	}
}

func (s *rfppSums) inputs(t *rollout.Trajectory) (r, m []float64, err error) {
	rs, err := credit.TokenRewards(one(t), credit.Reward.Get(s.v))
	if err != nil {
		return nil, nil, err
	}
	return rs[0], credit.Masks(one(t))[0], nil
}

func (s *rfppSums) add(t *rollout.Trajectory) error {
	r, m, err := s.inputs(t)
	if err != nil {
		return err
	}
	return s.p.Add(r, m)
}

func (s *rfppSums) pass() credit.SumPass { return rows{s.add, s.p.Finish, s.apply} }

func (s *rfppSums) apply(t *rollout.Trajectory) error {
	r, m, err := s.inputs(t)
	if err != nil {
		return err
	}
	adv, ret := make([]float64, len(r)), make([]float64, len(r))
	if err := s.p.Row(adv, ret, r, m); err != nil {
		return err
	}
	t.Advantages, t.Returns = adv, ret
	return nil
}

// rfppbSums is verl.reinforce_plus_plus_baseline's three-pass form
// (anchor/verl.ReinforcePlusPlusBaselineRows): group means, whitening
// statistics, credit.
type rfppbSums struct {
	v credit.Values
	p *verl.ReinforcePlusPlusBaselineRows
}

func (s *rfppbSums) Grouped() bool { return false }
func (s *rfppbSums) Passes() int   { return 2 }

func (s *rfppbSums) inputs(t *rollout.Trajectory) (r, m []float64, err error) {
	rs, err := credit.TokenRewards(one(t), credit.Reward.Get(s.v))
	if err != nil {
		return nil, nil, err
	}
	return rs[0], credit.Masks(one(t))[0], nil
}

func (s *rfppbSums) Add(k int, b *rollout.Batch) error {
	for _, t := range b.Trajectories {
		r, m, err := s.inputs(t)
		if err != nil {
			return err
		}
		if k == 0 {
			err = s.p.AddScore(r, t.Group)
		} else {
			err = s.p.AddWhiten(r, m, t.Group)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *rfppbSums) EndPass(k int) error {
	if k == 0 {
		s.p.EndScores()
		return nil
	}
	return s.p.Finish()
}

func (s *rfppbSums) Apply(b *rollout.Batch) error {
	for _, t := range b.Trajectories {
		r, m, err := s.inputs(t)
		if err != nil {
			return err
		}
		adv := make([]float64, len(r))
		if err := s.p.Row(adv, r, m, t.Group); err != nil {
			return err
		}
		t.Advantages, t.Returns = adv, append([]float64(nil), adv...)
	}
	return nil
}

// gpgSums is verl.gpg's two-pass form (anchor/verl.GPGRows).
type gpgSums struct {
	v credit.Values
	p *verl.GPGRows
}

func (s *gpgSums) Grouped() bool { return false }
func (s *gpgSums) Passes() int   { return 1 }

func (s *gpgSums) Add(_ int, b *rollout.Batch) error {
	for _, t := range b.Trajectories {
		rs, err := credit.TokenRewards(one(t), credit.Reward.Get(s.v))
		if err != nil {
			return err
		}
		if err := s.p.Add(rs[0], t.Group); err != nil {
			return err
		}
	}
	return nil
}

func (s *gpgSums) EndPass(int) error { s.p.Finish(); return nil }

func (s *gpgSums) Apply(b *rollout.Batch) error {
	for _, t := range b.Trajectories {
		rs, err := credit.TokenRewards(one(t), credit.Reward.Get(s.v))
		if err != nil {
			return err
		}
		adv := make([]float64, len(rs[0]))
		if err := s.p.Row(adv, rs[0], credit.Masks(one(t))[0], t.Group); err != nil {
			return err
		}
		t.Advantages, t.Returns = adv, append([]float64(nil), adv...)
	}
	return nil
}
