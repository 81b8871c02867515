package reward_test

import (
	"fmt"

	"github.com/credo-rl/credo/credit"
	_ "github.com/credo-rl/credo/method/all"
	"github.com/credo-rl/credo/method/reward"
	"github.com/credo-rl/credo/rollout"
)

// SCoRe's stage-II bonus over two-attempt responses, as a Go function.
func ExampleSCoReRewards() {
	r, _ := reward.SCoReRewards([]float64{0, 1}, []float64{1, 0}, 10, true)
	fmt.Println(r)
	// Output: [11 -9]
}

// The length budget shrinking over calls, then the stage over verl.rloo:
// the state carries the step counter from one call to the next.
func ExampleLengthBudget() {
	for step := 0; step < 3; step++ {
		b, _ := reward.LengthBudget(step, reward.BudgetOptions{Start: 1000, Min: 300, Schedule: "exponential", Decay: 0.5})
		fmt.Println(b)
	}
	// Output:
	// 1000
	// 500
	// 300
}

// A reward stage composes over any base method: Train Long, Think Short's
// reward handed to RLOO.
func Example_stageOverBase() {
	b := &rollout.Batch{}
	for i, n := range []int{2, 6} {
		b.Trajectories = append(b.Trajectories, &rollout.Trajectory{ID: fmt.Sprint(i), Group: "q", Tokens: make([]int64, n),
			Rewards: map[string]float64{"outcome": 1}})
	}
	// budget 4: rewards 1 + 0.5·(4−2)/4 = 1.25 and 1 + 0.5·(4−6)/4 = 0.75; RLOO: ±0.5.
	err := credit.Assign(b, "tlts", "base=verl.rloo", "budget_start=4", "budget_min=1", "format=")
	fmt.Println(err, b.Trajectories[0].Advantages[1], b.Trajectories[1].Advantages[5])
	// Output: <nil> 0.5 -0.5
}
