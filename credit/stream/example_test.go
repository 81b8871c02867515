package stream_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/credit/stream"
	_ "github.com/credo-rl/credo/method/all"
)

// Run verl.grpo over a rollout file; its groups are contiguous, so it is
// read once.
func ExampleRun() {
	dir, _ := os.MkdirTemp("", "credo-example")
	defer os.RemoveAll(dir)
	m, _ := credit.Lookup("verl.grpo")
	st, err := stream.Run(stream.Job{Method: m, In: "../../examples/grpo.jsonl", Out: filepath.Join(dir, "out.jsonl")})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d trajectories in %d groups, %s\n", st.Trajectories, st.Groups, st.Mode)
	// Output: 8 trajectories in 2 groups, one pass
}
