package process

import (
	"fmt"
	"math"
)

// Refinement selects the Clip/Delta reward refinement.
type Refinement string

// Refinements.
const (
	RefineClip      Refinement = "clip"
	RefineDelta     Refinement = "delta"
	RefineClipDelta Refinement = "clip_delta" // Clip, then Delta
	RefineNone      Refinement = "none"       // raw PRM rewards (the hackable baseline)
)

// Clip is the Clip refinement of PRM step rewards:
//
//	r'_k = min(r_k − η, 0)
//
// Every refined reward is <= 0, so the cumulative process reward of a
// trajectory is bounded above by 0 and repeating steps cannot add reward.
//
// Paper: Gao, Xu et al., "On Designing Effective RL Reward at Training Time
// for LLM Reasoning", arXiv:2410.15115 (#35). No reference code; η is a
// threshold the paper tunes (the spec recalls "for example the mean PRM
// score").
func Clip(r []float64, eta float64) ([]float64, error) {
	if err := finite("step rewards", r); err != nil {
		return nil, err
	}
	if math.IsNaN(eta) || math.IsInf(eta, 0) {
		return nil, fmt.Errorf("eta is %v", eta)
	}
	out := make([]float64, len(r))
	for k, x := range r {
		out[k] = math.Min(x-eta, 0)
	}
	return out, nil
}

// Delta is the Delta refinement of PRM step rewards:
//
//	r'_k = r_k − r_{k+1}  (k < K),   r'_K = r_K
//
// The cumulative reward telescopes: Σ_k r'_k = r_1, and the return from
// step k is Σ_{j>=k} r'_j = r_k, the PRM score of step k itself; it is
// bounded whatever the number of steps, while each step's reward stays a
// local difference.
//
// Paper: arXiv:2410.15115 (#35).
func Delta(r []float64) ([]float64, error) {
	if err := finite("step rewards", r); err != nil {
		return nil, err
	}
	out := make([]float64, len(r))
	for k, x := range r {
		out[k] = x
		if k+1 < len(r) {
			out[k] = x - r[k+1]
		}
	}
	return out, nil
}

// Refine applies a Refinement: clip, delta, clip_delta (Delta of the
// clipped rewards, whose total is min(r_1 − η, 0)) or none.
//
// Paper: arXiv:2410.15115 (#35); the combination order (Clip first) is
// credo's reading of "Clip-Delta".
func Refine(r []float64, eta float64, how Refinement) ([]float64, error) {
	switch how {
	case RefineClip:
		return Clip(r, eta)
	case RefineDelta:
		return Delta(r)
	case RefineClipDelta:
		c, err := Clip(r, eta)
		if err != nil {
			return nil, err
		}
		return Delta(c)
	case RefineNone:
		if err := finite("step rewards", r); err != nil {
			return nil, err
		}
		return append([]float64{}, r...), nil
	}
	return nil, fmt.Errorf("unknown refinement %q (want clip, delta, clip_delta or none)", how)
}
