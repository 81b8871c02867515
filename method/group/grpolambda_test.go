package group

import "testing"

// Three groups, λ = 0.34 → k = ceil(0.34·3) = ceil(1.02) = 2 groups get the
// length penalty: the two with the highest correctness ratio.
//
//	g1: outcomes [1,1,1,0] (ratio 0.75), lengths [10,20,30,40]
//	    λ_len = 0.5 - (L-10)/30 = [0.5, 0.1666667, -0.1666667, -0.5]
//	    rewards [1.5, 1.1666667, 0.8333333, min(0, -0.5) = -0.5]
//	g2: outcomes [1,0,0,0] (ratio 0.25) → not selected → 0/1 rewards [1,0,0,0]
//	g3: outcomes [1,1,0,0] (ratio 0.5), lengths all 5 → λ_len = 0
//	    rewards [1, 1, min(0,0) = 0, 0]
func TestGRPOLambdaHand(t *testing.T) {
	o := []float64{1, 1, 1, 0, 1, 0, 0, 0, 1, 1, 0, 0}
	L := []float64{10, 20, 30, 40, 7, 8, 9, 10, 5, 5, 5, 5}
	idx := []string{"g1", "g1", "g1", "g1", "g2", "g2", "g2", "g2", "g3", "g3", "g3", "g3"}
	r, sel, err := GRPOLambdaRewards(o, L, idx, GRPOLambdaOptions{Lambda: 0.34, Threshold: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	assertVec(t, "rewards", r, []float64{1.5, 1.1666667, 0.8333333, -0.5, 1, 0, 0, 0, 1, 1, 0, 0}, 1e-6)
	for i, s := range sel {
		if s != (idx[i] != "g2") {
			t.Fatalf("row %d selected = %v", i, s)
		}
	}
	// λ = 0: no group is penalised; λ = 1: all are.
	r, _, _ = GRPOLambdaRewards(o, L, idx, GRPOLambdaOptions{Lambda: 0, Threshold: 0.5})
	assertVec(t, "lambda 0", r, o, 0)
	_, sel, _ = GRPOLambdaRewards(o, L, idx, GRPOLambdaOptions{Lambda: 1, Threshold: 0.5})
	for i, s := range sel {
		if !s {
			t.Fatalf("lambda 1: row %d not selected", i)
		}
	}
}

// Ties in the correctness ratio are broken by group id (ascending), so the
// selection does not depend on the order of the batch: groups "b" and "a"
// both have ratio 1/2, λ = 0.5 selects k = ceil(0.5·2) = 1 group: "a",
// whichever comes first.
func TestGRPOLambdaTies(t *testing.T) {
	o := []float64{1, 0, 1, 0}
	L := []float64{1, 2, 1, 2}
	for _, idx := range [][]string{{"b", "b", "a", "a"}, {"a", "a", "b", "b"}, {"a", "b", "b", "a"}} {
		_, sel, err := GRPOLambdaRewards(o, L, idx, GRPOLambdaOptions{Lambda: 0.5, Threshold: 0.5})
		if err != nil {
			t.Fatal(err)
		}
		for i := range sel {
			if sel[i] != (idx[i] == "a") {
				t.Fatalf("index %v: selected %v, want group a only", idx, sel)
			}
		}
	}
}

func TestLengthReward(t *testing.T) {
	if LengthReward(3, 3, 3) != 0 {
		t.Fatal("equal lengths must give 0")
	}
	if LengthReward(10, 10, 20) != 0.5 || LengthReward(20, 10, 20) != -0.5 {
		t.Fatal("length reward must span [-0.5, 0.5]")
	}
}

func TestGRPOLambdaErrors(t *testing.T) {
	_, _, err := GRPOLambdaRewards([]float64{1}, []float64{1, 2}, []string{"a"}, DefaultGRPOLambdaOptions())
	assertErr(t, "lengths", err)
	_, _, err = GRPOLambdaRewards([]float64{1}, []float64{1}, []string{"a"}, GRPOLambdaOptions{Lambda: 2})
	assertErr(t, "lambda > 1", err)
	_, _, err = GRPOLambdaRewards([]float64{nan()}, []float64{1}, []string{"a"}, DefaultGRPOLambdaOptions())
	assertErr(t, "NaN outcome", err)
}
