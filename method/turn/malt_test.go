package turn

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

// Tree with n = 2: G0 → {V0 → {R00 = 1, R01 = 1}, V1 → {R10 = 1, R11 = 0}},
// G1 → {V2 → {R20 = 0, R21 = 0}}.
var (
	maltParent = []int{-1, -1, 0, 0, 1, 2, 2, 3, 3, 4, 4}
	maltRole   = []string{"gen", "gen", "ver", "ver", "ver", "ref", "ref", "ref", "ref", "ref", "ref"}
	maltLeaf   = []float64{0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0}
)

func TestMALTHand(t *testing.T) {
	v, c, err := MALTValues(maltParent, maltLeaf, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	// V0 = 1, V1 = 0.5, V2 = 0; G0 = (1 + 0.5)/2 = 0.75, G1 = 0.
	checkVec(t, "value", v, []float64{0.75, 0, 1, 0.5, 0, 1, 1, 1, 0, 0, 0}, tol)
	// V1 = 0.5 is not > 0.5: incorrect.
	wantC := []bool{true, false, true, false, false, true, true, true, false, false, false}
	if !reflect.DeepEqual(c, wantC) {
		t.Fatalf("correct = %v, want %v", c, wantC)
	}
	pairs, err := MALTPairs(maltParent, maltRole, c)
	if err != nil {
		t.Fatal(err)
	}
	wantP := []MALTPair{{"gen", 0, 1}, {"ver", 2, 3}, {"ref", 7, 8}}
	if !reflect.DeepEqual(pairs, wantP) {
		t.Fatalf("pairs = %v, want %v", pairs, wantP)
	}
	lab, _ := MALTNodeCredit(maltParent, v, c, MALTLabel)
	checkVec(t, "label", lab, []float64{1, -1, 1, -1, -1, 1, 1, 1, -1, -1, -1}, 0)
	// Advantage: G: 0.75 − 0.375 = ±0.375; V0/V1: 1 − 0.75, 0.5 − 0.75; V2: 0;
	// R00/R01: 0; R10/R11: ±0.5; R20/R21: 0.
	adv, _ := MALTNodeCredit(maltParent, v, c, MALTAdvantage)
	checkVec(t, "advantage", adv, []float64{0.375, -0.375, 0.25, -0.25, 0, 0, 0, 0.5, -0.5, 0, 0}, tol)
	val, _ := MALTNodeCredit(maltParent, v, c, MALTValue)
	checkVec(t, "value credit", val, v, 0)
	if _, err := MALTNodeCredit(maltParent, v, c, "bogus"); err == nil {
		t.Fatal("unknown credit accepted")
	}
}

// In the paper's full tree (n answers, n critiques each, n refinements each)
// a generator's value is the mean of its n² leaves and a verifier's the mean
// of its n leaves.
func TestMALTFullTreeMeans(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const n = 3
	var parent []int
	var leaf []float64
	for g := 0; g < n; g++ {
		gi := len(parent)
		parent, leaf = append(parent, -1), append(leaf, 0)
		for vv := 0; vv < n; vv++ {
			vi := len(parent)
			parent, leaf = append(parent, gi), append(leaf, 0)
			for r := 0; r < n; r++ {
				parent, leaf = append(parent, vi), append(leaf, float64(rng.IntN(2)))
			}
		}
	}
	val, cor, err := MALTValues(parent, leaf, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range parent {
		var sum, cnt float64
		for j, q := range parent { // leaves below i, found by walking up
			if j == i {
				continue
			}
			for a := q; a >= 0; a = parent[a] {
				if a == i && isLeaf(parent, j) {
					sum += leaf[j]
					cnt++
				}
			}
		}
		if cnt == 0 {
			continue // a leaf
		}
		if !near(val[i], sum/cnt, 1e-12) {
			t.Fatalf("node %d (parent %d) value %v, want leaf mean %v", i, p, val[i], sum/cnt)
		}
		if cor[i] != (sum/cnt > 0.5) {
			t.Fatalf("node %d label %v for value %v", i, cor[i], val[i])
		}
	}
}

func isLeaf(parent []int, j int) bool {
	for _, p := range parent {
		if p == j {
			return false
		}
	}
	return true
}

func TestMALTErrors(t *testing.T) {
	if _, _, err := MALTValues([]int{1, 0}, []float64{0, 0}, 0.5); err == nil {
		t.Fatal("cycle accepted")
	}
	if _, _, err := MALTValues([]int{-1, 5}, []float64{0, 0}, 0.5); err == nil {
		t.Fatal("bad parent accepted")
	}
	if _, err := MALTPairs([]int{-1}, nil, []bool{true}); err == nil {
		t.Fatal("role length mismatch accepted")
	}
}
