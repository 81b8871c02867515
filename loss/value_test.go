package loss

import (
	"math"
	"testing"
)

// c = 0.5, values = 0:
// t0: vpred=1, ret=0: v̂=0.5; (1)² = 1 > (0.5)² → ℓ=1, ∂=2·(1-0)=2.
// t1: vpred=1, ret=2: v̂=0.5; 1 < 2.25 → ℓ=2.25 (clipped dominates, ∂=0), clipfrac.
// t2: vpred=0.2, ret=1: unclipped, ℓ=0.64, ∂=2·(0.2-1)=-1.6.
// token-mean: vf_loss = 0.5·(1+2.25+0.64)/3, ∂ = 0.5·[2, 0, -1.6]/3, vf_clipfrac = 1/3.
func TestValueLossHand(t *testing.T) {
	vp, ret, val, m := [][]float64{{1, 1, 0.2}}, [][]float64{{0, 2, 1}}, [][]float64{{0, 0, 0}}, [][]float64{{1, 1, 1}}
	r, err := ValueLoss(vp, ret, val, m, DefaultValueLossOptions())
	if err != nil {
		t.Fatal(err)
	}
	approx(t, "vf_loss", r.Loss, 0.5*3.89/3, 1e-12)
	approxMat(t, "grad", r.GradVPreds, [][]float64{{1.0 / 3, 0, -0.8 / 3}}, 1e-12)
	approx(t, "vf_clipfrac", r.ClipFrac, 1.0/3, 1e-8)

	// seq-mean-token-sum-norm with T = 3: 0.5·3.89/3 as well; sum mode: 0.5·3.89.
	r, _ = ValueLoss(vp, ret, val, m, ValueLossOptions{CliprangeValue: 0.5, AggMode: SeqMeanTokenSum})
	approx(t, "vf_loss seq-sum", r.Loss, 0.5*3.89, 1e-12)

	_, err = ValueLoss(vp, ret, val, m, ValueLossOptions{CliprangeValue: -1, AggMode: TokenMean})
	wantErr(t, err, "cliprange_value")
	_, err = ValueLoss(vp, [][]float64{{0, 2}}, val, m, DefaultValueLossOptions())
	wantErr(t, err, "returns row 0 has 2 values, vpreds has 3")
	_, err = ValueLoss(vp, ret, [][]float64{{0, math.Inf(1), 0}}, m, DefaultValueLossOptions())
	wantErr(t, err, "values row 0 column 1")
}
