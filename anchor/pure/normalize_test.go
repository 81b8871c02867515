package pure

import (
	"math"
	"math/rand/v2"
	"testing"
)

var (
	normAdv  = [][]float64{{1, 0, 3, 9}, {-2, 0}}
	normMask = [][]float64{{1, 1, 1, 0}, {1, 1}}
)

// Faithful: kept tokens [1 0 3] and [−2 0]; Σ A = 2, N = 5 − 2 = 3, μ = 2/3;
// the variance numerator includes the zeros:
// ((1/3)² + (2/3)² + (7/3)² + (8/3)² + (2/3)²)/3 = 122/27, rstd = 0.4704409.
func TestNormalizeAdvantagesFaithful(t *testing.T) {
	got, err := NormalizeAdvantages(normAdv, normMask, false)
	if err != nil {
		t.Fatal(err)
	}
	r := 1 / math.Sqrt(122.0/27)
	wantMat(t, "faithful", got, [][]float64{{r / 3, 0, 7 * r / 3}, {-8 * r / 3, 0}})
}

// Corrected: S = {1, 3, −2}, μ = 2/3, σ² = ((1/3)² + (7/3)² + (8/3)²)/3 = 114/27.
func TestNormalizeAdvantagesCorrected(t *testing.T) {
	got, err := NormalizeAdvantages(normAdv, normMask, true)
	if err != nil {
		t.Fatal(err)
	}
	r := 1 / math.Sqrt(114.0/27)
	wantMat(t, "corrected", got, [][]float64{{r / 3, 0, 7 * r / 3}, {-8 * r / 3, 0}})
}

// Corrected output has mean 0 and variance 1 over the non-zero tokens; the
// faithful one has variance < 1 there whenever zeros are present.
func TestNormalizeAdvantagesCorrectedMoments(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	adv := make([][]float64, 8)
	mask := make([][]float64, 8)
	for i := range adv {
		n := 3 + rng.IntN(10)
		adv[i] = make([]float64, n+2)
		mask[i] = make([]float64, n+2)
		for t := 0; t < n; t++ {
			mask[i][t] = 1
			if rng.IntN(4) > 0 {
				adv[i][t] = 1 + rng.NormFloat64()
			}
		}
	}
	for _, corrected := range []bool{true, false} {
		got, err := NormalizeAdvantages(adv, mask, corrected)
		if err != nil {
			t.Fatal(err)
		}
		var s, ss, n float64
		for _, row := range got {
			for _, a := range row {
				if a != 0 {
					s += a
					ss += a * a
					n++
				}
			}
		}
		mean, v := s/n, ss/n-(s/n)*(s/n)
		if corrected && (math.Abs(mean) > 1e-9 || math.Abs(v-1) > 1e-9) {
			t.Errorf("corrected: mean %g, var %g", mean, v)
		}
		if !corrected && v >= 1 {
			t.Errorf("faithful: var %g, want < 1", v)
		}
	}
}

func TestNormalizeAdvantagesAllZero(t *testing.T) {
	got, err := NormalizeAdvantages([][]float64{{0, 0, 0}}, [][]float64{{1, 1, 0}}, false)
	if err != nil {
		t.Fatal(err)
	}
	wantMat(t, "zeros", got, [][]float64{{0, 0}})
}
