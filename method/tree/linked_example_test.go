package tree_test

import (
	"fmt"

	"github.com/credo-rl/credo/method/tree"
)

// SPO-tree on a tree given by parent links: B and C were sampled as
// siblings of A's continuation after A's first token; A and B happen to
// start that continuation with the same token 5, which the links keep as
// two distinct children (V(parent) = mean(1, 1, 0) = 2/3).
func ExampleTreeAdvantages_links() {
	tokens := [][]int64{{1, 5, 6}, {1, 5, 7}, {1, 8, 9}}
	scores := []float64{1, 1, 0}
	opt := tree.DefaultTreeOptions()
	opt.Links = []tree.Link{{Parent: -1}, {Parent: 0, Token: 1}, {Parent: 0, Token: 1}}
	res, err := tree.TreeAdvantages(tokens, scores, []string{"q", "q", "q"}, opt)
	if err != nil {
		panic(err)
	}
	for _, row := range res.Advantages {
		fmt.Printf("%.3f\n", row)
	}
	// Output:
	// [0.000 0.333 0.333]
	// [0.000 0.333 0.333]
	// [0.000 -0.667 -0.667]
}
