package treerl_test

import (
	"fmt"

	"github.com/credo-rl/credo/anchor/treerl"
)

func ExampleTreePaths() {
	// One EPTree: a correct chain of 4 tokens, and two wrong continuations
	// forking after its second token.
	tree := []treerl.TreeNode{
		{Parent: -1, Tokens: []int{1, 2, 3, 4}, Score: 1, BinaryScore: 1, FinishReason: "stop"},
		{Parent: 0, SplitIdx: 2, Tokens: []int{5, 6}, Score: 0, FinishReason: "stop"},
		{Parent: 0, SplitIdx: 2, Tokens: []int{7}, Score: 0, FinishReason: "stop"},
	}
	res, err := treerl.TreePaths([][]treerl.TreeNode{tree}, treerl.Options{Mode: treerl.ModeValueOnly, NormStyle: treerl.NormStep})
	if err != nil {
		panic(err)
	}
	for k, path := range res.Paths {
		fmt.Printf("leaf %d:", k)
		for _, s := range path {
			fmt.Printf(" %v=%.3f", tree[s.Node].Tokens[s.Start:s.End], s.Value)
		}
		fmt.Println()
	}
	// Output:
	// leaf 0: [1 2]=0.000 [3 4]=1.000
	// leaf 1: [1 2]=0.000 [5 6]=-0.500
	// leaf 2: [1 2]=0.000 [7]=-0.500
}
