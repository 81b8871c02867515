package turn_test

import (
	"fmt"

	"github.com/credo-rl/credo/method/turn"
)

// Two language actions of 2 and 3 tokens; token 3 is an observation
// (mask 0). Inside an action there is no discount and no reward; the
// action's reward and γ apply at its last token.
func ExamplePOAD() {
	values := [][]float64{{1, 2, 3, 9, 4}}
	mask := [][]float64{{1, 1, 1, 0, 1}}
	actions := [][]turn.Span{{{Start: 0, End: 2}, {Start: 2, End: 5}}}
	rewards := [][]float64{{0.5, 1}}
	adv, ret, _ := turn.POAD(values, mask, actions, rewards, nil, turn.POADOptions{Gamma: 0.5, Lam: 0.5, GammaIntra: 1})
	fmt.Println(adv[0])
	fmt.Println(ret[0])
	// Output:
	// [0.9375 -0.125 -0.5 0 -3]
	// [1.9375 1.875 2.5 0 1]
}

// A return of 2 spread over two steps in proportion to the decoder's scores.
func ExampleLaReRedistribute() {
	r, _ := turn.LaReRedistribute([]float64{2}, [][]float64{{1, 3}}, turn.LaReProportional)
	fmt.Println(r[0])
	// Output: [0.5 1.5]
}
