package process

import "testing"

func TestVSRMHand(t *testing.T) {
	// acc = [0.2 0.2 0.2 0.5 0.5 0.1], init 0.2: d = [0 0 0 0.3 0 -0.4].
	acc := []float64{0.2, 0.2, 0.2, 0.5, 0.5, 0.1}
	// Unbounded look-ahead, decay 0.5: r5 = -0.4, r4 = 0.5·-0.4, r3 = 0.3,
	// r2 = 0.5·0.3, r1 = 0.25·0.3, r0 = 0.125·0.3.
	r, err := VSRMStepRewards(acc, 0.2, true, VSRMOptions{Decay: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	checkVec(t, "unbounded", r, []float64{0.0375, 0.075, 0.15, 0.3, -0.2, -0.4}, 1e-12)
	// Window 1: only the step right before a change borrows.
	r, _ = VSRMStepRewards(acc, 0.2, true, VSRMOptions{Window: 1, Decay: 0.5})
	checkVec(t, "window 1", r, []float64{0, 0, 0.15, 0.3, -0.2, -0.4}, 1e-12)
	// Decay 0: no look-ahead, r = d.
	r, _ = VSRMStepRewards(acc, 0.2, true, VSRMOptions{Decay: 0})
	checkVec(t, "decay 0", r, []float64{0, 0, 0, 0.3, 0, -0.4}, 1e-12)
	// An initial accuracy of 0.1 gives step 0 its own difference 0.1.
	r, _ = VSRMStepRewards(acc, 0.1, true, VSRMOptions{Decay: 0.5})
	checkVec(t, "init 0.1", r, []float64{0.1, 0.075, 0.15, 0.3, -0.2, -0.4}, 1e-12)
	// Without look-ahead the rewards telescope to acc_K - init.
	r, _ = VSRMStepRewards(acc, 0.1, true, VSRMOptions{Decay: 0})
	if !near(sum(r), acc[len(acc)-1]-0.1, 1e-12) {
		t.Fatalf("sum %v", sum(r))
	}
	if _, err := VSRMStepRewards(acc, 0, false, VSRMOptions{Window: -1}); err == nil {
		t.Error("negative window accepted")
	}
}
