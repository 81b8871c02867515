package format_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/credo-rl/credo/format"
)

// Read a whole JSONL file into a batch, then write it as Parquet (the
// format follows the file name, here compressed with gzip) and read it back.
// examples/grpo.jsonl holds two prompts of four responses each: outcomes
// 1, 0, 0, 1 for p0 and 1, 1, 1, 0 for p1.
func Example() {
	b, err := format.ReadAll("../examples/grpo.jsonl")
	if err != nil {
		panic(err)
	}
	ids, of := b.Groups()
	wins := make([]float64, len(ids))
	for i, t := range b.Trajectories {
		wins[of[i]] += t.Rewards["outcome"]
	}
	fmt.Println(len(b.Trajectories), ids, wins)

	dir, err := os.MkdirTemp("", "credo-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "rollouts.parquet.gz")
	out, err := format.CreateWith(path, format.Options{})
	if err != nil {
		panic(err)
	}
	for _, t := range b.Trajectories {
		if err := out.Write(t); err != nil {
			panic(err)
		}
	}
	if err := out.Commit(); err != nil {
		panic(err)
	}
	back, err := format.ReadAll(path)
	if err != nil {
		panic(err)
	}
	t := back.Trajectories[5]
	fmt.Println(len(back.Trajectories), t.ID, t.Tokens[:2], len(t.Tokens), t.Rewards["outcome"])
	// Output:
	// 8 [p0 p1] [2 3]
	// 8 p1/1 [35 428] 6 1
}
