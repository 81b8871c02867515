package stream

import (
	"fmt"
	"io"

	"github.com/credo-rl/credo/rollout"
)

// sums runs a batch-scope method with a two-pass form (credit.SumPass) on a
// regular file: the first pass validates and indexes every record and
// folds it into the batch statistics, the second reads the file again and
// writes each record with its credit. One record is held at a time.
func (r *run) sums() error {
	r.mode = "two passes"
	p, err := r.m.BeginSums(r.v)
	if err != nil {
		return badInput(err)
	}
	src, err := openSource(r.in)
	if err != nil {
		return err
	}
	x := newIndex(r.in, src.unit)
	r.x = x
	for {
		t, pos, err := src.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			src.close()
			return err
		}
		rec, _, err := x.add(t, pos)
		if err != nil {
			src.close()
			return err
		}
		if err := p.Add(t); err != nil {
			src.close()
			return r.methodErr(err, &rollout.Batch{Trajectories: []*rollout.Trajectory{t}}, []int{rec})
		}
	}
	src.close()
	if err := x.links(); err != nil {
		return err
	}
	if err := p.Finish(); err != nil {
		return badInput(fmt.Errorf("%s: %w", r.in, err))
	}
	src, err = openSource(r.in)
	if err != nil {
		return err
	}
	defer src.close()
	for rec := 0; ; rec++ {
		t, _, err := src.next()
		if err == io.EOF {
			if rec != x.n() {
				return changed(r.in)
			}
			return nil
		}
		if err != nil {
			return err
		}
		if rec >= x.n() || idOf(x, rec, t) != t.ID {
			return changed(r.in)
		}
		b := &rollout.Batch{Trajectories: []*rollout.Trajectory{t}}
		if err := p.Apply(t); err != nil {
			return r.methodErr(err, b, []int{rec})
		}
		if err := r.check(b, []int{rec}); err != nil {
			return err
		}
		if err := r.w.Write(t); err != nil {
			return fmt.Errorf("write output %s: %w", r.out, err)
		}
	}
}
