package stream

import (
	"errors"
	"fmt"
	"io"

	"github.com/credo-rl/credo/rollout"
)

// sums runs a batch-scope method with a multi-pass form (credit.SumPass) on
// a regular file: the first pass validates and indexes every record, every
// pass folds the pieces (records, or whole groups) into the batch
// statistics, and the last writes each piece with its credit. One piece is
// held at a time. A grouped method on a file whose groups are not
// contiguous is run on the whole file instead (its batch order is the order
// of the groups).
func (r *run) sums() error {
	r.mode = "two passes"
	p, err := r.m.BeginSums(r.v)
	if err != nil {
		return badInput(err)
	}
	passes := p.Passes()
	if passes+1 > 2 {
		r.mode = fmt.Sprintf("%d passes", passes+1)
	} else if passes == 0 {
		r.mode = "one pass"
	}
	for k := 0; k <= passes; k++ {
		last := k == passes
		err := r.piecewise(p.Grouped(), k == 0, func(b *rollout.Batch, recs []int) error {
			if last {
				if err := p.Apply(b); err != nil {
					return r.methodErr(err, b, recs)
				}
				if err := r.check(b, recs); err != nil {
					return err
				}
				for _, t := range b.Trajectories {
					if err := r.w.Write(t); err != nil {
						return fmt.Errorf("write output %s: %w", r.out, err)
					}
				}
				return nil
			}
			if err := p.Add(k, b); err != nil {
				return r.methodErr(err, b, recs)
			}
			return nil
		})
		var il *interleaved
		if errors.As(err, &il) {
			if err := r.resetOutput(); err != nil {
				return err
			}
			return r.whole()
		}
		if err != nil {
			return err
		}
		if !last {
			if err := p.EndPass(k); err != nil {
				return badInput(fmt.Errorf("%s: %w", r.in, err))
			}
		}
	}
	return nil
}

// piecewise reads the input once and hands it to f in pieces, in input
// order: one record at a time, or (grouped) one contiguous group at a time,
// failing with *interleaved when a group reappears. The first pass builds
// the index and checks the links at its end; later passes check that the
// file is unchanged.
func (r *run) piecewise(grouped, first bool, f func(*rollout.Batch, []int) error) error {
	src, err := r.open()
	if err != nil {
		return err
	}
	defer src.close()
	if first {
		r.x = newIndex(r.in, src.unit)
	}
	x := r.x
	gr := newGrouper(f)
	for n := 0; ; n++ {
		t, p, err := src.next()
		if err == io.EOF {
			if !first && n != x.n() {
				return changed(r.in)
			}
			break
		}
		if err != nil {
			return err
		}
		rec, g := n, int32(0)
		if first {
			if rec, g, err = x.add(t, p); err != nil {
				return err
			}
		} else {
			if n >= x.n() || idOf(x, n, t) != t.ID {
				return changed(r.in)
			}
			g = x.group[n]
		}
		if !grouped {
			r.hold(1)
			if err := f(&rollout.Batch{Trajectories: []*rollout.Trajectory{t}}, []int{rec}); err != nil {
				return err
			}
			continue
		}
		if err := gr.add(x, t, rec, g); err != nil {
			return err
		}
	}
	err = gr.finish()
	r.hold(gr.held)
	if err != nil {
		return err
	}
	if first {
		return x.links()
	}
	return nil
}
