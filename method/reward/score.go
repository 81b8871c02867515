package reward

import "fmt"

// SCoReRewards returns SCoRe's stage-II reward of two-attempt responses:
//
//	r = [include_first] · r(y₁) + r(y₂) + α · (r(y₂) − r(y₁))
//
// r1 and r2 are the rewards of the first and second attempt. The bonus
// α·(r(y₂) − r(y₁)) pays for turning a wrong first attempt into a right
// second one and charges for breaking a right one, so the policy cannot
// collect the second attempt's reward by repeating the first.
//
// Paper: "Training Language Models to Self-Correct via Reinforcement
// Learning" (arXiv:2409.12917), methods.md #80.
func SCoReRewards(r1, r2 []float64, alpha float64, includeFirst bool) ([]float64, error) {
	const est = "score"
	if err := checkRows(est, "second-attempt rewards", len(r2), len(r1)); err != nil {
		return nil, err
	}
	if err := checkFinite(est, "first-attempt rewards", r1); err != nil {
		return nil, err
	}
	if err := checkFinite(est, "second-attempt rewards", r2); err != nil {
		return nil, err
	}
	out := make([]float64, len(r1))
	for i := range out {
		out[i] = r2[i] + alpha*(r2[i]-r1[i])
		if includeFirst {
			out[i] += r1[i]
		}
	}
	return out, nil
}

// attemptRewards reads the attempts of a trajectory: its first and last
// top-level steps, each with steps[].rewards.<key>.
func attemptRewards(steps []int, rewards func(k int) (float64, bool)) (first, last float64, err error) {
	if len(steps) < 2 {
		return 0, 0, fmt.Errorf("%d top-level steps, want at least 2 (attempt 1 = the first step, the final attempt = the last)", len(steps))
	}
	var ok bool
	if first, ok = rewards(steps[0]); !ok {
		return 0, 0, fmt.Errorf("step %d (attempt 1) has no reward", steps[0])
	}
	if last, ok = rewards(steps[len(steps)-1]); !ok {
		return 0, 0, fmt.Errorf("step %d (the final attempt) has no reward", steps[len(steps)-1])
	}
	return first, last, nil
}
