package format

import (
	"fmt"

	"github.com/credo-rl/credo/rollout"
)

// Links checks what involves several records of a file as they stream by,
// locating every error in the user's coordinates (the position given by
// Reader.Pos: "line N" or "row N"): unique trajectory ids, parent links
// naming a trajectory of the file, within its length, and without cycles.
// It holds per record its id, length, parent and position, not the
// records.
type Links struct {
	file   string
	ids    map[string]int
	recs   []linkRec
	groups map[string]bool
	// Tokens is the number of tokens seen.
	Tokens int
}

type linkRec struct {
	id     string
	pos    string
	length int
	parent *rollout.Branch
}

// NewLinks starts checking the records of file (its name in messages).
func NewLinks(file string) *Links {
	return &Links{file: file, ids: map[string]int{}, groups: map[string]bool{}}
}

func (l *Links) err(pos, field, format string, a ...any) error {
	return &rollout.RecordError{File: l.file, Record: pos, Err: &rollout.FieldError{Field: field, Msg: fmt.Sprintf(format, a...)}}
}

// Add records t, read at pos, and reports a duplicate id at once.
func (l *Links) Add(t *rollout.Trajectory, pos string) error {
	if j, dup := l.ids[t.ID]; dup {
		return l.err(pos, "traj_uid", "duplicate id %q, also at %s", t.ID, l.recs[j].pos)
	}
	l.ids[t.ID] = len(l.recs)
	var p *rollout.Branch
	if t.Parent != nil {
		b := *t.Parent
		p = &b
	}
	l.recs = append(l.recs, linkRec{id: t.ID, pos: pos, length: t.Len(), parent: p})
	l.groups[t.Group] = true
	l.Tokens += t.Len()
	return nil
}

// Trajectories and Groups count what was added.
func (l *Links) Trajectories() int { return len(l.recs) }

// Groups is the number of distinct group ids added.
func (l *Links) Groups() int { return len(l.groups) }

// Check checks the parent links once every record was added, and that
// there was at least one record.
func (l *Links) Check() error {
	if len(l.recs) == 0 {
		return fmt.Errorf("%s: no trajectories", l.file)
	}
	for _, r := range l.recs {
		if r.parent == nil {
			continue
		}
		j, ok := l.ids[r.parent.Trajectory]
		if !ok {
			return l.err(r.pos, "parent.traj_uid", "unknown trajectory %q", r.parent.Trajectory)
		}
		if p := l.recs[j]; r.parent.Token > p.length {
			return l.err(r.pos, "parent.token", "prefix of %d tokens, but parent %q (%s) has %d", r.parent.Token, p.id, p.pos, p.length)
		}
	}
	// Cycles: follow parents from each record; state 1 = on the current
	// path, 2 = known to reach a root.
	state := make([]byte, len(l.recs))
	for i := range l.recs {
		var path []int
		k := i
		for k >= 0 && state[k] == 0 {
			state[k] = 1
			path = append(path, k)
			k = l.parentOf(k)
		}
		if k >= 0 && state[k] == 1 {
			r := l.recs[k]
			return l.err(r.pos, "parent.traj_uid", "parent links form a cycle through trajectory %q", r.id)
		}
		for _, p := range path {
			state[p] = 2
		}
	}
	return nil
}

func (l *Links) parentOf(k int) int {
	if p := l.recs[k].parent; p != nil {
		return l.ids[p.Trajectory]
	}
	return -1
}
