package judge_test

import (
	"fmt"

	"github.com/credo-rl/credo/judge"
)

func ExampleCheckArithmetic() {
	fmt.Println(judge.CheckArithmetic("v1 = 2 * 3 = 6, v2 = 6 + 1 = 8"))
	fmt.Println(judge.CheckArithmetic("#### 7"))
	// Output:
	// 0 true <nil>
	// 0 false <nil>
}
