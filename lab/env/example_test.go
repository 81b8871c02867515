package env_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/credo-rl/credo/lab/env"
)

func ExampleNew() {
	fmt.Println(env.Names())
	e, _ := env.New("kuhn?rounds=5", 1)
	s := e.Start(rand.New(rand.NewPCG(1, 1)))
	fmt.Println(e.Roles(), e.Horizon(), e.Actions(), e.Role(s))
	// Output:
	// [arithchain arithchain-prm countdown delayed discounting kbhop kuhn memory shortcut sokoban6 tictactoe umbrella]
	// 2 15 [check bet call fold] 1
}
