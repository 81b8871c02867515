package turn_test

import (
	"fmt"

	"github.com/credo-rl/credo/method/turn"
)

// LaRe's decoder from the encoder's latent factors: fit w by return
// decomposition, then decode each step's reward.
func ExampleLaReFitDecoder() {
	factors := [][][]float64{ // episode → step → latent factors
		{{1, 0}, {0, 1}},
		{{1, 0}, {1, 0}},
		{{0, 1}},
	}
	returns := []float64{3, 2, 2}
	w, err := turn.LaReFitDecoder(factors, returns, 0)
	if err != nil {
		panic(err)
	}
	r, _ := turn.LaReDecode(w, factors)
	fmt.Printf("w = %.3f\n", w)
	fmt.Printf("%.3f\n", r)
	// Output:
	// w = [1.000 2.000]
	// [[1.000 2.000] [1.000 1.000] [2.000]]
}
