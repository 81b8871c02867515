package tree_test

import (
	"fmt"

	"github.com/credo-rl/credo/method/tree"
)

func ExampleTEMPO() {
	// Four responses to one prompt; three start with token 1, two of them
	// continue with 2. Rewards on the last token.
	tokens := [][]int64{{1, 2, 3}, {1, 2, 4}, {5, 6}, {1, 7}}
	rewards := [][]float64{{0, 0, 1}, {0, 0, 0}, {0, 1}, {0, 0}}
	mask := [][]float64{{1, 1, 1}, {1, 1, 1}, {1, 1}, {1, 1}}
	opt := tree.DefaultTEMPOOptions()
	opt.GRPO.NormByStd = false // Dr.GRPO base: r - mean
	adv, err := tree.TEMPO(tokens, rewards, mask, []string{"q", "q", "q", "q"}, opt)
	if err != nil {
		panic(err)
	}
	for _, row := range adv {
		fmt.Printf("%.3f\n", row)
	}
	// Output:
	// [0.333 0.667 1.000]
	// [-0.667 -0.333 -1.000]
	// [1.000 0.500]
	// [-0.667 -0.833]
}
