package textenv_test

import (
	"fmt"

	"github.com/credo-rl/credo/lab/textenv"
)

func Example() {
	ts, _ := textenv.Pool("arithchain", 1, textenv.Config{}, 1)
	t := ts[0]
	fmt.Println(t.Score(t.Canonical, true).Reward, t.Score("#### 0", true).Reward)
	// Output: 1 0
}
