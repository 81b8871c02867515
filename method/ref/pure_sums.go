package ref

import (
	"fmt"
	"github.com/credo-rl/credo/credit"

	"github.com/credo-rl/credo/anchor/pure"
	"github.com/credo-rl/credo/rollout"
)

// pureSums is PURE's multi-pass form: everything but the replay buffer's
// normalisation is computed group by group (runPURE on one group, without
// the normalisation), and the normalisation's mean and variance are summed
// over the groups in input order (anchor/pure.NormRows): three passes over
// contiguous groups, one group held at a time. Groups must be contiguous:
// the whole-batch computation orders its rows group by group in the order
// the groups first appear, which is then the input order.
type pureSums struct {
	v         credit.Values
	corrected bool
	off       bool // disable_advantage_normalization: one pass, group by group
	norm      *pure.NormRows
	n         int    // trajectories per group (n_samples_per_prompt)
	first     string // the first group, for the message on unequal groups
}

func newPURESums(corrected bool) func(credit.Values) (credit.SumPass, error) {
	return func(v credit.Values) (credit.SumPass, error) {
		// The pre-normalisation credit of a group is runPURE's with the
		// normalisation off.
		w := credit.Values{}
		for k, x := range v {
			w[k] = x
		}
		w[pPUREDisableAdvantageNormalization.Name] = true
		return &pureSums{v: w, corrected: corrected, off: pPUREDisableAdvantageNormalization.Get(v), norm: pure.NewNormRows(corrected)}, nil
	}
}

func (s *pureSums) Grouped() bool { return true }

// Passes: with the normalisation off, the first read only checks the
// inputs and the group sizes.
func (s *pureSums) Passes() int {
	if s.off {
		return 1
	}
	return 2
}

// group computes the group's credit before the normalisation.
func (s *pureSums) group(b *rollout.Batch) error {
	return runPURE(s.corrected)(b, s.v)
}

func (s *pureSums) Add(k int, b *rollout.Batch) error {
	if k == 0 {
		// Blocks' check across groups: every group the same size.
		if s.n == 0 {
			s.n, s.first = len(b.Trajectories), b.Trajectories[0].Group
		} else if len(b.Trajectories) != s.n {
			return fmt.Errorf("every group needs the same number of trajectories (n_samples_per_prompt): group %q has %d, group %q has %d", s.first, s.n, b.Trajectories[0].Group, len(b.Trajectories))
		}
		if s.off {
			return nil
		}
	}
	if err := s.group(b); err != nil {
		return err
	}
	for _, t := range b.Trajectories {
		m := credit.Masks(one(t))[0]
		if k == 0 {
			s.norm.AddMean(t.Advantages, m)
		} else {
			s.norm.AddVariance(t.Advantages, m)
		}
	}
	return nil
}

func (s *pureSums) EndPass(k int) error {
	if s.off {
		return nil
	}
	if k == 0 {
		return s.norm.EndMean()
	}
	s.norm.Finish()
	return nil
}

func (s *pureSums) Apply(b *rollout.Batch) error {
	if err := s.group(b); err != nil || s.off {
		return err
	}
	for _, t := range b.Trajectories {
		adv := make([]float64, t.Len())
		s.norm.Apply(adv, t.Advantages, credit.Masks(one(t))[0])
		t.Advantages = adv
	}
	return nil
}
