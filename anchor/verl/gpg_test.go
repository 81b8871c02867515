package verl

import "testing"

// Scores 1, 0 (group a), 0, 1 (group b), 3 (singleton c): 3 non-zero scores
// out of B = 5, alpha = 5/3. Group means 0.5, 0.5, 0 (singleton).
// A = 5/3·(0.5, -0.5, -0.5, 0.5, 3).
func TestGPGHand(t *testing.T) {
	r := [][]float64{{1}, {0}, {0}, {1}, {3}}
	m := [][]float64{{1}, {1}, {1}, {1}, {1}}
	adv, _, err := GPG(r, m, []string{"a", "a", "b", "b", "c"}, DefaultGPGOptions())
	if err != nil {
		t.Fatal(err)
	}
	k := 5.0 / 3
	assertRows(t, "advantages", adv, [][]float64{{k * 0.5}, {-k * 0.5}, {-k * 0.5}, {k * 0.5}, {k * 3}}, 1e-12)

	a, err := GPGScalar([]float64{1, 0, 0, 1, 3}, []int{0, 0, 1, 1, 2}, 3, GPGOptions{FNorm: 2})
	if err != nil {
		t.Fatal(err)
	}
	assertVec(t, "f_norm 2", a, []float64{k / 4, -k / 4, -k / 4, k / 4, k * 1.5}, 1e-12)

	// All scores zero: alpha = B/max(0,1) = B, advantages 0.
	a, _ = GPGScalar([]float64{0, 0}, []int{0, 0}, 1, DefaultGPGOptions())
	assertVec(t, "all zero", a, []float64{0, 0}, 0)

	_, err = GPGScalar([]float64{1}, []int{0}, 1, GPGOptions{})
	wantErr(t, err, "f_norm")
}
