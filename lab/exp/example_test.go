package exp_test

import (
	"fmt"

	"github.com/credo-rl/credo/lab/exp"
)

// An experiment is a description (what lab.Run copies into the result)
// and the function that runs it.
func ExampleLookup() {
	e, err := exp.Lookup("gigpo_sokoban")
	fmt.Println(e.Name, e.ArXiv, e.Envs, e.Methods, e.Run != nil, err)
	_, err = exp.Lookup("nope")
	fmt.Println(err != nil)
	// Output:
	// gigpo_sokoban 2505.10978 [sokoban6] [verl_agent.gigpo verl_agent.grpo] true <nil>
	// true
}
