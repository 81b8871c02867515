package token

import (
	"math"
	"testing"
)

func TestImplicitRewardHand(t *testing.T) {
	lp := [][]float64{{-1, -2, -0.5}}
	ref := [][]float64{{-1.5, -1, -0.5}}
	// β = 0.1: r̂ = 0.1·[0.5, −1, 0] = [0.05, −0.1, 0]; return-to-go [−0.05, −0.1, 0].
	r, g, err := ImplicitReward(lp, ref, nil, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	assertRows(t, "reward", r, [][]float64{{0.05, -0.1, 0}})
	assertRows(t, "return", g, [][]float64{{-0.05, -0.1, 0}})
	// Masking the middle token drops its reward.
	r, g, _ = ImplicitReward(lp, ref, [][]float64{{1, 0, 1}}, 0.1)
	assertRows(t, "reward masked", r, [][]float64{{0.05, 0, 0}})
	assertRows(t, "return masked", g, [][]float64{{0.05, 0, 0}})
	if _, _, err := ImplicitReward(lp, [][]float64{{1}}, nil, 0.1); err == nil {
		t.Fatal("ref of the wrong length: want an error")
	}
}

// The return at the first token is the sequence's implicit reward
// β·Σ(log π − log π_ref).
func TestImplicitRewardTelescopes(t *testing.T) {
	s := lcg(5)
	lens := []int{4, 9}
	lp, ref := randRows(&s, lens, -5, 0), randRows(&s, lens, -5, 0)
	_, g, err := ImplicitReward(lp, ref, nil, 0.3)
	if err != nil {
		t.Fatal(err)
	}
	for i := range lp {
		want := 0.0
		for k := range lp[i] {
			want += 0.3 * (lp[i][k] - ref[i][k])
		}
		if !near(g[i][0], want, 1e-12) {
			t.Fatalf("row %d: return %v, want %v", i, g[i][0], want)
		}
	}
}

func TestTREGWeightsHand(t *testing.T) {
	// c = [ln 3, −ln 3] → σ = [3/4, 1/4]; τ = 0.5 → exp(1.5), exp(0.5);
	// w = 2·[e, 1]/(e + 1) = [1.4621171573, 0.5378828427].
	pos := [][]float64{{math.Log(3), 0}, {math.Log(3), 0}}
	neg := [][]float64{{0, math.Log(3)}, {0, math.Log(3)}}
	w, err := TREGWeights(pos, neg, nil, []bool{false, true}, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	e := math.E
	hi, lo := 2*e/(e+1), 2/(e+1)
	// The rejected row flips the contrast.
	assertRows(t, "weights", w, [][]float64{{hi, lo}, {lo, hi}})
	// Equal contrast → all weights 1; masked tokens → 0 and the rest still average 1.
	w, _ = TREGWeights([][]float64{{1, 2, 3}}, [][]float64{{1, 2, 3}}, [][]float64{{1, 0, 1}}, nil, 1)
	assertRows(t, "flat", w, [][]float64{{1, 0, 1}})
	if _, err := TREGWeights(pos, neg, nil, nil, 0); err == nil {
		t.Fatal("temperature 0: want an error")
	}
}

func TestTREGReducesToImplicitReward(t *testing.T) {
	s := lcg(9)
	lens := []int{3, 6}
	lp, ref, c := randRows(&s, lens, -3, 0), randRows(&s, lens, -3, 0), randRows(&s, lens, -3, 0)
	a, g, err := TREG(lp, ref, c, c, nil, nil, 0.2, 1)
	if err != nil {
		t.Fatal(err)
	}
	wa, wg, _ := ImplicitReward(lp, ref, nil, 0.2)
	assertRows(t, "adv", a, wa)
	assertRows(t, "ret", g, wg)
	// Token weights average 1 over the policy tokens of every row.
	w, _ := TREGWeights(lp, ref, nil, nil, 0.7)
	for i := range w {
		sum := 0.0
		for _, x := range w[i] {
			sum += x
		}
		if !near(sum, float64(len(w[i])), 1e-12) {
			t.Fatalf("row %d: weights sum to %v, want %d", i, sum, len(w[i]))
		}
	}
}
