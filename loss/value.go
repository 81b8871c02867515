package loss

import (
	"fmt"

	"github.com/credo-rl/credo/internal/arrays"
)

// ValueLossOptions configures ValueLoss.
type ValueLossOptions struct {
	// CliprangeValue is c of the value clip [values-c, values+c]
	// (verl critic.cliprange_value, default 0.5).
	CliprangeValue float64
	// AggMode is critic.loss_agg_mode (default token-mean; empty also means token-mean).
	AggMode AggMode
}

// DefaultValueLossOptions returns verl's critic defaults.
func DefaultValueLossOptions() ValueLossOptions {
	return ValueLossOptions{CliprangeValue: 0.5, AggMode: TokenMean}
}

// ValueLossResult is what ValueLoss returns.
type ValueLossResult struct {
	// Loss is vf_loss.
	Loss float64
	// ClipFrac is vf_clipfrac.
	ClipFrac float64
	// GradVPreds[b][t] = ∂Loss/∂vpreds[b][t].
	GradVPreds [][]float64
}

// ValueLoss is verl's clipped value loss. Per token, with c = CliprangeValue:
//
//	v̂  = max(min(vpred, values + c), values - c)          (verl_F.clip_by_value)
//	ℓ  = max((vpred - ret)², (v̂ - ret)²)
//	vf_loss = 0.5 · agg_loss(ℓ, mask, AggMode)            (no global_batch_info at this snapshot)
//	vf_clipfrac = masked_mean[(v̂ - ret)² > (vpred - ret)²]
//
// Gradient: ∂v̂/∂vpred = 1 inside (values-c, values+c) (half at an exact
// bound), 0 outside; ∂ℓ goes to the larger square (half each on the tie of an
// unclipped token), so
//
//	∂vf_loss/∂vpred_bt = 0.5 · ω_bt · ∂max(2(vpred-ret), 2(v̂-ret)·∂v̂)
//
// which is 0 where the clipped square dominates and 2·(vpred-ret) elsewhere.
//
// Paper: PPO (arXiv:1707.06347); value clipping follows the OpenAI baselines
// PPO2 implementation.
// Reference: volcengine/verl@b178a3cd56f58b2d502255daba591e92833930a7
// verl/trainer/ppo/core_algos.py::compute_value_loss.
func ValueLoss(vpreds, returns, values, mask [][]float64, o ValueLossOptions) (ValueLossResult, error) {
	const fn = "verl.value_loss"
	if err := checkFinite(fn, "vpreds", vpreds); err != nil {
		return ValueLossResult{}, err
	}
	for _, x := range []struct {
		name string
		v    [][]float64
	}{{"returns", returns}, {"values", values}} {
		if err := checkLike(fn, x.name, x.v, "vpreds", vpreds); err != nil {
			return ValueLossResult{}, err
		}
		if err := checkFinite(fn, x.name, x.v); err != nil {
			return ValueLossResult{}, err
		}
	}
	if err := checkLike(fn, "response_mask", mask, "vpreds", vpreds); err != nil {
		return ValueLossResult{}, err
	}
	if err := checkMask(fn, "response_mask", mask); err != nil {
		return ValueLossResult{}, err
	}
	c := o.CliprangeValue
	if !arrays.Finite(c) || c < 0 {
		return ValueLossResult{}, fmt.Errorf("%s: cliprange_value must be finite and >= 0, got %v", fn, c)
	}
	agg, err := newVerlAgg(fn, mask, o.AggMode, GlobalBatchInfo{})
	if err != nil {
		return ValueLossResult{}, err
	}
	grad := likeZeros(vpreds)
	var msum, clipSum float64
	for i, vpRow := range vpreds {
		retRow, valRow, mRow, gRow := returns[i], values[i], mask[i], grad[i]
		coef := 0.5 * agg.coef(i)
		rs := 0.0
		for t, vp := range vpRow {
			m := mRow[t]
			if m == 0 {
				continue // finite inputs: no loss term, zero gradient
			}
			ret, v := retRow[t], valRow[t]
			hi, lo := v+c, v-c
			x, dx := fmin(vp, hi), dMinimum(vp, hi, 1, 0)
			vc, dvc := fmax(x, lo), dMaximum(x, lo, dx, 0)
			e1, e2 := vp-ret, vc-ret
			l1, l2 := e1*e1, e2*e2
			l, dl := fmax(l1, l2), dMaximum(l1, l2, 2*e1, 2*e2*dvc)
			rs += l * m
			gRow[t] = coef * m * dl
			msum += m
			clipSum += b2f(l2 > l1) * m
		}
		agg.add(i, rs)
	}
	return ValueLossResult{
		Loss:       0.5 * agg.value(),
		ClipFrac:   maskedMeanVerl(clipSum, msum),
		GradVPreds: grad,
	}, nil
}
