package reward

import (
	"fmt"
	"math"
)

// Paper of #28.
var paperTLTS = "Train Long, Think Short: curriculum learning for efficient reasoning (title as recalled; methods.md §1 row 28)"

// BudgetOptions is Train Long, Think Short's budget schedule.
type BudgetOptions struct {
	// Start is the budget B_0 at step 0 and Min its floor, in tokens.
	Start, Min float64
	// Schedule is "exponential" (B_0·Decay^step) or "linear" (from B_0 to
	// Min over Steps steps).
	Schedule string
	Decay    float64
	Steps    int
}

// LengthBudget returns the budget at a training step:
//
//	exponential: B_t = max(B_min, B_0 · decay^t)
//	linear:      B_t = max(B_min, B_0 − (B_0 − B_min) · t / T)
//
// The paper shrinks the budget over training ("exponential or linear
// decay", methods.md §3); the constants are the caller's.
func LengthBudget(step int, o BudgetOptions) (float64, error) {
	if step < 0 {
		return 0, fmt.Errorf("tlts: step %d, want >= 0", step)
	}
	if !(o.Min > 0) || o.Start < o.Min {
		return 0, fmt.Errorf("tlts: budget_start %v and budget_min %v: want 0 < budget_min <= budget_start", o.Start, o.Min)
	}
	var b float64
	switch o.Schedule {
	case "exponential":
		if !(o.Decay > 0 && o.Decay <= 1) {
			return 0, fmt.Errorf("tlts: decay %v, want 0 < decay <= 1", o.Decay)
		}
		b = o.Start * math.Pow(o.Decay, float64(step))
	case "linear":
		if o.Steps < 1 {
			return 0, fmt.Errorf("tlts: schedule_steps %d, want >= 1", o.Steps)
		}
		b = o.Start - (o.Start-o.Min)*float64(step)/float64(o.Steps)
	default:
		return 0, fmt.Errorf("tlts: schedule %q, want exponential or linear", o.Schedule)
	}
	return math.Max(o.Min, b), nil
}

// TLTSOptions are the reward's weights.
type TLTSOptions struct {
	// Threshold makes an outcome correct when outcome >= Threshold.
	Threshold float64
	// LengthWeight and FormatWeight weigh the length and format terms.
	LengthWeight, FormatWeight float64
}

// TLTSRewards returns Train Long, Think Short's reward of each response
// under budget B:
//
//	r = c + w_len · c · clip((B − L)/B, −1, 1) + w_fmt · f
//
// with c = 1[outcome ≥ threshold], L the response length (tokens) and f
// the format reward (nil = no format term). The length term pays a correct
// response for the budget it leaves unused and charges it for exceeding the
// budget (down to −w_len at twice the budget); a wrong response gets no
// length term, so being short never pays on its own.
func TLTSRewards(outcome, length, format []float64, budget float64, o TLTSOptions) ([]float64, error) {
	const est = "tlts"
	n := len(outcome)
	if err := checkRows(est, "lengths", len(length), n); err != nil {
		return nil, err
	}
	if format != nil {
		if err := checkRows(est, "format rewards", len(format), n); err != nil {
			return nil, err
		}
		if err := checkFinite(est, "format rewards", format); err != nil {
			return nil, err
		}
	}
	if err := checkFinite(est, "outcomes", outcome); err != nil {
		return nil, err
	}
	if !(budget > 0) || math.IsInf(budget, 0) {
		return nil, fmt.Errorf("%s: budget %v, want a positive number", est, budget)
	}
	c := correct(outcome, o.Threshold)
	out := make([]float64, n)
	for i := range out {
		out[i] = c[i] + o.LengthWeight*c[i]*math.Max(-1, math.Min(1, (budget-length[i])/budget))
		if format != nil {
			out[i] += o.FormatWeight * format[i]
		}
	}
	return out, nil
}
