package verl

import (
	"testing"

	"github.com/credo-rl/credo/internal/groups"
)

// Group "a": row 0 has score 1 and length 1, row 1 has score 0 and length 3
// (an interior mask zero does not count): b = (1·1 + 3·0)/(1+3) = 0.25,
// A = 0.75 and -0.25. Group "b" is a singleton: b = 0, A = 2.
func TestOPOHand(t *testing.T) {
	r := [][]float64{{1, 0, 0, 0}, {0, 0, 0, 0, 0}, {0, 2}}
	m := [][]float64{{1, 0, 0, 0}, {1, 0, 1, 1, 0}, {1, 1}}
	adv, ret, err := OPO(r, m, []string{"a", "a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]float64{{0.75, 0, 0, 0}, {-0.25, 0, -0.25, -0.25, 0}, {2, 2}}
	assertRows(t, "advantages", adv, want, 1e-12)
	assertRows(t, "returns", ret, want, 1e-12)

	g, n := groups.Index([]string{"a", "a", "b"})
	a, err := OPOScalar([]float64{1, 0, 2}, []float64{1, 3, 2}, g, n)
	if err != nil {
		t.Fatal(err)
	}
	assertVec(t, "scalar", a, []float64{0.75, -0.25, 2}, 1e-12)
}

func TestOPOZeroLengthGroup(t *testing.T) {
	r := [][]float64{{1, 0}, {0, 0}}
	m := [][]float64{{0, 0}, {0, 0}}
	_, _, err := OPO(r, m, []string{"a", "a"})
	wantErr(t, err, "total response length 0")
}
