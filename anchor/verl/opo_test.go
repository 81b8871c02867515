package verl

import (
	"math"
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

// With EmptyGroupNaN the all-empty group "a" gets the reference's 0/0 = NaN
// baseline, and NaN·0 = NaN fills its rows (padding included); the singleton
// "b" is unaffected: b = 0, A = 3 + 1 = 4 on both of its tokens.
func TestOPOEmptyGroupNaN(t *testing.T) {
	r := [][]float64{{1, 0}, {2, 0}, {3, 1}}
	m := [][]float64{{0, 0}, {0, 0}, {1, 1}}
	adv, ret, err := OPOWithOptions(r, m, []string{"a", "a", "b"}, OPOOptions{EmptyGroupNaN: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		for j, v := range adv[i] {
			if !math.IsNaN(v) {
				t.Errorf("adv[%d][%d] = %v, want NaN", i, j, v)
			}
		}
	}
	assertVec(t, "row b", adv[2], []float64{4, 4}, 0)
	assertVec(t, "returns row b", ret[2], []float64{4, 4}, 0)
	// The default still rejects the batch.
	_, _, err = OPO(r, m, []string{"a", "a", "b"})
	wantErr(t, err, "total response length 0")
}
