package reward

import (
	"fmt"
	"math"

	"github.com/credo-rl/credo/internal/groups"
)

// AdaCtrlOptions are AdaCtrl's reward weights.
type AdaCtrlOptions struct {
	// Threshold makes an outcome correct when outcome >= Threshold.
	Threshold float64
	// EasyAccuracy: a prompt is easy when its group's accuracy >= EasyAccuracy.
	EasyAccuracy float64
	// CalibrationWeight weighs the tag's agreement with the group's
	// difficulty; LengthWeight the length penalty of easy-tagged responses.
	CalibrationWeight, LengthWeight float64
}

// AdaCtrlRewards returns AdaCtrl's difficulty-aware reward of each response:
//
//	r = c + w_cal · (+1 if tag = d(x) else −1) − w_len · 1[tag = easy] · L / L_max(x)
//
// with c = 1[outcome ≥ threshold], d(x) = easy when the accuracy of the
// response's group (its prompt's samples) is ≥ easy_accuracy, else hard,
// tag the response's own difficulty tag ("[Easy]"/"[Hard]", hard[i] =
// true for hard), L its length and L_max(x) the longest response of its
// group. The calibration term teaches the model to judge difficulty; the
// budget term charges length only when it has declared the problem easy,
// so hard problems keep their long reasoning.
func AdaCtrlRewards(outcome, length []float64, hard []bool, index []string, o AdaCtrlOptions) ([]float64, error) {
	const est = "adactrl"
	n := len(outcome)
	if err := checkRows(est, "lengths", len(length), n); err != nil {
		return nil, err
	}
	if err := checkRows(est, "tags", len(hard), n); err != nil {
		return nil, err
	}
	if err := checkRows(est, "index", len(index), n); err != nil {
		return nil, err
	}
	if err := checkFinite(est, "outcomes", outcome); err != nil {
		return nil, err
	}
	c := correct(outcome, o.Threshold)
	acc := groupMean(c, index)
	g, k := groups.Index(index)
	lmax := make([]float64, k)
	for i, l := range length {
		if l < 0 {
			return nil, fmt.Errorf("%s: length row %d is %v, want >= 0", est, i, l)
		}
		lmax[g[i]] = math.Max(lmax[g[i]], l)
	}
	out := make([]float64, n)
	for i := range out {
		actualHard := acc[i] < o.EasyAccuracy
		cal := -1.0
		if hard[i] == actualHard {
			cal = 1
		}
		out[i] = c[i] + o.CalibrationWeight*cal
		if !hard[i] && lmax[g[i]] > 0 {
			out[i] -= o.LengthWeight * length[i] / lmax[g[i]]
		}
	}
	return out, nil
}
