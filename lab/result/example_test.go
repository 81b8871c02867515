package result_test

import (
	"fmt"

	"github.com/credo-rl/credo/lab/result"
)

// A row of three seeds' Pearson correlations 0.25, 0.5, 0.75: mean 0.5,
// standard deviation 0.25, standard error 0.25/√3 = 0.1443; the 95%
// Student-t quantile with 2 degrees of freedom is 4.3027, so the interval
// is 0.5 ± 0.621 = [−0.121, 1.121], clipped to the range of a correlation:
// [−0.121, 1].
func ExampleRowOf() {
	r := result.RowOf("umbrella", "verl.grpo", "pearson", []float64{0.25, 0.5, 0.75})
	fmt.Println(result.Num(r.Value.Mean), result.Num(r.Value.Lo), result.Num(r.Value.Hi), r.Value.N)
	// Output: 0.500 -0.121 1.000 3
}

// An experiment's verdict is its findings' common verdict, or mixed with
// the counts.
func ExampleResult_Verdict() {
	r := &result.Result{Findings: []result.Finding{{Verdict: result.Agree}, {Verdict: result.Agree}, {Verdict: result.Inconclusive}}}
	fmt.Println(r.Verdict(), "-", r.Counts())
	// Output: mixed - 2 agree, 1 inconclusive
}
