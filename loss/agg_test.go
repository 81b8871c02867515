package loss

import (
	"math"
	"testing"
)

// Row sums of l·m: row 0 = 1+2 = 3 (L=2), row 1 = 4 (L=1), row 2 is empty.
var (
	aggL = [][]float64{{1, 2, 3}, {4, 5, 6}, {7, 8, 9}}
	aggM = [][]float64{{1, 1, 0}, {1, 0, 0}, {0, 0, 0}}
)

func TestAggLossHand(t *testing.T) {
	global := GlobalBatchInfo{DPSize: 2, BatchNumTokens: 14, GlobalBatchSize: 4, LossScaleFactor: 7}
	cases := []struct {
		mode     AggMode
		g        GlobalBatchInfo
		want     float64
		row0, r1 float64 // gradient of a valid token of rows 0 and 1
	}{
		// (3+4)/3 tokens.
		{TokenMean, GlobalBatchInfo{}, 7.0 / 3, 1.0 / 3, 1.0 / 3},
		// 7/14·2 = 1; weight 2/14.
		{TokenMean, global, 1, 1.0 / 7, 1.0 / 7},
		// (3+4)/2 non-empty rows.
		{SeqMeanTokenSum, GlobalBatchInfo{}, 3.5, 0.5, 0.5},
		// 7/4·2 = 3.5; weight 2/4.
		{SeqMeanTokenSum, global, 3.5, 0.5, 0.5},
		// (3/2 + 4/1)/2 = 2.75; weights 1/(2·2), 1/(1·2).
		{SeqMeanTokenMean, GlobalBatchInfo{}, 2.75, 0.25, 0.5},
		// 5.5/4·2 = 2.75.
		{SeqMeanTokenMean, global, 2.75, 0.25, 0.5},
		// 7 / T=3.
		{SeqMeanTokenSumNorm, GlobalBatchInfo{}, 7.0 / 3, 1.0 / 3, 1.0 / 3},
		// 7 / 7 (dp_size is NOT applied).
		{SeqMeanTokenSumNorm, global, 1, 1.0 / 7, 1.0 / 7},
	}
	for _, c := range cases {
		v, g, err := AggLoss(aggL, aggM, c.mode, c.g)
		if err != nil {
			t.Fatal(err)
		}
		approx(t, string(c.mode)+" loss", v, c.want, 1e-7)
		approxMat(t, string(c.mode)+" grad", g, [][]float64{{c.row0, c.row0, 0}, {c.r1, 0, 0}, {0, 0, 0}}, 1e-7)
	}
}

func TestAggLossNaNSafety(t *testing.T) {
	l := [][]float64{{1, 2, math.NaN()}, {4, 5, 6}, {math.NaN(), 8, 9}}
	// token-mean zeroes masked entries first: NaN at masked positions is ignored.
	v, _, _ := AggLoss(l, aggM, TokenMean, GlobalBatchInfo{})
	approx(t, "token-mean", v, 7.0/3, 1e-12)
	// seq-mean modes: NaN·0 poisons a non-empty row ...
	v, _, _ = AggLoss(l, aggM, SeqMeanTokenSum, GlobalBatchInfo{})
	approx(t, "seq-mean-token-sum", v, math.NaN(), 0)
	// ... but an empty row is skipped.
	l[0][2] = 3
	v, _, _ = AggLoss(l, aggM, SeqMeanTokenMean, GlobalBatchInfo{})
	approx(t, "seq-mean-token-mean", v, 2.75, 1e-7)
	// seq-mean-token-sum-norm sums every row.
	v, _, _ = AggLoss(l, aggM, SeqMeanTokenSumNorm, GlobalBatchInfo{})
	approx(t, "seq-mean-token-sum-norm", v, math.NaN(), 0)
	// An all-masked batch: 0/0 in token-mean, zero gradient.
	v, g, _ := AggLoss(aggL, [][]float64{{0, 0, 0}, {0, 0, 0}, {0, 0, 0}}, TokenMean, GlobalBatchInfo{})
	approx(t, "empty", v, math.NaN(), 0)
	approxMat(t, "empty grad", g, [][]float64{{0, 0, 0}, {0, 0, 0}, {0, 0, 0}}, 0)
}

func TestAggLossRaggedAndErrors(t *testing.T) {
	// Ragged rows: T for seq-mean-token-sum-norm is the longest row (4).
	v, _, err := AggLoss([][]float64{{1, 2, 3, 4}, {5}}, [][]float64{{1, 1, 1, 1}, {1}}, SeqMeanTokenSumNorm, GlobalBatchInfo{})
	if err != nil {
		t.Fatal(err)
	}
	approx(t, "ragged", v, 15.0/4, 1e-12)
	_, _, err = AggLoss(aggL, [][]float64{{1, 1, 0}, {1, 0}, {0, 0, 0}}, TokenMean, GlobalBatchInfo{})
	wantErr(t, err, "loss_mask row 1 has 2 values, loss_mat has 3")
	_, _, err = AggLoss(aggL, [][]float64{{1, -1, 0}, {1, 0, 0}, {0, 0, 0}}, TokenMean, GlobalBatchInfo{})
	wantErr(t, err, "loss_mask row 0 column 1")
	_, _, err = AggLoss(aggL, aggM, "token-sum", GlobalBatchInfo{})
	wantErr(t, err, "invalid loss_agg_mode")
	if _, err := ParseAggMode("seq-mean-token-mean"); err != nil {
		t.Error(err)
	}
	_, err = ParseAggMode("mean")
	wantErr(t, err, "invalid")
}

func TestAggregateLossOpenRLHFHand(t *testing.T) {
	cases := []struct {
		o        OpenRLHFAggOptions
		want     float64
		row0, r1 float64
	}{
		{OpenRLHFAggOptions{TokenLevelLoss: true}, 7.0 / 3, 1.0 / 3, 1.0 / 3},
		{OpenRLHFAggOptions{TokenLevelLoss: true, DPSize: 2, BatchNumTokens: 14}, 1, 1.0 / 7, 1.0 / 7},
		// mean of per-sequence means over non-empty rows: (1.5 + 4)/2.
		{OpenRLHFAggOptions{}, 2.75, 0.25, 0.5},
		{OpenRLHFAggOptions{DPSize: 2, GlobalBatchSize: 4}, 2.75, 0.25, 0.5},
	}
	for _, c := range cases {
		v, g, err := AggregateLossOpenRLHF(aggL, aggM, c.o)
		if err != nil {
			t.Fatal(err)
		}
		approx(t, "openrlhf agg", v, c.want, 1e-7)
		approxMat(t, "openrlhf agg grad", g, [][]float64{{c.row0, c.row0, 0}, {c.r1, 0, 0}, {0, 0, 0}}, 1e-7)
	}
	// No NaN safety: a NaN at a masked position propagates (NaN·0).
	l := [][]float64{{1, 2, math.NaN()}, {4, 5, 6}, {7, 8, 9}}
	v, _, _ := AggregateLossOpenRLHF(l, aggM, OpenRLHFAggOptions{TokenLevelLoss: true})
	approx(t, "openrlhf NaN", v, math.NaN(), 0)
}

// Property: the token-mean weights sum to dp·Σm/BatchNumTokens.
func TestAggWeightsSum(t *testing.T) {
	_, g, _ := AggLoss(aggL, aggM, TokenMean, GlobalBatchInfo{DPSize: 8, BatchNumTokens: 24})
	s := 0.0
	for _, r := range g {
		for _, v := range r {
			s += v
		}
	}
	approx(t, "Σ weights", s, 8*3.0/24, 1e-12)
}
