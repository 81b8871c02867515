package rollout_test

import (
	"fmt"

	"github.com/credo-rl/credo/rollout"
)

// A trajectory is a row of verl's DataProto: the generated token ids and,
// parallel to them, one value per token of every per-token field. Validate
// names the trajectory and the field when an array has the wrong length.
func Example() {
	t := &rollout.Trajectory{
		ID:          "t0",
		Group:       "prompt-7", // verl's uid: trajectories of the same prompt
		Tokens:      []int64{101, 102, 103},
		Mask:        []float64{1, 1, 0}, // the last token is padding
		OldLogProbs: []float64{-0.5, -1.2},
		Rewards:     map[string]float64{"outcome": 1},
	}
	b := &rollout.Batch{Trajectories: []*rollout.Trajectory{t}}
	fmt.Println(b.Validate())

	t.OldLogProbs = append(t.OldLogProbs, 0)
	r, _ := t.Reward("outcome")
	fmt.Println(b.Validate(), t.Len(), t.LastValid(), r)
	// Output:
	// trajectory 0 (traj_uid "t0"): field old_log_probs: has 2 values, want 3 (one per token of responses)
	// <nil> 3 1 1
}
