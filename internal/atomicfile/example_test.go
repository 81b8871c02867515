package atomicfile_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/credo-rl/credo/internal/atomicfile"
)

// An output and a state file committed together: neither appears unless
// both were written.
func ExampleCommitAll() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	out, err := atomicfile.Create(filepath.Join(dir, "credit.jsonl"))
	if err != nil {
		panic(err)
	}
	defer out.Abort()
	state, err := atomicfile.Create(filepath.Join(dir, "state.json"))
	if err != nil {
		panic(err)
	}
	defer state.Abort()
	out.WriteString("{}\n")
	state.WriteString("{}\n")
	if err := atomicfile.CommitAll(out, state); err != nil {
		panic(err)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		fmt.Println(e.Name())
	}
	// Output:
	// credit.jsonl
	// state.json
}
