package verl

import (
	"math/rand/v2"
	"testing"
)

// Group "a" scores 1, 2, 3: A_i = s_i - mean of the others:
// 1 - 2.5 = -1.5, 2 - 2 = 0, 3 - 1.5 = 1.5. Group "b" is a singleton (4).
var (
	loRewards = [][]float64{{1, 0}, {0, 2}, {3, 0}, {0, 4, 0}}
	loMask    = [][]float64{{1, 1}, {1, 1}, {1, 0}, {1, 1, 0}}
	loIndex   = []string{"a", "a", "a", "b"}
)

func TestRLOOHand(t *testing.T) {
	adv, ret, err := RLOO(loRewards, loMask, loIndex)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]float64{{-1.5, -1.5}, {0, 0}, {1.5, 0}, {4, 4, 0}} // singleton keeps 4
	assertRows(t, "advantages", adv, want, 1e-12)
	assertRows(t, "returns", ret, want, 1e-12)
}

func TestRLOOVectorizedSingletons(t *testing.T) {
	adv, _, err := RLOOVectorized(loRewards, loMask, loIndex, RLOOVectorizedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Faithful: the singleton gets 0 (the defect).
	assertRows(t, "faithful", adv, [][]float64{{-1.5, -1.5}, {0, 0}, {1.5, 0}, {0, 0, 0}}, 1e-12)
	adv, _, err = RLOOVectorized(loRewards, loMask, loIndex, RLOOVectorizedOptions{Corrected: true})
	if err != nil {
		t.Fatal(err)
	}
	ref, _, _ := RLOO(loRewards, loMask, loIndex)
	assertRows(t, "corrected vs RLOO", adv, ref, 1e-12)
}

// Property: RLOO advantages of a group of size > 1 sum to zero, and equal
// s_i minus the mean of the other scores.
func TestRLOOProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for trial := 0; trial < 50; trial++ {
		n := 1 + rng.IntN(5)
		B := 1 + rng.IntN(30)
		g := make([]int, B)
		s := make([]float64, B)
		for i := range g {
			g[i] = rng.IntN(n)
			s[i] = rng.NormFloat64()
		}
		a, err := RLOOScalar(s, g, n)
		if err != nil {
			t.Fatal(err)
		}
		for i := range s {
			others, c := 0.0, 0
			for j := range s {
				if j != i && g[j] == g[i] {
					others += s[j]
					c++
				}
			}
			want := s[i]
			if c > 0 {
				want = s[i] - others/float64(c)
			}
			if !near(a[i], want, 1e-9) {
				t.Fatalf("trial %d row %d: %g, want %g", trial, i, a[i], want)
			}
		}
	}
}
