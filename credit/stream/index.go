package stream

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/credo-rl/credo/format"
	"github.com/credo-rl/credo/rollout"
)

// source reads records in order and says where each one is in the user's
// coordinates: the line of a JSONL file, the row (from 1) of a Parquet file.
type source struct {
	r    format.Reader
	line interface{ InputLine() (int, bool) }
	n    int
	unit string
}

func openSource(path string, o format.Options) (*source, error) {
	r, err := format.OpenWith(path, o)
	if err != nil {
		return nil, badInput(err)
	}
	s := &source{r: r, unit: "row"}
	if l, ok := r.(interface{ InputLine() (int, bool) }); ok {
		if spec, err := format.SpecOf(path, o.Format); err == nil && spec.Kind == format.JSONL {
			s.line, s.unit = l, "line"
		}
	}
	return s, nil
}

// next returns the next record and its position, or io.EOF.
func (s *source) next() (*rollout.Trajectory, int, error) {
	t, err := s.r.Next()
	if err == io.EOF {
		return nil, 0, io.EOF
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return nil, 0, err // Job.Context: the run stops, the input is not at fault
	}
	if err != nil {
		return nil, 0, badInput(err)
	}
	s.n++
	p := s.n
	if s.line != nil {
		p, _ = s.line.InputLine()
	}
	return t, p, nil
}

func (s *source) close() { s.r.Close() }

type parentRef struct {
	rec   int32
	token int
	id    string
}

// index is what credo keeps per record of a file: its position, group and
// length, and what the checks across records need (ids, parent links). It
// holds no token data, so it costs tens of bytes per record.
type index struct {
	file    string
	unit    string
	pos     []int
	group   []int32
	lens    []int32
	gname   []string
	gnum    map[string]int32
	gsize   []int32
	ids     map[string]int32
	parents []parentRef
	tokens  int
}

func newIndex(file, unit string) *index {
	return &index{file: file, unit: unit, gnum: map[string]int32{}, ids: map[string]int32{}}
}

func (x *index) n() int { return len(x.pos) }

// where names record rec in the user's coordinates.
func (x *index) where(rec int) string { return fmt.Sprintf("%s %d", x.unit, x.pos[rec]) }

func (x *index) recordErr(rec int, err error) error {
	return badInput(&rollout.RecordError{File: x.file, Record: x.where(rec), Err: err})
}

// add records t, read at position p, and returns its record number and
// group number. A duplicate traj_uid is reported at once.
func (x *index) add(t *rollout.Trajectory, p int) (int, int32, error) {
	rec := len(x.pos)
	x.pos = append(x.pos, p)
	if j, dup := x.ids[t.ID]; dup {
		return rec, 0, x.recordErr(rec, &rollout.FieldError{Field: "traj_uid", Msg: fmt.Sprintf("duplicate id %q, also %s", t.ID, x.where(int(j)))})
	}
	x.ids[t.ID] = int32(rec)
	g, ok := x.gnum[t.Group]
	if !ok {
		g = int32(len(x.gname))
		x.gnum[t.Group] = g
		x.gname = append(x.gname, t.Group)
		x.gsize = append(x.gsize, 0)
	}
	x.gsize[g]++
	x.group = append(x.group, g)
	x.lens = append(x.lens, int32(t.Len()))
	x.tokens += t.Len()
	if t.Parent != nil {
		x.parents = append(x.parents, parentRef{rec: int32(rec), token: t.Parent.Token, id: t.Parent.Trajectory})
	}
	return rec, g, nil
}

// links checks the parent links once every record is known: the parent
// exists, the prefix fits in it, and the links form no cycle.
func (x *index) links() error {
	if x.n() == 0 {
		return badInputf("%s: no trajectories", x.file)
	}
	if len(x.parents) == 0 {
		return nil
	}
	parent := make([]int, x.n())
	for i := range parent {
		parent[i] = -1
	}
	for _, p := range x.parents {
		j, ok := x.ids[p.id]
		if !ok {
			return x.recordErr(int(p.rec), &rollout.FieldError{Field: "parent.traj_uid", Msg: fmt.Sprintf("unknown trajectory %q", p.id)})
		}
		if p.token > int(x.lens[j]) {
			return x.recordErr(int(p.rec), &rollout.FieldError{Field: "parent.token", Msg: fmt.Sprintf("prefix of %d tokens, but parent %q (%s) has %d", p.token, p.id, x.where(int(j)), x.lens[j])})
		}
		parent[p.rec] = int(j)
	}
	if c := rollout.ParentCycle(parent); c != nil {
		names := make([]string, len(c))
		for k, i := range c {
			names[k] = x.where(i)
		}
		return x.recordErr(c[0], rollout.CycleError(names))
	}
	return nil
}

// span describes the records of a group for messages: "lines 3-9" or
// "line 4".
func (x *index) span(recs []int) string {
	if len(recs) == 0 {
		return ""
	}
	lo, hi := x.pos[recs[0]], x.pos[recs[0]]
	for _, r := range recs {
		lo, hi = min(lo, x.pos[r]), max(hi, x.pos[r])
	}
	if lo == hi {
		return fmt.Sprintf("%s %d", x.unit, lo)
	}
	return fmt.Sprintf("%ss %d-%d", x.unit, lo, hi)
}

func (x *index) stats() Stats {
	return Stats{Trajectories: x.n(), Groups: len(x.gname), Tokens: x.tokens}
}

// Scan validates a whole file record by record and across records (unique
// trajectory ids, parent links and their cycles), returning per-record
// group ids.
func Scan(path string) (groups []string, st Stats, err error) {
	src, err := openSource(path, format.Options{})
	if err != nil {
		return nil, st, err
	}
	defer src.close()
	x := newIndex(path, src.unit)
	for {
		t, p, err := src.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, x.stats(), err
		}
		if _, _, err := x.add(t, p); err != nil {
			return nil, x.stats(), err
		}
		groups = append(groups, t.Group)
	}
	if err := x.links(); err != nil {
		return nil, x.stats(), err
	}
	return groups, x.stats(), nil
}
