package verl

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestGAEHand(t *testing.T) {
	// gamma = lam = 1, r = [0, 0, 1], V = [0.2, 0.4, 0.6]:
	// t=2: δ = 1 - 0.6 = 0.4,           A = 0.4
	// t=1: δ = 0 + 0.6 - 0.4 = 0.2,     A = 0.6
	// t=0: δ = 0 + 0.4 - 0.2 = 0.2,     A = 0.8;   returns = A + V = 1, 1, 1.
	// Whitened: mean 0.6, unbiased var (0.04 + 0 + 0.04)/2 = 0.04 -> (A-0.6)/0.2.
	adv, ret, err := GAE([][]float64{{0, 0, 1}}, [][]float64{{0.2, 0.4, 0.6}}, [][]float64{{1, 1, 1}}, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	assertRows(t, "returns", ret, [][]float64{{1, 1, 1}}, 1e-12)
	s := 1 / math.Sqrt(0.04+1e-8)
	assertRows(t, "advantages", adv, [][]float64{{0.2 * s, 0, -0.2 * s}}, 1e-7) // O(1e-8): masked_mean's +1e-8
}

func TestGAETransparentMask(t *testing.T) {
	// Position 1 is an observation token (mask 0): its reward 5 and value 9
	// are skipped, nextvalue and lastgaelam pass through it.
	// t=2: δ = 1 - 0.6 = 0.4, A = 0.4, nextv = 0.6
	// t=1: masked: A = 0.4 (carried), return 0.4 + 9 = 9.4
	// t=0: δ = 0 + 0.6 - 0.2 = 0.4, A = 0.4 + 0.4 = 0.8
	// Whitening over the two valid tokens 0.8, 0.4: mean 0.6, unbiased var
	// 0.08; the masked position is whitened too (not re-masked).
	adv, ret, err := GAE([][]float64{{0, 5, 1}}, [][]float64{{0.2, 9, 0.6}}, [][]float64{{1, 0, 1}}, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	assertRows(t, "returns", ret, [][]float64{{1, 9.4, 1}}, 1e-12)
	s := 1 / math.Sqrt(0.08+1e-8)
	assertRows(t, "advantages", adv, [][]float64{{0.2 * s, -0.2 * s, -0.2 * s}}, 1e-7)
}

func TestGAEErrors(t *testing.T) {
	_, _, err := GAE([][]float64{{1, 2}}, [][]float64{{0, 0}}, [][]float64{{0, 1}}, 1, 1)
	wantErr(t, err, "sums to 1")
	_, _, err = GAE([][]float64{{1, 2}}, [][]float64{{0, 0}}, [][]float64{{0, 0}}, 1, 1)
	wantErr(t, err, "sums to 0")
	_, _, err = GAE([][]float64{{1, 2}}, [][]float64{{0}}, [][]float64{{1, 1}}, 1, 1)
	wantErr(t, err, "values row 0 has 1 values, token_level_rewards has 2")
	_, _, err = GAE([][]float64{{1, 2}}, [][]float64{{0, math.Inf(-1)}}, [][]float64{{1, 1}}, 1, 1)
	wantErr(t, err, "values row 0")
}

// Property: with gamma = lam = 1 and a full mask, the returns are the
// Monte-Carlo reward-to-go, whatever the values; and the whitened
// advantages have masked mean 0 and unbiased variance var/(var+1e-8).
func TestGAEProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 9))
	B := 6
	r := make([][]float64, B)
	v := make([][]float64, B)
	m := make([][]float64, B)
	for i := range r {
		l := 1 + rng.IntN(9)
		r[i], v[i], m[i] = make([]float64, l), make([]float64, l), make([]float64, l)
		for j := range r[i] {
			r[i][j], v[i][j], m[i][j] = rng.NormFloat64(), rng.NormFloat64(), 1
		}
	}
	adv, ret, err := GAE(r, v, m, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	sum, n := 0.0, 0.0
	for i := range r {
		g := 0.0
		for j := len(r[i]) - 1; j >= 0; j-- {
			g += r[i][j]
			if !near(ret[i][j], g, 1e-9) {
				t.Fatalf("returns[%d][%d] = %g, want reward-to-go %g", i, j, ret[i][j], g)
			}
			sum += adv[i][j]
			n++
		}
	}
	mean := sum / n
	sq := 0.0
	for i := range adv {
		for _, x := range adv[i] {
			sq += (x - mean) * (x - mean)
		}
	}
	if !near(mean, 0, 1e-9) || !near(sq/(n-1), 1, 1e-6) {
		t.Fatalf("whitened mean %g var %g, want 0 and ~1", mean, sq/(n-1))
	}
}
