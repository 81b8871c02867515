package process_test

import (
	"fmt"

	"github.com/credo-rl/credo/method/process"
)

func ExampleMinForm() {
	// PRM scores of four reasoning steps; the third is wrong.
	r := []float64{0.9, 0.8, -0.6, 0.7}
	for _, form := range []process.Form{process.FormSum, process.FormMin, process.FormFutureMin} {
		rs, err := process.MinForm(r, 0.1, form)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%-10s returns %.3f\n", form, process.Returns(rs))
	}
	// Output:
	// sum        returns [1.800 0.900 0.100 0.700]
	// min        returns [-0.600 -0.600 -0.600 0.000]
	// future_min returns [-0.600 -0.600 -0.600 0.700]
}
