package truth_test

import (
	"fmt"

	"github.com/credo-rl/credo/lab/env"
	"github.com/credo-rl/credo/lab/truth"
)

// Uniformly random self-play at tic-tac-toe: X wins 737/1260 of the games
// and O 363/1260, so X's expected return is 374/1260 ≈ 0.2968.
func ExampleSolve() {
	e, _ := env.New("tictactoe", 1)
	uniform := func(s env.State, t int) []float64 {
		legal := env.LegalActions(e, s)
		p := make([]float64, len(e.Actions()))
		for _, a := range legal {
			p[a] = 1 / float64(len(legal))
		}
		return p
	}
	sol, err := truth.Solve(e, uniform, e.StartDist())
	if err != nil {
		panic(err)
	}
	fmt.Printf("V_X = %.4f, V_O = %.4f\n", sol.Value(0), sol.Value(1))
	// Output: V_X = 0.2968, V_O = -0.2968
}
