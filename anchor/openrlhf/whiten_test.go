package openrlhf

import "testing"

func TestWhitenGlobal(t *testing.T) {
	adv := [][][]float64{{{1, 2, 3}}, {{5}}}
	mask := [][][]float64{{{1, 1, 0}}, {{0}}}
	// masked tokens {1, 2}: μ = 1.5, population σ² = 0.25, rstd = 2;
	// every position, masked or not, becomes (A − 1.5)·2.
	got, err := WhitenGlobal(adv, mask, false)
	if err != nil {
		t.Fatal(err)
	}
	wantMat(t, "batch 0", got[0], [][]float64{{-1, 1, 3}})
	wantMat(t, "batch 1", got[1], [][]float64{{7}})
	got, _ = WhitenGlobal(adv, mask, true)
	wantMat(t, "batch 0 no std", got[0], [][]float64{{-0.5, 0.5, 1.5}})
	wantMat(t, "batch 1 no std", got[1], [][]float64{{3.5}})

	// σ² is clamped at 1e-8: constant advantages give (A − μ)·1e4 = 0.
	got, _ = WhitenGlobal([][][]float64{{{3, 3}}}, [][][]float64{{{1, 1}}}, false)
	wantMat(t, "constant", got[0], [][]float64{{0, 0}})

	_, err = WhitenGlobal([][][]float64{{{3}}}, [][][]float64{{{0}}}, false)
	wantErr(t, err, "all zero")
}
