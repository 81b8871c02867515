package turn

import (
	"math/rand/v2"
	"testing"
)

func TestLaReRedistributeHand(t *testing.T) {
	// R = 1, s = [0.2, 0.5, 0.1], Σs = 0.8.
	// additive: shift (1 − 0.8)/3 = 1/15 → [0.2 + 1/15, 0.5 + 1/15, 0.1 + 1/15].
	// proportional: 1·s/0.8 = [0.25, 0.625, 0.125].
	s := [][]float64{{0.2, 0.5, 0.1}}
	got, err := LaReRedistribute([]float64{1}, s, LaReAdditive)
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, "additive", got, [][]float64{{0.2 + 1.0/15, 0.5 + 1.0/15, 0.1 + 1.0/15}}, 1e-12)
	got, _ = LaReRedistribute([]float64{1}, s, LaReProportional)
	checkRows(t, "proportional", got, [][]float64{{0.25, 0.625, 0.125}}, 1e-12)
	got, _ = LaReRedistribute([]float64{1}, s, LaReRaw)
	checkRows(t, "raw", got, s, 0)
}

// The additive and proportional modes preserve each row's episodic return.
func TestLaRePreservesReturn(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for trial := 0; trial < 50; trial++ {
		n := 1 + rng.IntN(5)
		R := make([]float64, n)
		s := make([][]float64, n)
		for i := range s {
			R[i] = rng.NormFloat64() * 3
			s[i] = make([]float64, 1+rng.IntN(8))
			for k := range s[i] {
				s[i][k] = rng.Float64() + 0.01 // positive, for proportional
			}
		}
		for _, mode := range []LaReMode{LaReAdditive, LaReProportional} {
			r, err := LaReRedistribute(R, s, mode)
			if err != nil {
				t.Fatal(err)
			}
			for i, row := range r {
				sum := 0.0
				for _, x := range row {
					sum += x
				}
				if !near(sum, R[i], 1e-12) {
					t.Fatalf("%s trial %d row %d: Σr = %v, R = %v", mode, trial, i, sum, R[i])
				}
			}
		}
	}
}

func TestLaReErrors(t *testing.T) {
	if _, err := LaReRedistribute([]float64{1}, [][]float64{{}}, LaReAdditive); err == nil {
		t.Fatal("return without steps accepted")
	}
	if r, err := LaReRedistribute([]float64{0}, [][]float64{{}}, LaReAdditive); err != nil || len(r[0]) != 0 {
		t.Fatalf("zero return without steps: %v, %v", r, err)
	}
	if _, err := LaReRedistribute([]float64{1}, [][]float64{{-1, 2}}, LaReProportional); err == nil {
		t.Fatal("negative score accepted in proportional mode")
	}
	if _, err := LaReRedistribute([]float64{1}, [][]float64{{0, 0}}, LaReProportional); err == nil {
		t.Fatal("zero score sum accepted in proportional mode")
	}
	if _, err := LaReRedistribute([]float64{1}, [][]float64{{1}}, "bogus"); err == nil {
		t.Fatal("unknown mode accepted")
	}
}
