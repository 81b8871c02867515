package lab_test

import (
	"fmt"

	"github.com/credo-rl/credo/lab"
)

// The lab's experiments, in canonical order, and what one of them compares.
// Running them (lab.Run, or `credo lab run all --quick`) takes minutes, so it is
// not an example; the exact ground truth it scores against is shown by the
// examples of packages lab/env and lab/truth.
func ExampleExperiments() {
	for _, e := range lab.Experiments() {
		fmt.Println(e.Name)
	}
	e, err := lab.Lookup("gae_chains")
	fmt.Println(e.Envs, e.Methods, err)
	// Output:
	// matrix
	// trained_matrix
	// gigpo_sokoban
	// stratified_kbhop
	// rae_selfplay
	// pure_hacking
	// tree_decisive
	// knapsack_budget
	// brpo_variance
	// gae_chains
	// length_budget
	// lm_tokens
	// [umbrella discounting delayed] [verl.gae openrlhf.cumulative_returns verl.grpo] <nil>
}
