package stream

import (
	"errors"

	"github.com/credo-rl/credo/rollout"
)

// grouper collects the records of a read into contiguous groups and hands
// each complete group to f, in input order. A group that reappears after
// another one started fails the read with *interleaved. The first input
// error of f is held (pending) and reported by finish, unless the read
// fails as interleaved first (the failing group may then have been
// incomplete); groups after it are not handed to f.
type grouper struct {
	f       func(b *rollout.Batch, recs []int) error
	held    int // largest group handed to f
	cur     []*rollout.Trajectory
	recs    []int
	curG    int32
	closed  []bool
	pending error
}

func newGrouper(f func(*rollout.Batch, []int) error) *grouper {
	return &grouper{f: f, curG: -1}
}

// add takes record rec (trajectory t of group g, as indexed in x).
func (gr *grouper) add(x *index, t *rollout.Trajectory, rec int, g int32) error {
	for int(g) >= len(gr.closed) {
		gr.closed = append(gr.closed, false)
	}
	if g != gr.curG {
		if gr.closed[g] {
			first := 0
			for first < rec && x.group[first] != g {
				first++
			}
			return &interleaved{group: t.Group, first: x.where(first), here: x.where(rec)}
		}
		if err := gr.flush(); err != nil {
			return err
		}
		gr.curG = g
	}
	gr.cur = append(gr.cur, t)
	gr.recs = append(gr.recs, rec)
	return nil
}

// flush hands the current group to f and closes it.
func (gr *grouper) flush() error {
	gr.held = max(gr.held, len(gr.cur))
	if len(gr.cur) > 0 && gr.pending == nil {
		if err := gr.f(&rollout.Batch{Trajectories: gr.cur}, gr.recs); err != nil {
			if !errors.Is(err, ErrInput) {
				return err
			}
			gr.pending = err
		}
	}
	if gr.curG >= 0 {
		gr.closed[gr.curG] = true
	}
	gr.cur, gr.recs = gr.cur[:0], gr.recs[:0]
	return nil
}

// finish hands over the last group and reports the held error.
func (gr *grouper) finish() error {
	if err := gr.flush(); err != nil {
		return err
	}
	return gr.pending
}
