package rollout

import (
	"fmt"
	"strings"
)

// RecordError locates a validation error in a batch or file.
type RecordError struct {
	File   string // may be empty
	Record string // "line 12", "row 3", "trajectory t7"
	Err    error
}

func (e *RecordError) Error() string {
	if e.File != "" {
		return fmt.Sprintf("%s: %s: %v", e.File, e.Record, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Record, e.Err)
}

func (e *RecordError) Unwrap() error { return e.Err }

// Validate checks every trajectory, unique ids and parent links.
func (b *Batch) Validate() error {
	for i, t := range b.Trajectories {
		if err := t.Validate(); err != nil {
			return &RecordError{Record: record(i, t), Err: err}
		}
	}
	return b.ValidateLinks()
}

func record(i int, t *Trajectory) string {
	if t.ID != "" {
		return fmt.Sprintf("trajectory %d (traj_uid %q)", i, t.ID)
	}
	return fmt.Sprintf("trajectory %d", i)
}

// ValidateLinks checks what involves several trajectories: unique ids and
// parent links. Readers that validated each record as they read it call
// this instead of Validate.
func (b *Batch) ValidateLinks() error {
	seen := make(map[string]int, len(b.Trajectories))
	for i, t := range b.Trajectories {
		rec := record(i, t)
		if t.ID != "" {
			if j, dup := seen[t.ID]; dup {
				return &RecordError{Record: rec, Err: ferr("traj_uid", "duplicate id %q, also trajectory %d", t.ID, j)}
			}
			seen[t.ID] = i
		}
	}
	for i, t := range b.Trajectories {
		if t.Parent == nil {
			continue
		}
		j, ok := seen[t.Parent.Trajectory]
		if !ok {
			return &RecordError{Record: fmt.Sprintf("trajectory %d (traj_uid %q)", i, t.ID), Err: ferr("parent.traj_uid", "unknown trajectory %q", t.Parent.Trajectory)}
		}
		if p := b.Trajectories[j]; t.Parent.Token > p.Len() {
			return &RecordError{Record: fmt.Sprintf("trajectory %d (traj_uid %q)", i, t.ID), Err: ferr("parent.token", "prefix of %d tokens, but parent %q has %d", t.Parent.Token, p.ID, p.Len())}
		}
	}
	parent := make([]int, len(b.Trajectories))
	for i, t := range b.Trajectories {
		parent[i] = -1
		if t.Parent != nil {
			parent[i] = seen[t.Parent.Trajectory]
		}
	}
	if c := ParentCycle(parent); c != nil {
		names := make([]string, len(c))
		for k, i := range c {
			names[k] = fmt.Sprintf("%q", b.Trajectories[i].ID)
		}
		i := c[0]
		return &RecordError{Record: record(i, b.Trajectories[i]), Err: CycleError(names)}
	}
	return nil
}

// CycleError is the error for parent links that form a cycle; names are
// the trajectories on it in link order, each quoted or located as the
// caller wishes.
func CycleError(names []string) error {
	return ferr("parent.traj_uid", "parent links form a cycle: %s -> %s (a trajectory cannot descend from itself)",
		strings.Join(names, " -> "), names[0])
}

// ParentCycle finds a cycle in parent links: parent[i] is the index of i's
// parent, or -1 for a root. It returns the indices on one cycle, starting
// from its smallest member and following the links, or nil when the links
// form a forest. Time and memory are linear in len(parent).
func ParentCycle(parent []int) []int {
	const (
		unseen = 0
		onPath = 1
		done   = 2
	)
	state := make([]uint8, len(parent))
	for start := range parent {
		if state[start] != unseen {
			continue
		}
		i := start
		for i >= 0 && state[i] == unseen {
			state[i] = onPath
			i = parent[i]
		}
		if i >= 0 && state[i] == onPath {
			// i is on a cycle reached from start.
			cyc := []int{i}
			for j := parent[i]; j != i; j = parent[j] {
				cyc = append(cyc, j)
			}
			m := 0
			for k, j := range cyc {
				if j < cyc[m] {
					m = k
				}
			}
			return append(cyc[m:], cyc[:m]...)
		}
		for j := start; j >= 0 && state[j] == onPath; j = parent[j] {
			state[j] = done
		}
	}
	return nil
}

// Groups returns the distinct group ids in order of first appearance and, per
// trajectory, its group number.
func (b *Batch) Groups() (ids []string, of []int) {
	of = make([]int, len(b.Trajectories))
	idx := map[string]int{}
	for i, t := range b.Trajectories {
		k, ok := idx[t.Group]
		if !ok {
			k = len(ids)
			idx[t.Group] = k
			ids = append(ids, t.Group)
		}
		of[i] = k
	}
	return ids, of
}
