package credit

import (
	"fmt"

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
	v = m.complete(v)
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
