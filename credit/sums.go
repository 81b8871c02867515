package credit

import (
	"fmt"

	"github.com/credo-rl/credo/anchor/verl"
	"github.com/credo-rl/credo/rollout"
)

// SumPass is the multi-pass form of a batch-scope method whose batch
// statistics are sums over the trajectories (the batch whitening of
// REINFORCE++, GAE and OpenRLHF's pipeline): a file can then be streamed
// a few times instead of being held in memory. The batch is fed in pieces,
// always in batch order: single trajectories, or whole groups when Grouped
// says so. For each pass k < Passes(), every piece goes to Add(k, piece),
// then EndPass(k) is called; a last pass gives every piece to Apply, which
// writes its credit. The result is that of the method's Run on the whole
// batch, bit for bit.
type SumPass interface {
	Grouped() bool
	Passes() int
	Add(pass int, b *rollout.Batch) error
	EndPass(pass int) error
	Apply(b *rollout.Batch) error
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

func (s *sumRunner) Grouped() bool { return s.p.Grouped() }
func (s *sumRunner) Passes() int   { return s.p.Passes() }

func (s *sumRunner) Add(k int, b *rollout.Batch) error {
	if k == 0 {
		if err := s.m.Check(b, s.v); err != nil {
			return err
		}
	}
	return s.wrap(s.p.Add(k, b))
}

func (s *sumRunner) EndPass(k int) error          { return s.wrap(s.p.EndPass(k)) }
func (s *sumRunner) Apply(b *rollout.Batch) error { return s.wrap(s.p.Apply(b)) }

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

func (s *gaeSums) add(t *rollout.Trajectory) error {
	r, v, m, err := s.inputs(t)
	if err != nil {
		return err
	}
	return s.p.Add(r, v, m)
}

func (s *gaeSums) pass() SumPass { return rows{s.add, s.p.Finish, s.apply} }

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

func (s *rfppSums) add(t *rollout.Trajectory) error {
	r, m, err := s.inputs(t)
	if err != nil {
		return err
	}
	return s.p.Add(r, m)
}

func (s *rfppSums) pass() SumPass { return rows{s.add, s.p.Finish, s.apply} }

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
	v Values
	p *verl.ReinforcePlusPlusBaselineRows
}

func (s *rfppbSums) Grouped() bool { return false }
func (s *rfppbSums) Passes() int   { return 2 }

func (s *rfppbSums) inputs(t *rollout.Trajectory) (r, m []float64, err error) {
	rs, err := TokenRewards(one(t), s.v.String("reward"))
	if err != nil {
		return nil, nil, err
	}
	return rs[0], Masks(one(t))[0], nil
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
	v Values
	p *verl.GPGRows
}

func (s *gpgSums) Grouped() bool { return false }
func (s *gpgSums) Passes() int   { return 1 }

func (s *gpgSums) Add(_ int, b *rollout.Batch) error {
	for _, t := range b.Trajectories {
		rs, err := TokenRewards(one(t), s.v.String("reward"))
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
		rs, err := TokenRewards(one(t), s.v.String("reward"))
		if err != nil {
			return err
		}
		adv := make([]float64, len(rs[0]))
		if err := s.p.Row(adv, rs[0], Masks(one(t))[0], t.Group); err != nil {
			return err
		}
		t.Advantages, t.Returns = adv, append([]float64(nil), adv...)
	}
	return nil
}
