package inspect

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// TruthScore is the default token_scores key holding the exact advantage
// A^π(s_t, a_t) of each token under the policy that sampled it, as the lab
// computes it by backward induction. When records carry it the inspector
// shows it beside each side's credit.
const TruthScore = "true_advantage"

// MethodSpec names a credit method and its key=value settings, run by the
// inspector on the records of the first file.
type MethodSpec struct {
	Name string
	Sets []string
}

// Options configure an Inspector.
type Options struct {
	// File is the rollout file; File2, when set, is shown on the right,
	// its trajectories matched to File's by traj_uid.
	File, File2 string
	// InFormat overrides the format given by the file names.
	InFormat string
	// Left replaces File's advantages on the left with the credit of a
	// method computed on File's records; Right does the same on the right
	// (instead of File2).
	Left, Right *MethodSpec
	// Reward is the outcome channel shown and sorted by ("outcome").
	Reward string
	// Truth is the token_scores key of the exact advantage (TruthScore).
	Truth string
	// Scale is the |credit| at which the colour scale saturates; 0 chooses
	// the 95th percentile of the trajectories' largest |credit|.
	Scale float64
	// Tokenizer decodes token ids when records have no token_text.
	Tokenizer *Tokenizer
}

// Inspector serves a rollout file (or two) to the browser page. It holds a
// compact index in memory: per trajectory its group, reward and largest
// |credit| and |difference|, and (for plain JSONL) the record's offset;
// records are read back from the file when a group is asked for.
type Inspector struct {
	opt    Options
	a, b   *source
	bOf    []int32        // per record of a: its match in b, -1 = none
	comp   [2]*computed   // per side: method credit computed at start, nil = from the file
	labels [2]string      // side names
	sides  int            // 1 or 2
	trajs  []trajSummary  // per record of a
	groups []groupSummary // in order of first appearance
	gByID  map[string]int
	scale  float64
	truth  bool // some record carries the exact advantage
}

type computed struct{ adv, ret [][]float64 }

type trajSummary struct {
	group    int32
	reward   float64
	maxAbs   float64 // largest |credit| over both sides
	maxDiff  float64 // largest |right - left|
	hasRewd  bool
	hasTruth bool
}

type groupSummary struct {
	ID      string
	Index   int
	Trajs   []int
	Mean    float64
	Min     float64
	Max     float64
	MaxAbs  float64
	MaxDiff float64
	Rewards int // trajectories with the reward channel
}

// Open indexes the files of o and computes any method credit.
func Open(o Options) (*Inspector, error) {
	if o.Reward == "" {
		o.Reward = rollout.DefaultReward
	}
	if o.Truth == "" {
		o.Truth = TruthScore
	}
	if o.File2 != "" && o.Right != nil {
		return nil, errors.New("two files and --method: the right side is either the second file or the method, not both")
	}
	in := &Inspector{opt: o, gByID: map[string]int{}, sides: 1}
	in.labels[0] = o.File + " (advantages)"
	if o.Left != nil {
		in.labels[0] = o.Left.Name
	}
	if o.File2 != "" || o.Right != nil {
		in.sides = 2
		if o.File2 != "" {
			in.labels[1] = o.File2 + " (advantages)"
		} else {
			in.labels[1] = o.Right.Name
		}
	}
	var err error
	if o.File2 != "" {
		if in.b, err = openSource(o.File2, o.InFormat, nil); err != nil {
			return nil, err
		}
	}
	specs := [2]*MethodSpec{o.Left, o.Right}
	var batch *rollout.Batch
	if o.Left != nil || o.Right != nil {
		batch = &rollout.Batch{}
	}
	in.a, err = openSource(o.File, o.InFormat, func(k int, t *rollout.Trajectory) error {
		g, ok := in.gByID[t.Group]
		if !ok {
			g = len(in.groups)
			in.gByID[t.Group] = g
			in.groups = append(in.groups, groupSummary{ID: t.Group, Index: g})
		}
		in.groups[g].Trajs = append(in.groups[g].Trajs, k)
		s := trajSummary{group: int32(g)}
		s.reward, s.hasRewd = t.Rewards[o.Reward]
		_, s.hasTruth = t.Scores[o.Truth]
		if o.Left == nil {
			for _, x := range t.Advantages {
				s.maxAbs = math.Max(s.maxAbs, math.Abs(x))
			}
		}
		in.truth = in.truth || s.hasTruth
		in.trajs = append(in.trajs, s)
		if in.b != nil {
			j, ok := in.b.byID[t.ID]
			if !ok {
				j = -1
			}
			in.bOf = append(in.bOf, int32(j))
		}
		if batch != nil {
			c := *t
			c.Advantages, c.Returns, c.LossWeights = nil, nil, nil
			batch.Trajectories = append(batch.Trajectories, &c)
		}
		return nil
	})
	if err != nil {
		in.Close()
		return nil, err
	}
	for s, spec := range specs {
		if spec == nil {
			continue
		}
		if s > 0 {
			for _, t := range batch.Trajectories {
				t.Advantages, t.Returns, t.LossWeights = nil, nil, nil
			}
		}
		m, err := credit.Lookup(spec.Name)
		if err != nil {
			in.Close()
			return nil, err
		}
		v, err := m.Parse(spec.Sets)
		if err != nil {
			in.Close()
			return nil, err
		}
		if err := m.Assign(batch, v); err != nil {
			in.Close()
			return nil, err
		}
		c := &computed{adv: make([][]float64, len(batch.Trajectories)), ret: make([][]float64, len(batch.Trajectories))}
		for i, t := range batch.Trajectories {
			for _, a := range [][]float64{t.Advantages, t.Returns} {
				for _, x := range a {
					if math.IsNaN(x) || math.IsInf(x, 0) {
						in.Close()
						return nil, fmt.Errorf("method %s gave a non-finite advantage or return for trajectory %q", spec.Name, t.ID)
					}
				}
			}
			c.adv[i], c.ret[i] = t.Advantages, t.Returns
		}
		in.comp[s] = c
	}
	batch = nil
	if err := in.summarise(); err != nil {
		in.Close()
		return nil, err
	}
	return in, nil
}

// Close releases the files.
func (in *Inspector) Close() error {
	var err error
	if in.a != nil {
		err = in.a.Close()
	}
	if in.b != nil {
		if e := in.b.Close(); err == nil {
			err = e
		}
	}
	return err
}

// sideValues returns side s's advantages and returns for record k of the
// first file (t), nil where absent.
func (in *Inspector) sideValues(s, k int, t *rollout.Trajectory) (adv, ret []float64, err error) {
	if c := in.comp[s]; c != nil {
		return c.adv[k], c.ret[k], nil
	}
	if s == 0 {
		return t.Advantages, t.Returns, nil
	}
	j := in.bOf[k]
	if j < 0 {
		return nil, nil, nil
	}
	u, err := in.b.get(int(j))
	if err != nil {
		return nil, nil, err
	}
	if len(u.Tokens) != len(t.Tokens) {
		return nil, nil, &rollout.RecordError{File: in.b.path, Record: in.b.pos(int(j)),
			Err: fmt.Errorf("trajectory %q has %d tokens, but %d in %s", u.ID, len(u.Tokens), len(t.Tokens), in.a.path)}
	}
	return u.Advantages, u.Returns, nil
}

// summarise fills the per-trajectory and per-group statistics and the scale.
func (in *Inspector) summarise() error {
	maxes := make([]float64, 0, len(in.trajs))
	reread := in.sides == 2 || in.comp[0] != nil // else the scan has it all
	for k := range in.trajs {
		if !reread {
			if m := in.trajs[k].maxAbs; m > 0 {
				maxes = append(maxes, m)
			}
			continue
		}
		t, err := in.a.get(k)
		if err != nil {
			return err
		}
		s := &in.trajs[k]
		s.maxAbs = 0
		var sides [2][]float64
		for i := 0; i < in.sides; i++ {
			adv, _, err := in.sideValues(i, k, t)
			if err != nil {
				return err
			}
			sides[i] = adv
			for _, x := range adv {
				s.maxAbs = math.Max(s.maxAbs, math.Abs(x))
			}
		}
		if in.sides == 2 && sides[0] != nil && sides[1] != nil {
			for i := range sides[0] {
				s.maxDiff = math.Max(s.maxDiff, math.Abs(sides[1][i]-sides[0][i]))
			}
		}
		if s.maxAbs > 0 {
			maxes = append(maxes, s.maxAbs)
		}
	}
	for g := range in.groups {
		gs := &in.groups[g]
		var sum float64
		gs.Min, gs.Max = math.Inf(1), math.Inf(-1)
		for _, k := range gs.Trajs {
			s := in.trajs[k]
			gs.MaxAbs = math.Max(gs.MaxAbs, s.maxAbs)
			gs.MaxDiff = math.Max(gs.MaxDiff, s.maxDiff)
			if s.hasRewd {
				gs.Rewards++
				sum += s.reward
				gs.Min = math.Min(gs.Min, s.reward)
				gs.Max = math.Max(gs.Max, s.reward)
			}
		}
		if gs.Rewards > 0 {
			gs.Mean = sum / float64(gs.Rewards)
		} else {
			gs.Min, gs.Max = 0, 0
		}
	}
	in.scale = in.opt.Scale
	if in.scale <= 0 {
		in.scale = 1
		if len(maxes) > 0 {
			sort.Float64s(maxes)
			in.scale = maxes[int(math.Ceil(0.95*float64(len(maxes))))-1]
		}
	}
	return nil
}

// Groups is the number of groups; Trajectories the number of records.
func (in *Inspector) Groups() int { return len(in.groups) }

// Trajectories is the number of records in the first file.
func (in *Inspector) Trajectories() int { return len(in.trajs) }

// Scale is the |credit| at which the colour scale saturates.
func (in *Inspector) Scale() float64 { return in.scale }
