package credit

import (
	"fmt"

	"github.com/credo-rl/credo/rollout"
)

// SumPass is the two-pass form of a batch-scope method whose batch
// statistics are sums over the trajectories (the batch whitening of
// REINFORCE++ and GAE): a file can then be streamed twice instead of being
// held in memory. Add is called for every trajectory of the batch in batch
// order (first pass), then Finish, then Apply for every trajectory again in
// the same order (second pass), which writes its credit. The result is that
// of the method's Run on the whole batch, bit for bit.
type SumPass interface {
	Add(t *rollout.Trajectory) error
	Finish() error
	Apply(t *rollout.Trajectory) error
}

// BeginSums starts a two-pass run of a method that has Sums; each
// trajectory's inputs are checked as Assign checks them, and errors name the
// method.
func (m *Method) BeginSums(v Values) (SumPass, error) {
	if m.Sums == nil {
		return nil, fmt.Errorf("method %s has no two-pass form", m.Name)
	}
	if v == nil {
		v = m.Defaults()
	}
	p, err := m.Sums(v)
	if err != nil {
		return nil, fmt.Errorf("method %s: %w", m.Name, err)
	}
	return &sumRunner{m: m, v: v, p: p}, nil
}

type sumRunner struct {
	m *Method
	v Values
	p SumPass
}

func (s *sumRunner) wrap(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("method %s: %w", s.m.Name, err)
}

func (s *sumRunner) Add(t *rollout.Trajectory) error {
	if err := s.m.Check(&rollout.Batch{Trajectories: []*rollout.Trajectory{t}}, s.v); err != nil {
		return err
	}
	return s.wrap(s.p.Add(t))
}

func (s *sumRunner) Finish() error                     { return s.wrap(s.p.Finish()) }
func (s *sumRunner) Apply(t *rollout.Trajectory) error { return s.wrap(s.p.Apply(t)) }

// one is the batch of a single trajectory, for the per-trajectory input
// helpers (TokenRewards, Masks).
func one(t *rollout.Trajectory) *rollout.Batch {
	return &rollout.Batch{Trajectories: []*rollout.Trajectory{t}}
}

// gaeSums is verl.gae's two-pass form (anchor/verl.GAERows).
type gaeSums struct {
	v Values
	p interface {
		Add(r, v, m []float64) error
		Finish() error
		Row(adv, ret, r, v, m []float64) error
	}
}

func (s *gaeSums) inputs(t *rollout.Trajectory) (r, v, m []float64, err error) {
	rs, err := TokenRewards(one(t), s.v.String("reward"))
	if err != nil {
		return nil, nil, nil, err
	}
	return rs[0], TokenValues(one(t))[0], Masks(one(t))[0], nil
}

func (s *gaeSums) Add(t *rollout.Trajectory) error {
	r, v, m, err := s.inputs(t)
	if err != nil {
		return err
	}
	return s.p.Add(r, v, m)
}

func (s *gaeSums) Finish() error { return s.p.Finish() }

func (s *gaeSums) Apply(t *rollout.Trajectory) error {
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
	v Values
	p interface {
		Add(r, m []float64) error
		Finish() error
		Row(adv, ret, r, m []float64) error
	}
}

func (s *rfppSums) inputs(t *rollout.Trajectory) (r, m []float64, err error) {
	rs, err := TokenRewards(one(t), s.v.String("reward"))
	if err != nil {
		return nil, nil, err
	}
	return rs[0], Masks(one(t))[0], nil
}

func (s *rfppSums) Add(t *rollout.Trajectory) error {
	r, m, err := s.inputs(t)
	if err != nil {
		return err
	}
	return s.p.Add(r, m)
}

func (s *rfppSums) Finish() error { return s.p.Finish() }

func (s *rfppSums) Apply(t *rollout.Trajectory) error {
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
