package tree

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/credo-rl/credo/anchor/verl"
)

// The hand example of tempo_test: one group of four responses.
//
//	a = [1 2 3] r=1, b = [1 2 4] r=0, c = [5 6] r=1, d = [1 7] r=0
//
// Dr.GRPO: mean 0.5, Â = [0.5, -0.5, 0.5, -0.5]. Trie: root -> X "1"
// {a b d} -> Y "2" {a b} -> "3" {a}, "4" {b}; X -> "7" {d}; root -> "5 6" {c}.
// V (mean Â): root 0, X -1/6, Y 0, a 0.5, b -0.5, "7" -0.5, c 0.5.
var (
	handTokens = [][]int64{{1, 2, 3}, {1, 2, 4}, {5, 6}, {1, 7}}
	handScores = []float64{1, 0, 1, 0}
	handIndex  = []string{"g", "g", "g", "g"}
	// A = Â + TD at node starts:
	// a: 0.5 + (-1/6 - 0), 0.5 + (0 + 1/6), 0.5 + (0.5 - 0)
	// b: -0.5 - 1/6, -0.5 + 1/6, -0.5 + (-0.5 - 0)
	// c: 0.5 + (0.5 - 0), 0.5
	// d: -0.5 - 1/6, -0.5 + (-0.5 + 1/6)
	handDrWant = [][]float64{{1.0 / 3, 2.0 / 3, 1}, {-2.0 / 3, -1.0 / 3, -1}, {1, 0.5}, {-2.0 / 3, -5.0 / 6}}
)

func TestTEMPOHandDrGRPO(t *testing.T) {
	opt := DefaultTEMPOOptions()
	opt.GRPO.NormByStd = false
	adv, err := TEMPO(handTokens, lastReward(handTokens, handScores), ones(handTokens), handIndex, opt)
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, "tempo", adv, handDrWant)
	// Raw values give the same TD differences when the group mean cancels.
	opt.RawValues = true
	adv, err = TEMPO(handTokens, lastReward(handTokens, handScores), ones(handTokens), handIndex, opt)
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, "tempo raw", adv, handDrWant)
}

func TestTEMPOHandStd(t *testing.T) {
	// Unbiased std of [1 0 1 0] = sqrt(1/3); V is over Â, so every entry is
	// the Dr.GRPO one divided by (std + 1e-6).
	adv, err := TEMPO(handTokens, lastReward(handTokens, handScores), ones(handTokens), handIndex, DefaultTEMPOOptions())
	if err != nil {
		t.Fatal(err)
	}
	s := math.Sqrt(1.0/3) + 1e-6
	want := make([][]float64, len(handDrWant))
	for i, r := range handDrWant {
		for _, x := range r {
			want[i] = append(want[i], x/s)
		}
	}
	checkRows(t, "tempo std", adv, want)
	// TDCoef 0 is GRPO.
	opt := DefaultTEMPOOptions()
	opt.TDCoef = 0
	adv, _ = TEMPO(handTokens, lastReward(handTokens, handScores), ones(handTokens), handIndex, opt)
	g, _, _ := verl.GRPO(lastReward(handTokens, handScores), ones(handTokens), handIndex, verl.DefaultGRPOOptions())
	checkRows(t, "tempo td_coef=0", adv, g)
}

// Property (spec): at non-branching tokens TEMPO is GRPO, and on a trie
// with no branching (all responses of a group identical) it equals verl's
// GRPO everywhere, in both the std and the Dr.GRPO form. Along a response,
// the TD terms sum to V(leaf) - V(root).
func TestTEMPOProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 300; trial++ {
		var tokens [][]int64
		var index []string
		identical := trial%3 == 0
		nG := 1 + rng.IntN(3)
		for g := 0; g < nG; g++ {
			n := 1 + rng.IntN(6)
			shared := randSeq(rng, 1+rng.IntN(5))
			for k := 0; k < n; k++ {
				s := shared
				if !identical {
					s = randSeq(rng, rng.IntN(6))
				}
				tokens = append(tokens, s)
				index = append(index, string(rune('a'+g)))
			}
		}
		scores := make([]float64, len(tokens))
		for i := range scores {
			scores[i] = float64(rng.IntN(3)) / 2
		}
		r := lastReward(tokens, scores)
		rs := make([]float64, len(r)) // verl's scores: row sums
		for i, row := range r {
			for _, x := range row {
				rs[i] += x
			}
		}
		for _, std := range []bool{true, false} {
			opt := DefaultTEMPOOptions()
			opt.GRPO.NormByStd = std
			adv, err := TEMPO(tokens, r, ones(tokens), index, opt)
			if err != nil {
				t.Fatal(err)
			}
			grpo, _, err := verl.GRPO(r, ones(tokens), index, opt.GRPO)
			if err != nil {
				t.Fatal(err)
			}
			if identical {
				checkRows(t, "tempo without branching", adv, grpo)
				continue
			}
			// The TD terms of a response sum to V(s_L) - V(root): the mean Â
			// of the responses extending it minus the group's mean Â.
			for i := range tokens {
				sum, vl, nl, v0, n0 := 0.0, 0.0, 0, 0.0, 0
				ai := scoreAdv(rs, index, i, opt.GRPO)
				for j := range tokens[i] {
					sum += adv[i][j] - ai
				}
				for k := range tokens {
					if index[k] != index[i] {
						continue
					}
					a := scoreAdv(rs, index, k, opt.GRPO)
					v0 += a
					n0++
					if len(tokens[k]) >= len(tokens[i]) && slices.Equal(tokens[k][:len(tokens[i])], tokens[i]) {
						vl += a
						nl++
					}
				}
				if len(tokens[i]) > 0 && !near(sum, vl/float64(nl)-v0/float64(n0)) {
					t.Fatalf("trial %d: TD terms of %v sum to %v, want %v", trial, tokens[i], sum, vl/float64(nl)-v0/float64(n0))
				}
			}
			// Tokens that do not start a trie node hold GRPO.
			starts := nodeStarts(tokens, index)
			for i := range tokens {
				for j := range tokens[i] {
					if !starts[i][j] && !near(adv[i][j], grpo[i][j]) {
						t.Fatalf("trial %d: token %d of %v is not a node start but A=%v, GRPO %v", trial, j, tokens[i], adv[i][j], grpo[i][j])
					}
				}
			}
		}
	}
}

// scoreAdv is GRPO's scalar advantage of row k.
func scoreAdv(scores []float64, index []string, k int, opt verl.GRPOOptions) float64 {
	g := make([]int, len(index))
	ids := map[string]int{}
	for i, id := range index {
		if _, ok := ids[id]; !ok {
			ids[id] = len(ids)
		}
		g[i] = ids[id]
	}
	a, _ := verl.GRPOScalar(scores, g, len(ids), opt)
	return a[k]
}

func randSeq(rng *rand.Rand, n int) []int64 {
	s := make([]int64, n)
	for i := range s {
		s[i] = int64(rng.IntN(3))
	}
	return s
}

// nodeStarts marks the tokens at which a response's prefix set changes: j
// is a start iff the responses of its group sharing its first j tokens
// differ from those sharing its first j+1 (computed by brute force).
func nodeStarts(tokens [][]int64, index []string) [][]bool {
	out := make([][]bool, len(tokens))
	share := func(i, k, l int) bool {
		if len(tokens[k]) < l || len(tokens[i]) < l {
			return false
		}
		for u := 0; u < l; u++ {
			if tokens[i][u] != tokens[k][u] {
				return false
			}
		}
		return true
	}
	for i := range tokens {
		out[i] = make([]bool, len(tokens[i]))
		for j := range tokens[i] {
			for k := range tokens {
				if index[k] == index[i] && share(i, k, j) != share(i, k, j+1) {
					out[i][j] = true
				}
			}
		}
	}
	return out
}

func TestTEMPOErrors(t *testing.T) {
	tok := [][]int64{{1, 2}}
	if _, err := TEMPO(tok, [][]float64{{1}}, [][]float64{{1, 1}}, []string{"g"}, DefaultTEMPOOptions()); err == nil {
		t.Error("short reward row accepted")
	}
	if _, err := TEMPO(tok, [][]float64{{1, math.NaN()}}, [][]float64{{1, 1}}, []string{"g"}, DefaultTEMPOOptions()); err == nil {
		t.Error("NaN reward accepted")
	}
	if _, err := TEMPO(tok, [][]float64{{1, 1}}, [][]float64{{1}}, []string{"g"}, DefaultTEMPOOptions()); err == nil {
		t.Error("short mask row accepted")
	}
	if _, err := TEMPO(tok, [][]float64{{1, 1}}, [][]float64{{1, 1}}, nil, DefaultTEMPOOptions()); err == nil {
		t.Error("missing index accepted")
	}
}
