package turn

import (
	"math"
	"testing"
)

func TestNormalizeSetsHand(t *testing.T) {
	// set 0 = {1, 2, 3}: mean 2, unbiased std sqrt((1+0+1)/2) = 1 → -1, 0, 1.
	// set 1 = {10}: singleton → 0. Unit with set -1 is left out → 0.
	x := []float64{1, 2, 3, 10, 7}
	set := []int{0, 0, 0, 1, -1}
	got, err := NormalizeSets(x, set, 2, true, 0)
	if err != nil {
		t.Fatal(err)
	}
	checkVec(t, "byStd", got, []float64{-1, 0, 1, 0, 0}, tol)
	got, _ = NormalizeSets(x, set, 2, false, 0)
	checkVec(t, "centred", got, []float64{-1, 0, 1, 0, 0}, tol)
	// All-equal set: std 0 → (x - mean)/(0 + eps) = 0.
	got, _ = NormalizeSets([]float64{4, 4}, []int{0, 0}, 1, true, 1e-6)
	checkVec(t, "equal", got, []float64{0, 0}, tol)
}

func TestNormalizeSetsErrors(t *testing.T) {
	if _, err := NormalizeSets([]float64{1}, []int{0, 0}, 1, true, 0); err == nil {
		t.Fatal("length mismatch accepted")
	}
	if _, err := NormalizeSets([]float64{1}, []int{3}, 1, true, 0); err == nil {
		t.Fatal("set out of range accepted")
	}
	if _, err := NormalizeSets([]float64{math.NaN()}, []int{0}, 1, true, 0); err == nil {
		t.Fatal("NaN accepted")
	}
}

func TestTurnReturnsHand(t *testing.T) {
	// r = [1, 0, 2], γ = 0.5: G2 = 2, G1 = 0 + 0.5·2 = 1, G0 = 1 + 0.5·1 = 1.5.
	g, err := TurnReturns([][]float64{{1, 0, 2}, {}}, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, "G", g, [][]float64{{1.5, 1, 2}, {}}, tol)
}

func TestReturnCreditHand(t *testing.T) {
	// γ = 1: G = [[1, 1], [2]]. Batch set {1, 1, 2}: mean 4/3, unbiased var
	// ((1/3)²·2 + (2/3)²)/2 = 1/3, std 1/√3 → z = [-1/√3, -1/√3, 2/√3].
	r := [][]float64{{0, 1}, {2}}
	opt := ReturnOptions{Gamma: 1, Norm: NormBatch, NormByStd: true}
	adv, ret, err := ReturnCredit(r, nil, 0, opt)
	if err != nil {
		t.Fatal(err)
	}
	s := 1 / math.Sqrt(3)
	checkRows(t, "ret", ret, [][]float64{{1, 1}, {2}}, tol)
	checkRows(t, "adv", adv, [][]float64{{-1 / 3.0 / s, -1 / 3.0 / s}, {2 / 3.0 / s}}, 1e-12)
	// Per group: rows in different groups; row 0's set {1, 1} has std 0 → 0;
	// row 1 is a singleton → 0.
	opt.Norm = NormGroup
	adv, _, err = ReturnCredit(r, []int{0, 1}, 2, opt)
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, "group", adv, [][]float64{{0, 0}, {0}}, tol)
	opt.Norm = NormNone
	adv, _, _ = ReturnCredit(r, nil, 0, opt)
	checkRows(t, "none", adv, [][]float64{{1, 1}, {2}}, tol)
	opt.Norm = "bogus"
	if _, _, err := ReturnCredit(r, nil, 0, opt); err == nil {
		t.Fatal("unknown norm accepted")
	}
}
