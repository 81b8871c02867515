package spo_test

import (
	"fmt"

	"github.com/credo-rl/credo/anchor/spo"
)

func ExampleChainTokenAdvantages() {
	// Six tokens; Monte Carlo values at the query state (-1) and after
	// tokens 1 and 3; the trajectory scored 1.
	prob := []float64{0.5, 0.95, 0.3, 0.8, 0.99, 0.2}
	res, err := spo.ChainTokenAdvantages(prob, []int{-1, 1, 3}, []float64{0.5, 0.75, 0.25}, 1, spo.DefaultChainOptions())
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Advantages)
	// Output: [0.25 0 -0.5 -0.5 0 0.75]
}

func ExampleTreeEdges() {
	nodes := []spo.TreeNode{
		{Parent: -1, Reward: 0.5, RewardStd: 0.5}, // query
		{Parent: 0, Reward: 1, Leaf: true},        // a correct completion
		{Parent: 0, Reward: 0},                    // a wrong partial segment
		{Parent: 2, Reward: 0, Leaf: true},        // ... and its completion
	}
	edges, err := spo.TreeEdges(nodes, spo.DefaultTreeOptions())
	if err != nil {
		panic(err)
	}
	for _, e := range edges {
		fmt.Printf("%d->%d A=%g prover=%g\n", e.Parent, e.Child, e.Advantage, e.ProverAdvantage)
	}
	// Output:
	// 0->1 A=0.5 prover=0.0625
	// 0->2 A=-0.5 prover=-0.9375
}
