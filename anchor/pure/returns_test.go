package pure

import (
	"math"
	"testing"
)

func TestApproxKL(t *testing.T) {
	lp := [][]float64{{-1, -2}}
	base := [][]float64{{-1.5, -1}}
	am := [][]float64{{1, 0}}
	k1, err := ApproxKL(lp, base, am, false)
	if err != nil {
		t.Fatal(err)
	}
	wantMat(t, "k1", k1, [][]float64{{0.5, 0}})
	k3, _ := ApproxKL(lp, base, am, true)
	// exp(−0.5) − 1 + 0.5 = 0.10653066.
	wantMat(t, "k3", k3, [][]float64{{math.Exp(-0.5) - 0.5, 0}})
}

func TestReturns(t *testing.T) {
	pr := [][]float64{{0, 1, 0, 2}}
	kl := [][]float64{{1, 0, 0, 1}}
	rm := [][]float64{{0, 1, 0, 1}}
	// r = [−0.1, 1, 0, 1.9]; reverse sums [2.8, 2.9, 1.9, 1.9].
	got, sums, err := Returns(pr, kl, rm, 0.1, true)
	if err != nil {
		t.Fatal(err)
	}
	wantMat(t, "masked", got, [][]float64{{2.8, 0, 1.9, 0}})
	wantVec(t, "sums", sums, []float64{2.8})
	got, _, _ = Returns(pr, kl, rm, 0.1, false)
	wantMat(t, "unmasked", got, [][]float64{{2.8, 2.9, 1.9, 1.9}})
}
