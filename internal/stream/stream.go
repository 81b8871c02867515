// Package stream runs a credit method over a rollout file and writes the
// records back with their credit.
//
// Methods whose statistics stay inside a group (credit.ScopeGroup) are run
// group by group in two passes over the input: the first validates every
// record and counts the rows of each group, the second buffers rows until
// their group is complete, assigns its credit and writes records out in input
// order. Memory is then bounded by the largest group (plus any rows held back
// behind it when groups interleave), not by the file. Batch-scope methods read
// the whole file.
package stream

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/format"
	"github.com/credo-rl/credo/rollout"
)

// ErrInput marks errors caused by the user's input (exit code 2).
var ErrInput = errors.New("bad input")

type inputError struct{ err error }

func (e inputError) Error() string       { return e.err.Error() }
func (e inputError) Unwrap() []error     { return []error{e.err, ErrInput} }
func badInput(err error) error           { return inputError{err} }
func badInputf(f string, a ...any) error { return inputError{fmt.Errorf(f, a...)} }
func recordErr(file, rec string, err error) error {
	return badInput(&rollout.RecordError{File: file, Record: rec, Err: err})
}

// Stats summarises a run.
type Stats struct {
	Trajectories int
	Groups       int
	Tokens       int
}

// Scan validates a whole file record by record and across records (unique
// trajectory ids, parent links), returning per-record group ids.
func Scan(path string) (groups []string, st Stats, err error) {
	return scan(path, format.Options{})
}

func scan(path string, fo format.Options) (groups []string, st Stats, err error) {
	r, err := format.OpenWith(path, fo)
	if err != nil {
		return nil, st, badInput(err)
	}
	defer r.Close()
	ids := map[string]int{}
	lens := map[string]int{}
	type parentRef struct {
		rec   int
		p     rollout.Branch
		child string
	}
	var parents []parentRef
	seenGroup := map[string]bool{}
	for {
		t, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, st, badInput(err)
		}
		n := len(groups)
		if j, dup := ids[t.ID]; dup {
			return nil, st, recordErr(path, fmt.Sprintf("record %d", n+1), &rollout.FieldError{Field: "traj_uid", Msg: fmt.Sprintf("duplicate id %q, also record %d", t.ID, j+1)})
		}
		ids[t.ID] = n
		lens[t.ID] = t.Len()
		if t.Parent != nil {
			parents = append(parents, parentRef{rec: n, p: *t.Parent, child: t.ID})
		}
		groups = append(groups, t.Group)
		if !seenGroup[t.Group] {
			seenGroup[t.Group] = true
			st.Groups++
		}
		st.Tokens += t.Len()
	}
	for _, p := range parents {
		l, ok := lens[p.p.Trajectory]
		if !ok {
			return nil, st, recordErr(path, fmt.Sprintf("record %d", p.rec+1), &rollout.FieldError{Field: "parent.traj_uid", Msg: fmt.Sprintf("unknown trajectory %q", p.p.Trajectory)})
		}
		if p.p.Token > l {
			return nil, st, recordErr(path, fmt.Sprintf("record %d", p.rec+1), &rollout.FieldError{Field: "parent.token", Msg: fmt.Sprintf("prefix of %d tokens, but parent %q has %d", p.p.Token, p.p.Trajectory, l)})
		}
	}
	if len(groups) == 0 {
		return nil, st, badInputf("%s: no trajectories", path)
	}
	st.Trajectories = len(groups)
	return groups, st, nil
}

// Assign runs method m with values v on the file in and writes the result to
// out. The output appears only when everything succeeded; in is never
// modified. st carries the state of stateful methods (nil = fresh); groups
// are processed in the order in which their last record appears.
func Assign(m *credit.Method, v credit.Values, st *credit.State, in, out string) (Stats, error) {
	return AssignWith(m, v, st, in, out, Options{})
}

// AssignWith is Assign with options.
func AssignWith(m *credit.Method, v credit.Values, st *credit.State, in, out string, o Options) (Stats, error) {
	if err := sameFile(in, out); err != nil {
		return Stats{}, err
	}
	if _, err := format.SpecOf(out, o.OutFormat); err != nil {
		return Stats{}, badInput(err)
	}
	if !format.Rereadable(in) {
		return Stats{}, badInputf("%s is a pipe or standard input, which cannot be read twice: %s reads its input in two passes; write it to a file first", format.DisplayName(in, false), m.Name)
	}
	groups, stats, err := scan(in, o.pass(1, 2))
	if err != nil {
		return stats, err
	}
	w, err := format.CreateWith(out, format.Options{Format: o.OutFormat})
	if err != nil {
		return stats, err
	}
	defer w.Abort()
	if m.ScopeFor(v) == credit.ScopeGroup {
		err = byGroup(m, v, st, in, groups, w, o.pass(2, 2))
	} else {
		err = whole(m, v, st, in, w, o.pass(2, 2))
	}
	if err != nil {
		return stats, err
	}
	return stats, w.Commit()
}

// CheckNotSame refuses an output path that is the input file.
func CheckNotSame(in, out string) error { return sameFile(in, out) }

func sameFile(in, out string) error {
	if in == format.Stdio || out == format.Stdio {
		return nil
	}
	a, err := os.Stat(in)
	if err != nil {
		return badInput(err)
	}
	if b, err := os.Stat(out); err == nil && os.SameFile(a, b) {
		return badInputf("--out %s is the input file: credo never overwrites its input", out)
	}
	return nil
}

func whole(m *credit.Method, v credit.Values, st *credit.State, in string, w format.Writer, fo format.Options) error {
	b, err := readAll(in, fo)
	if err != nil {
		return badInput(err)
	}
	if err := m.AssignState(b, v, st); err != nil {
		return classify(in, err)
	}
	for _, t := range b.Trajectories {
		if err := w.Write(t); err != nil {
			return err
		}
	}
	return nil
}

// classify marks a method's error as bad input: every error a method
// returns is about the data it was given (missing inputs, shapes, values).
func classify(in string, err error) error {
	return badInput(fmt.Errorf("%s: %w", in, err))
}

func byGroup(m *credit.Method, v credit.Values, st *credit.State, in string, groups []string, w format.Writer, fo format.Options) error {
	remaining := map[string]int{}
	for _, g := range groups {
		remaining[g]++
	}
	r, err := format.OpenWith(in, fo)
	if err != nil {
		return badInput(err)
	}
	defer r.Close()
	pending := map[string][]*rollout.Trajectory{}
	var queue []*rollout.Trajectory
	done := map[string]bool{}
	for {
		t, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return badInput(err)
		}
		queue = append(queue, t)
		pending[t.Group] = append(pending[t.Group], t)
		remaining[t.Group]--
		if remaining[t.Group] == 0 {
			b := &rollout.Batch{Trajectories: pending[t.Group]}
			if err := m.AssignState(b, v, st); err != nil {
				return classify(in, err)
			}
			delete(pending, t.Group)
			done[t.Group] = true
			k := 0
			for k < len(queue) && done[queue[k].Group] {
				if err := w.Write(queue[k]); err != nil {
					return err
				}
				queue[k] = nil
				k++
			}
			queue = queue[k:]
		}
	}
	if len(queue) != 0 {
		return fmt.Errorf("%s: the file changed while credo read it (%d records left unassigned)", in, len(queue))
	}
	return nil
}
