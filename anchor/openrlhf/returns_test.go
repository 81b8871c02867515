package openrlhf

import (
	"math/rand/v2"
	"testing"
)

func TestCumulativeReturns(t *testing.T) {
	// G2 = 3; G1 = 0·2 + 0.5·3 = 1.5; G0 = 1 + 0.5·1.5 = 1.75.
	got, err := CumulativeReturns([][]float64{{1, 2, 3}, {4}}, [][]float64{{1, 0, 1}, {0}}, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	wantMat(t, "returns", got, [][]float64{{1.75, 1.5, 3}, {0}})
}

// The GAE vector of the spec (§2): γ=1, λ=0.95, observation tokens at 2,3.
func TestGAESpecVector(t *testing.T) {
	v := [][]float64{{.1, .2, .3, .4, .5, .6, .7}}
	r := [][]float64{{0, 0, 0, 0, 0, 1, 0}}
	m := [][]float64{{1, 1, 0, 0, 1, 1, 0}}
	adv, ret, err := GAE(v, r, m, 1, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	// V' = [.1 .2 0 0 .5 .6 0]; backwards:
	// A6 = 0; A5 = 1-.6 = .4; A4 = .6-.5+.95·.4 = .48; A3 = .5+.95·.48 = .956;
	// A2 = .95·.956 = .9082; A1 = -.2+.95·.9082 = .66279; A0 = .1+.95·.66279 = .7296505.
	wantMat(t, "advantages", adv, [][]float64{{0.7296505, 0.66279, 0.9082, 0.956, 0.48, 0.4, 0}})
	// R = A + V'.
	wantMat(t, "returns", ret, [][]float64{{0.8296505, 0.86279, 0.9082, 0.956, 0.98, 1.0, 0}})
}

// With λ = 1 and no mask, GAE returns equal the discounted reward-to-go
// bootstrapped at V_T = 0: R_t = Σ γ^k r_{t+k}.
func TestGAELambdaOneIsMonteCarlo(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const B, T = 5, 17
	v, r, m := make([][]float64, B), make([][]float64, B), make([][]float64, B)
	for i := range v {
		v[i], r[i], m[i] = make([]float64, T), make([]float64, T), make([]float64, T)
		for t := range v[i] {
			v[i][t], r[i][t], m[i][t] = rng.NormFloat64(), rng.NormFloat64(), 1
		}
	}
	_, ret, err := GAE(v, r, m, 0.9, 1)
	if err != nil {
		t.Fatal(err)
	}
	mc, _ := CumulativeReturns(r, m, 0.9)
	wantMat(t, "returns", ret, mc)
}

func TestGAEErrors(t *testing.T) {
	_, _, err := GAE([][]float64{{1}}, [][]float64{{1, 2}}, [][]float64{{1, 1}}, 1, 1)
	wantErr(t, err, "values row 0 has 1 values, rewards has 2")
	_, _, err = GAE(nil, [][]float64{{1}}, [][]float64{{1}}, 1, 1)
	wantErr(t, err, "values has 0 rows, rewards has 1")
}

func benchRows(b, t int) (v, r, m [][]float64) {
	rng := rand.New(rand.NewPCG(3, 4))
	v, r, m = make([][]float64, b), make([][]float64, b), make([][]float64, b)
	for i := range v {
		v[i], r[i], m[i] = make([]float64, t), make([]float64, t), make([]float64, t)
		n := t/2 + rng.IntN(t/2)
		for k := 0; k < t; k++ {
			v[i][k], r[i][k] = rng.NormFloat64(), rng.NormFloat64()
			if k < n {
				m[i][k] = 1
			}
		}
	}
	return
}

func BenchmarkGAE(b *testing.B) {
	const B, T = 4096, 2048
	v, r, m := benchRows(B, T)
	b.SetBytes(B * T) // "bytes" = tokens: MB/s reads as Mtokens/s
	b.ResetTimer()
	for range b.N {
		if _, _, err := GAE(v, r, m, 1, 0.95); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCumulativeReturns(b *testing.B) {
	const B, T = 4096, 2048
	_, r, m := benchRows(B, T)
	b.SetBytes(B * T)
	b.ResetTimer()
	for range b.N {
		if _, err := CumulativeReturns(r, m, 1); err != nil {
			b.Fatal(err)
		}
	}
}
