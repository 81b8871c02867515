package token_test

import (
	"fmt"

	"github.com/credo-rl/credo/method/token"
)

// HICRA on GRPO advantages: the strategic gram [7 8] ("let's try" as token
// ids) marks the planning tokens; a correct response's planning tokens get
// (1+α)·A, an incorrect one's (1−α)·A.
func ExampleHICRA() {
	grams := [][]int64{{7, 8}}
	responses := [][]int64{{7, 8, 3, 4}, {5, 7, 8, 6}}
	adv := [][]float64{{1, 1, 1, 1}, {-1, -1, -1, -1}}
	tags := make([][]int8, len(responses))
	tagger := token.NewPlanningTagger(grams)
	for i, r := range responses {
		tags[i] = tagger.Tag(r)
	}
	out, err := token.HICRA(adv, tags, token.DefaultHICRAAlpha)
	if err != nil {
		panic(err)
	}
	fmt.Println(tags)
	fmt.Println(out)
	// Output:
	// [[1 1 0 0] [0 1 1 0]]
	// [[1.2 1.2 1 1] [-1 -0.8 -0.8 -1]]
}

// MA-RLHF: GAE over 2-token macros; every token of a macro shares its
// advantage.
func ExampleMacroGAE() {
	macros, _ := token.FixedNGramMacros(nil, 2, 4)
	adv, ret, _ := token.MacroGAE([][]float64{{0, 0, 0, 1}}, [][]float64{{0.5, 0.7, 0.2, 0.4}}, nil,
		[][]token.Span{macros}, token.MacroGAEOptions{Gamma: 1, Lambda: 0.5, ValueAgg: token.AggEqual, RewardAgg: token.AggSum})
	fmt.Println(macros)
	fmt.Printf("%.2f %.2f\n", adv[0], ret[0])
	// Output:
	// [{0 2} {2 4}]
	// [0.05 0.05 0.70 0.70] [0.65 0.65 1.00 1.00]
}
