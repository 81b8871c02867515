package reward

import (
	"fmt"
	"math"
)

// AutoCEIOptions are Auto-CEI's reward values.
type AutoCEIOptions struct {
	// Threshold makes an outcome correct when outcome >= Threshold.
	Threshold float64
	// Correct, Wrong are the rewards of a correct and a wrong answer;
	// Refusal is the most a refusal can earn.
	Correct, Wrong, Refusal float64
}

// AutoCEIRewards returns the curriculum-adjusted rewards: a correct answer
// gets o.Correct, a wrong one o.Wrong, and a refusal ("I don't know") after
// N reasoning steps
//
//	r_idk = o.Refusal · min(1, N / N_t)
//
// where N_t is the curriculum's current step threshold: refusing after
// fewer steps than N_t earns proportionally less, so the policy must try
// before it gives up.
func AutoCEIRewards(outcome []float64, refusal []bool, steps []float64, nt float64, o AutoCEIOptions) ([]float64, error) {
	const est = "auto_cei"
	n := len(outcome)
	if err := checkRows(est, "refusal flags", len(refusal), n); err != nil {
		return nil, err
	}
	if err := checkRows(est, "step counts", len(steps), n); err != nil {
		return nil, err
	}
	if err := checkFinite(est, "outcomes", outcome); err != nil {
		return nil, err
	}
	if !(nt > 0) || math.IsInf(nt, 0) {
		return nil, fmt.Errorf("%s: step threshold N_t %v, want a positive number", est, nt)
	}
	out := make([]float64, n)
	for i := range out {
		switch {
		case refusal[i]:
			out[i] = o.Refusal * math.Min(1, steps[i]/nt)
		case outcome[i] >= o.Threshold:
			out[i] = o.Correct
		default:
			out[i] = o.Wrong
		}
	}
	return out, nil
}

// AutoCEIUpdate is one step of the curriculum on the threshold N_t: when
// the share of refusals in the batch is above the target, refusing is made
// harder (N_t + δ); below it, easier (N_t − δ, not under minNt).
func AutoCEIUpdate(nt float64, refusal []bool, target, delta, minNt float64) float64 {
	if len(refusal) == 0 {
		return nt
	}
	k := 0.0
	for _, r := range refusal {
		if r {
			k++
		}
	}
	rate := k / float64(len(refusal))
	switch {
	case rate > target:
		return nt + delta
	case rate < target:
		return math.Max(minNt, nt-delta)
	}
	return nt
}
