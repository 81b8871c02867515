package openrlhf

import (
	"fmt"

	"github.com/credo-rl/credo/internal/arrays"
)

// Range is a closed interval [Low, High] used to clamp scalar rewards.
type Range struct{ Low, High float64 }

// DefaultRewardClip is OpenRLHF's default --reward_clip_range (-10, 10).
var DefaultRewardClip = Range{Low: -10, High: 10}

// ComputeReward builds OpenRLHF's per-token reward from a scalar reward per
// row and the per-token KL estimate:
//
//	reward[i][t] = -β·kl[i][t] + [t == last_i]·clamp(r[i], clip.Low, clip.High)
//
// where β = klCoef, or 0 when klCoef <= 0, and last_i is the index of the
// LAST non-zero entry of actionMask row i. Quirks reproduced:
//
//   - the KL term is added at every position, also where the mask is 0
//     (padding and interior observation tokens);
//   - a row whose mask is all zero puts r at its last position T-1 (the
//     reference takes argmax of the flipped all-zero mask, which is 0);
//   - clip == nil means no clamping (reward_clip_range=None).
//
// Rows may be ragged; kl and actionMask must have the same shape.
//
// Provenance: OpenRLHF/OpenRLHF@3c3be6234e0cb353e76bb8019947db9dfe99fca7
// openrlhf/models/utils.py::compute_reward. The KL-penalised reward follows
// InstructGPT ("Training language models to follow instructions with human
// feedback", arXiv:2203.02155).
func ComputeReward(r []float64, kl, actionMask [][]float64, klCoef float64, clip *Range) ([][]float64, error) {
	const fn = "openrlhf.compute_reward"
	if len(r) != len(kl) {
		return nil, fmt.Errorf("%s: r has %d values, kl has %d rows", fn, len(r), len(kl))
	}
	if err := arrays.SameShape(fn, "kl", kl, "action_mask", actionMask); err != nil {
		return nil, err
	}
	if err := arrays.FiniteVector(fn, "r", r); err != nil {
		return nil, err
	}
	if err := arrays.FiniteScalar(fn, "kl_coef", klCoef); err != nil {
		return nil, err
	}
	if clip != nil && !(clip.Low <= clip.High) {
		return nil, fmt.Errorf("%s: reward_clip_range (%v, %v) is empty", fn, clip.Low, clip.High)
	}
	out := arrays.Like(kl)
	if !computeRewardInto(out, r, kl, actionMask, klCoef, clip) {
		return nil, arrays.FirstNonFinite(fn, []string{"kl"}, kl)
	}
	return out, nil
}

// computeRewardInto is ComputeReward without validation; it reports
// whether every kl value was finite (checked in the same pass).
func computeRewardInto(out [][]float64, r []float64, kl, actionMask [][]float64, klCoef float64, clip *Range) bool {
	if klCoef <= 0 {
		klCoef = 0
	}
	var bad float64
	for i, row := range kl {
		o := out[i][:len(row)]
		for t, v := range row {
			bad += v * 0
			o[t] = -klCoef * v
		}
		if len(o) == 0 {
			continue
		}
		m := actionMask[i][:len(row)]
		last := len(m) - 1
		for t := len(m) - 1; t >= 0; t-- {
			if m[t] != 0 {
				last = t
				break
			}
		}
		o[last] += clampRange(r[i], clip)
	}
	return bad == 0
}

func clampRange(x float64, c *Range) float64 {
	if c == nil {
		return x
	}
	if x < c.Low {
		return c.Low
	}
	if x > c.High {
		return c.High
	}
	return x
}
