package bench

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// Batch is a synthetic batch of B responses with ragged lengths, as the
// token-level estimators see it.
type Batch struct {
	Rewards [][]float64 // outcome reward (0 or 1) at the last token, 0 elsewhere
	Values  [][]float64 // critic values in [0, 1) (for GAE)
	Mask    [][]float64 // all ones: every token is valid
	Index   []string    // prompt group id per row ("p<k>")
	Group   []int       // the same groups as dense numbers
	NGroups int
	Tokens  int // valid tokens, Σ mask
}

// NewBatch returns a deterministic batch of rows responses whose lengths are
// uniform in [maxLen/2, maxLen], in prompt groups of groupSize consecutive
// rows. Each matrix has one contiguous backing array (rows are views of it,
// capped so that they cannot spill into each other).
func NewBatch(rows, maxLen, groupSize int, seed uint64) *Batch {
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	lens := make([]int, rows)
	total := 0
	for i := range lens {
		lens[i] = maxLen/2 + rng.IntN(maxLen-maxLen/2+1)
		total += lens[i]
	}
	b := &Batch{
		Rewards: matrix(lens, total),
		Values:  matrix(lens, total),
		Mask:    matrix(lens, total),
		Index:   make([]string, rows),
		Group:   make([]int, rows),
		NGroups: (rows + groupSize - 1) / groupSize,
		Tokens:  total,
	}
	for i, l := range lens {
		b.Rewards[i][l-1] = float64(rng.IntN(2))
		for t := range l {
			b.Values[i][t] = rng.Float64()
			b.Mask[i][t] = 1
		}
		b.Group[i] = i / groupSize
		b.Index[i] = fmt.Sprintf("p%d", i/groupSize)
	}
	return b
}

// StepBatch is a synthetic multi-turn (verl-agent) batch: every row is one
// step of a trajectory.
type StepBatch struct {
	Batch
	TrajIndex  []string  // trajectory id per row ("t<k>")
	AnchorObs  []string  // anchor observation per row (≈ 256 bytes of text)
	EnvRewards []float64 // environment reward per step: the outcome at the last step
}

// NewStepBatch returns a deterministic GiGPO batch of rows step rows:
// stepsPerTraj consecutive rows form a trajectory, trajsPerGroup consecutive
// trajectories share a prompt group. Token lengths are uniform in
// [maxLen/2, maxLen] as in NewBatch, so the valid-token count matches a
// Batch of the same rows. Every step row of a trajectory carries the
// trajectory's outcome (0 or 1) at its last token. Anchor states repeat:
// step 0 of every trajectory of a group starts from the group's initial
// state, and later steps visit one of 3 states of their group, so most
// anchor groups have several members.
func NewStepBatch(rows, maxLen, stepsPerTraj, trajsPerGroup int, seed uint64) *StepBatch {
	rowsPerGroup := stepsPerTraj * trajsPerGroup
	b := &StepBatch{Batch: *NewBatch(rows, maxLen, rowsPerGroup, seed)}
	rng := rand.New(rand.NewPCG(seed, 0x51))
	b.TrajIndex = make([]string, rows)
	b.AnchorObs = make([]string, rows)
	b.EnvRewards = make([]float64, rows)
	pad := strings.Repeat("You are in the middle of a room. Looking around you, you see ", 4)
	outcome := 0.0
	for i := range b.Rewards {
		traj, step := i/stepsPerTraj, i%stepsPerTraj
		if step == 0 {
			outcome = float64(rng.IntN(2))
		}
		r := b.Rewards[i]
		clear(r)
		r[len(r)-1] = outcome
		if step == stepsPerTraj-1 || i == rows-1 {
			b.EnvRewards[i] = outcome
		}
		b.TrajIndex[i] = fmt.Sprintf("t%d", traj)
		state := 0
		if step > 0 {
			state = 1 + rng.IntN(3)
		}
		b.AnchorObs[i] = fmt.Sprintf("%s[group %d, state %d]", pad, b.Group[i], state)
	}
	return b
}

// matrix returns rows of the given lengths backed by one array of total
// values.
func matrix(lens []int, total int) [][]float64 {
	buf := make([]float64, total)
	out := make([][]float64, len(lens))
	for i, l := range lens {
		out[i] = buf[:l:l]
		buf = buf[l:]
	}
	return out
}

// Like returns a batch shaped like m, backed by one array, filled with
// garbage (NaN) so that a benchmark both pre-faults the memory outside the
// timed loop and checks that an Into function overwrites every position.
func Like(m [][]float64) [][]float64 {
	lens := make([]int, len(m))
	total := 0
	for i, r := range m {
		lens[i] = len(r)
		total += len(r)
	}
	out := matrix(lens, total)
	nan := math.NaN()
	for _, r := range out {
		for t := range r {
			r[t] = nan
		}
	}
	return out
}
