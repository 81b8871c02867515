package ref_test

import (
	"fmt"

	"github.com/credo-rl/credo/credit"
	_ "github.com/credo-rl/credo/method/ref"
	"github.com/credo-rl/credo/rollout"
)

// OpenRLHF's users select an estimator with --advantage_estimator and set
// its flags; the same names work here. With reinforce_baseline, outcomes
// 1 and 0 in one group become 1 − 1/2 = +1/2 and 0 − 1/2 = −1/2 on the
// last token; the undiscounted returns carry them to every token before;
// the batch whitening, with --no_advantage_std_norm, only subtracts the
// token mean (0 here).
func Example_openRLHF() {
	b := &rollout.Batch{Trajectories: []*rollout.Trajectory{
		{ID: "a", Group: "q", Tokens: []int64{5, 6}, Rewards: map[string]float64{"outcome": 1}},
		{ID: "b", Group: "q", Tokens: []int64{5, 7}, Rewards: map[string]float64{"outcome": 0}},
	}}
	err := credit.Assign(b, "openrlhf.reinforce_baseline", "no_advantage_std_norm=true")
	fmt.Println(err, b.Trajectories[0].Advantages, b.Trajectories[1].Advantages)
	// Output:
	// <nil> [0.5 0.5] [-0.5 -0.5]
}
