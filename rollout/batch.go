package rollout

import "fmt"

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
