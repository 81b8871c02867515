package loss_test

import (
	"fmt"

	"github.com/credo-rl/credo/loss"
)

// A PPO step on two short responses: the loss, a metric and the gradient
// that a trainer back-propagates into the policy's log-probabilities.
func ExamplePolicyLossVanilla() {
	batch := loss.PolicyBatch{
		OldLogProb:   [][]float64{{-1.0, -0.5, -2.0}, {-0.3, -2.5}},
		LogProb:      [][]float64{{-0.9, -0.6, -3.0}, {-0.3, -1.0}},
		Advantages:   [][]float64{{1.0, 1.0, -1.0}, {-0.5, -0.5}},
		ResponseMask: [][]float64{{1, 1, 1}, {1, 1}},
	}
	res, err := loss.PolicyLossVanilla(batch, loss.DefaultVerlPolicyConfig())
	if err != nil {
		panic(err)
	}
	// Token (0,2) is clipped (ratio e^-1 < 0.8 with A < 0) and token (1,1) is
	// dual-clipped (ratio e^1.5 > 3 with A < 0): both get a zero gradient.
	fmt.Printf("pg_loss %.4f clipfrac %.2f lower %.2f\n", res.Loss, res.ClipFrac, res.ClipFracLower)
	for _, row := range res.GradLogProb {
		fmt.Printf("%.4f\n", row)
	}
	// Output:
	// pg_loss 0.1580 clipfrac 0.20 lower 0.20
	// [-0.2210 -0.1810 0.0000]
	// [0.1000 0.0000]
}

// Aggregating a loss matrix like verl's agg_loss, with its gradient.
func ExampleAggLoss() {
	lossMat := [][]float64{{1, 2, 3}, {4, 5, 6}}
	mask := [][]float64{{1, 1, 0}, {1, 0, 0}}
	v, grad, _ := loss.AggLoss(lossMat, mask, loss.SeqMeanTokenMean, loss.GlobalBatchInfo{})
	fmt.Printf("%.4f %.4f\n", v, grad)
	// Output: 2.7500 [[0.2500 0.2500 0.0000] [0.5000 0.0000 0.0000]]
}
