package group_test

import (
	"fmt"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/method/group"
	"github.com/credo-rl/credo/rollout"
)

// Six responses to one prompt, stratified by the number of search calls.
// The stratum that searched once ([1, 0, 1]) and the one that searched twice
// ([1, 0, 0]) are normalised separately: a correct answer in the harder
// stratum gets more credit (1.155) than one in the easier (0.577); with ε = 1e-6
// the values sit just below 1/√3 and 2/√3.
func ExampleStratifiedScalar() {
	rewards := []float64{1, 0, 1, 1, 0, 0}
	prompt := []string{"p", "p", "p", "p", "p", "p"}
	searches := []string{"1", "1", "1", "2", "2", "2"}
	a, err := group.StratifiedScalar(rewards, prompt, searches, group.DefaultStratifiedOptions())
	if err != nil {
		panic(err)
	}
	for _, x := range a {
		fmt.Printf("%.3f ", x)
	}
	fmt.Println()
	// Output: 0.577 -1.155 0.577 1.155 -0.577 -0.577
}

// The same through the registry: the stratum is a trajectory feature and
// the advantage is written on every token under the mask.
func Example_registry() {
	b := &rollout.Batch{}
	for i, r := range []float64{1, 0, 1, 1, 0, 0} {
		b.Trajectories = append(b.Trajectories, &rollout.Trajectory{
			ID: fmt.Sprint(i), Group: "p", Tokens: []int64{7, 8},
			Rewards:  map[string]float64{"outcome": r},
			Features: map[string]any{"n_search_calls": float64(1 + i/3)},
		})
	}
	if err := credit.Assign(b, "stratified_grpo", "alpha=1"); err != nil {
		panic(err)
	}
	for _, t := range b.Trajectories[:2] {
		fmt.Printf("%.3f\n", t.Advantages)
	}
	// Output:
	// [0.577 0.577]
	// [-1.155 -1.155]
}
