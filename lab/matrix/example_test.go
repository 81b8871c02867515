package matrix_test

import (
	"context"
	"fmt"

	"github.com/credo-rl/credo/lab/matrix"
	"github.com/credo-rl/credo/lab/run"
)

// Two variants scored on the same episodes of UmbrellaChain, two seeds:
// one score per variant and seed. GRPO writes an advantage on every token
// and every sampled state has an exact A^π, so the coverage (the share of
// tokens scored) is 1; the table critic of GAE has seen only the states of
// one warm-up batch, so its coverage is below 1.
func ExampleScoreFixed() {
	x := &run.Ctx{Name: "example", Seeds: []uint64{1, 2}, Workers: 1}
	vs := []matrix.Variant{
		{Label: "GRPO", Method: "verl.grpo"},
		{Label: "GAE", Method: "verl.gae", Set: map[string]any{"lam": 0.95}},
	}
	sc, err := matrix.ScoreFixed(context.Background(), x, "umbrella", matrix.Size{P: 2, N: 4, R: 2, Warm: 1}, vs, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(sc), len(sc[0]), sc[0][0].Status, sc[0][0].Metrics["coverage"])
	fmt.Println(matrix.MetricOf(sc[1], "critic_coverage")[0] < 1)
	// Output:
	// 2 2 ok 1
	// true
}
