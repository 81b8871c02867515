package run_test

import (
	"context"
	"fmt"

	"github.com/credo-rl/credo/lab/run"
)

// Parallel writes results by index, so the outcome is a serial loop's
// whatever the number of workers; Pick chooses the quick or full budget.
func ExampleCtx_Parallel() {
	x := &run.Ctx{Name: "example", Seeds: []uint64{1, 2}, Quick: true, Workers: 3}
	squares := make([]int, 6)
	err := x.Parallel(context.Background(), len(squares), func(i int) error {
		squares[i] = i * i
		return nil
	})
	fmt.Println(squares, err, x.Pick(4, 16))
	// Output: [0 1 4 9 16 25] <nil> 4
}
