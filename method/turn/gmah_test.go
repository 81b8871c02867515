package turn

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestMixerHand(t *testing.T) {
	// |W1| = [1, 2]ᵀ, B1 = −1, |W2| = 3, B2 = 0.5.
	m := Mixer{W1: [][]float64{{1}, {-2}}, B1: []float64{-1}, W2: []float64{-3}, B2: 0.5}
	// q = (1, 1): z = 1 + 2 − 1 = 2 > 0, h = 2 → Q = 3·2 + 0.5 = 6.5; credit 3·[1, 2].
	q, err := m.Mix([]float64{1, 1})
	if err != nil {
		t.Fatal(err)
	}
	if !near(q, 6.5, 1e-12) {
		t.Fatalf("Q_tot = %v, want 6.5", q)
	}
	c, _ := m.Credit([]float64{1, 1})
	checkVec(t, "credit", c, []float64{3, 6}, 1e-12)
	// q = (0, 0): z = −1, ELU = e^{−1} − 1 → Q = 0.5 + 3(e^{−1} − 1); credit 3e^{−1}·[1, 2].
	q, _ = m.Mix([]float64{0, 0})
	if want := 0.5 + 3*(math.Exp(-1)-1); !near(q, want, 1e-12) {
		t.Fatalf("Q_tot = %v, want %v", q, want)
	}
	c, _ = m.Credit([]float64{0, 0})
	checkVec(t, "credit", c, []float64{3 * math.Exp(-1), 6 * math.Exp(-1)}, 1e-12)
	if _, err := m.Mix([]float64{1}); err == nil {
		t.Fatal("agent count mismatch accepted")
	}
}

// Q_tot is monotone (non-decreasing) in every agent's value, and Credit
// (≥ 0) is its gradient.
func TestMixerMonotone(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for trial := 0; trial < 200; trial++ {
		na, nh := 1+rng.IntN(4), 1+rng.IntN(5)
		m := Mixer{W1: make([][]float64, na), B1: make([]float64, nh), W2: make([]float64, nh), B2: rng.NormFloat64()}
		for i := range m.W1 {
			m.W1[i] = make([]float64, nh)
			for j := range m.W1[i] {
				m.W1[i][j] = rng.NormFloat64()
			}
		}
		for j := 0; j < nh; j++ {
			m.B1[j], m.W2[j] = rng.NormFloat64(), rng.NormFloat64()
		}
		q := make([]float64, na)
		for i := range q {
			q[i] = rng.NormFloat64() * 2
		}
		base, err := m.Mix(q)
		if err != nil {
			t.Fatal(err)
		}
		cr, _ := m.Credit(q)
		for i := range q {
			if cr[i] < 0 {
				t.Fatalf("negative credit %v", cr)
			}
			up := append([]float64(nil), q...)
			up[i] += rng.Float64() * 3
			hi, _ := m.Mix(up)
			if hi < base-1e-12 {
				t.Fatalf("trial %d: raising Q_%d lowered Q_tot from %v to %v", trial, i, base, hi)
			}
			const h = 1e-6
			fd := append([]float64(nil), q...)
			fd[i] += h
			f1, _ := m.Mix(fd)
			fd[i] -= 2 * h
			f0, _ := m.Mix(fd)
			if g := (f1 - f0) / (2 * h); math.Abs(g-cr[i]) > 1e-5*(1+math.Abs(g)) {
				t.Fatalf("trial %d agent %d: credit %v, finite difference %v", trial, i, cr[i], g)
			}
		}
	}
}
