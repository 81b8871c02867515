package stream

import (
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// methodErr turns a method's error on the group b (records recs) into an
// input error located in the user's coordinates.
func (r *run) methodErr(err error, b *rollout.Batch, recs []int) error {
	var ie *credit.InputError
	if errors.As(err, &ie) && ie.Trajectory >= 0 && ie.Trajectory < len(recs) {
		ie.Record = r.x.where(recs[ie.Trajectory])
	}
	return badInput(fmt.Errorf("%s: %s: %w", r.in, r.groupName(b, recs), located{err, r.x}))
}

// trajRef is how methods name a trajectory of their batch: its index in
// the batch (which the user never sees) and its traj_uid.
var trajRef = regexp.MustCompile(`(?:trajectory|row) \d+ \(traj_uid ("(?:[^"\\]|\\.)*")\)`)

// located is a method's error with "trajectory 3 (traj_uid "x")" rewritten
// to the record's place in the input, "line 12 (traj_uid "x")"; errors.Is
// and errors.As still see the original.
type located struct {
	err error
	x   *index
}

func (l located) Unwrap() error { return l.err }

func (l located) Error() string {
	return trajRef.ReplaceAllStringFunc(l.err.Error(), func(m string) string {
		sub := trajRef.FindStringSubmatch(m)
		id, err := strconv.Unquote(sub[1])
		if err != nil {
			return m
		}
		rec, ok := l.x.ids[id]
		if !ok {
			return m
		}
		return fmt.Sprintf("%s (traj_uid %s)", l.x.where(int(rec)), sub[1])
	})
}

func (r *run) groupName(b *rollout.Batch, recs []int) string {
	if len(b.Trajectories) == 0 {
		return "empty group"
	}
	if r.perRecord && len(recs) == 1 {
		return fmt.Sprintf("record at %s (uid %q)", r.x.where(recs[0]), b.Trajectories[0].Group)
	}
	g := b.Trajectories[0].Group
	for _, t := range b.Trajectories {
		if t.Group != g {
			return fmt.Sprintf("batch of %d records (%s)", len(recs), r.x.span(recs))
		}
	}
	return fmt.Sprintf("group uid %q (%s)", g, r.x.span(recs))
}

// check refuses credit that is not finite, and rewards whose statistics
// overflow float64, before anything is written.
func (r *run) check(b *rollout.Batch, recs []int) error {
	for i, t := range b.Trajectories {
		for _, f := range [...]struct {
			name string
			x    []float64
		}{{"advantages", t.Advantages}, {"returns", t.Returns}, {"loss_weights", t.LossWeights}, {"token_level_rewards", t.TokenRewards}} {
			if k := nonFinite(f.x); k >= 0 {
				return badInput(fmt.Errorf("%s: %s (traj_uid %q, %s): method %s with %s gives %s[%d] = %v; credo writes no NaN or infinity: check the parameters (e.g. epsilon > 0 when a group's rewards are all equal) and the rewards",
					r.in, r.x.where(recs[i]), t.ID, r.groupName(b, recs), r.m.Name, r.params(), f.name, k, f.x[k]))
			}
		}
		for s, st := range t.Steps {
			for key, y := range st.Labels {
				if math.IsNaN(y) || math.IsInf(y, 0) {
					return badInput(fmt.Errorf("%s: %s (traj_uid %q, %s): method %s with %s gives steps[%d].labels.%s = %v; credo writes no NaN or infinity",
						r.in, r.x.where(recs[i]), t.ID, r.groupName(b, recs), r.m.Name, r.params(), s, key, y))
				}
			}
		}
	}
	return r.overflow(b, recs)
}

// nonFinite returns the index of the first NaN or ±Inf in xs, or -1: the
// values whose exponent bits are all ones, tested without a branch per
// value.
func nonFinite(xs []float64) int {
	const exp = 0x7FF << 52
	i := 0
	for ; i+4 <= len(xs); i += 4 {
		a, b := math.Float64bits(xs[i])&exp, math.Float64bits(xs[i+1])&exp
		c, d := math.Float64bits(xs[i+2])&exp, math.Float64bits(xs[i+3])&exp
		if a == exp || b == exp || c == exp || d == exp {
			break
		}
	}
	for ; i < len(xs); i++ {
		if math.Float64bits(xs[i])&exp == exp {
			return i
		}
	}
	return -1
}

// overflow detects outcome rewards whose mean or variance overflows float64
// (|r| near 1e308): methods that normalise by the standard deviation then
// give Inf/Inf or x/Inf and silently zero credit. It looks at the channel
// named by the method's "reward" parameter, where the method has one.
func (r *run) overflow(b *rollout.Batch, recs []int) error {
	ch, ok := r.v["reward"].(string)
	if !ok || ch == "" {
		return nil
	}
	var sum float64
	n := 0
	for _, t := range b.Trajectories {
		if x, ok := t.Rewards[ch]; ok {
			sum += x
			n++
		}
	}
	if n == 0 {
		return nil
	}
	mean := sum / float64(n)
	var ss float64
	for _, t := range b.Trajectories {
		if x, ok := t.Rewards[ch]; ok {
			ss += (x - mean) * (x - mean)
		}
	}
	if !math.IsInf(sum, 0) && !math.IsInf(ss, 0) && !math.IsNaN(ss) {
		return nil
	}
	big, at := 0.0, 0
	for i, t := range b.Trajectories {
		if x := math.Abs(t.Rewards[ch]); x > big {
			big, at = x, i
		}
	}
	return badInput(fmt.Errorf("%s: %s: rewards.%s up to %g (%s) overflow float64 in the group's mean or variance, so normalised credit would be 0 or NaN; rescale the rewards (|r| below about 1e150)",
		r.in, r.groupName(b, recs), ch, big, r.x.where(recs[at])))
}

// whole reads the whole input and runs the method on it at once.
func (r *run) whole() error {
	r.mode = "whole file"
	src, err := r.open()
	if err != nil {
		return err
	}
	x := newIndex(r.in, src.unit)
	r.x = x
	b := &rollout.Batch{}
	for {
		t, p, err := src.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			src.close()
			return err
		}
		if _, _, err := x.add(t, p); err != nil {
			src.close()
			return err
		}
		b.Trajectories = append(b.Trajectories, t)
	}
	src.close()
	r.hold(x.n())
	if err := x.links(); err != nil {
		return err
	}
	recs := make([]int, x.n())
	for i := range recs {
		recs[i] = i
	}
	if err := r.m.AssignState(b, r.v, r.st); err != nil {
		return r.methodErr(err, b, recs)
	}
	// Check group by group, so that a message names the group.
	for _, g := range members(x) {
		sub := &rollout.Batch{Trajectories: make([]*rollout.Trajectory, len(g))}
		for i, rec := range g {
			sub.Trajectories[i] = b.Trajectories[rec]
		}
		if err := r.check(sub, g); err != nil {
			return err
		}
	}
	for _, t := range b.Trajectories {
		if err := r.w.Write(t); err != nil {
			return fmt.Errorf("write output %s: %w", r.out, err)
		}
	}
	return nil
}
