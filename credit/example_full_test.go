package credit_test

import (
	"fmt"

	"github.com/credo-rl/credo/credit"
	_ "github.com/credo-rl/credo/method/ref" // registers verl.grpo, openrlhf.*
	"github.com/credo-rl/credo/rollout"
)

// Look a method up by its registry name, set its parameters as `credo
// assign` does, and assign credit to a batch. verl's GRPO on one group with
// outcomes 1, 0, 0, 1: the mean is 1/2, the unbiased standard deviation
// sqrt(4·(1/2)²/3) = 1/√3, so each token gets ±(1/2)·√3 = ±0.8660 (the
// epsilon of 1e-6 in the denominator changes the fifth decimal only).
func Example() {
	m, err := credit.Lookup("verl.grpo")
	if err != nil {
		panic(err)
	}
	v, err := m.Parse([]string{"epsilon=1e-6", "norm_adv_by_std_in_grpo=true"})
	if err != nil {
		panic(err)
	}
	b := &rollout.Batch{}
	for i, outcome := range []float64{1, 0, 0, 1} {
		b.Trajectories = append(b.Trajectories, &rollout.Trajectory{
			ID: fmt.Sprint("t", i), Group: "prompt-0",
			Tokens: []int64{7, 8}, Rewards: map[string]float64{"outcome": outcome},
		})
	}
	if err := m.Assign(b, v); err != nil {
		panic(err)
	}
	for _, t := range b.Trajectories {
		fmt.Printf("%s %.4f\n", t.ID, t.Advantages)
	}
	// Output:
	// t0 [0.8660 0.8660]
	// t1 [-0.8660 -0.8660]
	// t2 [-0.8660 -0.8660]
	// t3 [0.8660 0.8660]
}
