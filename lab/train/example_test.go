package train_test

import (
	"context"
	"fmt"

	"github.com/credo-rl/credo/lab/run"
	"github.com/credo-rl/credo/lab/train"
)

// GRPO trains a tabular policy on the lab's toy corridor for 30 iterations
// of 3 prompts × 8 episodes, evaluated every 10: four evaluation points
// (the last after training), one gradient norm per iteration, and the
// exact expected return rises by more than 0.2 from the uniform start.
func ExampleRun() {
	x := &run.Ctx{Name: "example", Seeds: []uint64{1}}
	out, err := train.Run(context.Background(), x, 1, train.Spec{Env: "toy_corridor", Method: "verl.grpo",
		Iters: 30, P: 3, N: 8, LR: 0.1, Update: train.DefaultUpdate(), EvalEvery: 10})
	if err != nil {
		fmt.Println(err)
		return
	}
	r := out.Curves["return"]
	fmt.Println(out.X, len(out.Batch["grad_norm"]), r[3] > r[0]+0.2)
	// Output: [0 10 20 30] 30 true
}
