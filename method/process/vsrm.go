package process

import (
	"fmt"
	"math"
)

// VSRMOptions are the look-ahead settings of VSRMStepRewards. The paper
// (code unreleased) describes a look-ahead with decay but the spec found no
// constants; these defaults are credo's.
type VSRMOptions struct {
	// Window is how many later steps the look-ahead inspects (0 =
	// unbounded, the default).
	Window int
	// Decay discounts a borrowed difference per step of distance (default
	// 0.7).
	Decay float64
}

// DefaultVSRMOptions returns credo's defaults: unbounded window, decay 0.7.
func DefaultVSRMOptions() VSRMOptions { return VSRMOptions{Window: 0, Decay: 0.7} }

// VSRMStepRewards computes VSRM's step rewards from the accuracies of the
// intermediate states: acc[k] is the fraction of correct answers forced
// after step k (Monte Carlo probes at the step boundary), init the
// accuracy before the first step (used when hasInit).
//
//	d_0 = acc_0 − init  (0 without init),   d_k = acc_k − acc_{k−1}
//	r_k = d_k                          if d_k != 0
//	    = Decay^(j−k) · d_j            else, j = the first later step with
//	                                   d_j != 0 and j − k <= Window
//	    = 0                            if there is none
//
// Steps that raise the accuracy are rewarded, those that lower it are
// penalised, and steps that change nothing borrow a decayed share of the
// next change (the look-ahead), so that a run of idle steps before a
// harmful (or helpful) one is credited too.
//
// Paper: Yue et al., "Promoting Efficient Reasoning with Verifiable Stepwise
// Reward", arXiv:2508.10293 (#39). No reference code; the look-ahead's
// window and decay are credo's choices (spec §7).
func VSRMStepRewards(acc []float64, init float64, hasInit bool, opt VSRMOptions) ([]float64, error) {
	if err := finite("accuracies", acc); err != nil {
		return nil, err
	}
	if hasInit && (math.IsNaN(init) || math.IsInf(init, 0)) {
		return nil, fmt.Errorf("initial accuracy is %v", init)
	}
	if opt.Window < 0 || math.IsNaN(opt.Decay) || math.IsInf(opt.Decay, 0) {
		return nil, fmt.Errorf("look-ahead window %d / decay %v: want window >= 0 and a finite decay", opt.Window, opt.Decay)
	}
	K := len(acc)
	d := make([]float64, K)
	for k := range acc {
		switch {
		case k > 0:
			d[k] = acc[k] - acc[k-1]
		case hasInit:
			d[k] = acc[0] - init
		}
	}
	out := make([]float64, K)
	next := -1 // the first later step with a non-zero difference
	for k := K - 1; k >= 0; k-- {
		if d[k] != 0 {
			out[k] = d[k]
			next = k
			continue
		}
		if next >= 0 && (opt.Window == 0 || next-k <= opt.Window) {
			out[k] = math.Pow(opt.Decay, float64(next-k)) * d[next]
		}
	}
	return out, nil
}
