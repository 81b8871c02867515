package process

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/credo-rl/credo/anchor/verl"
)

func TestMergeThoughts(t *testing.T) {
	got := MergeThoughts([]bool{true, true, false, false, true})
	want := []Thought{{0, 2, true}, {2, 4, false}, {4, 5, true}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%v, want %v", got, want)
	}
	if MergeThoughts(nil) != nil {
		t.Fatal("no steps, no thoughts")
	}
}

func TestTPGRPOHand(t *testing.T) {
	// Dr.GRPO, scores [1 0]: Â = [0.5, -0.5]; p = 0.5; alpha 0.5.
	// Row 0 (correct): steps of one token labelled c w c, token 3 outside
	// the steps: weights 1, 1 - 0.5·0.5 = 0.75, 1, 1.
	// Row 1 (wrong): steps [0,2) c, [2,3) w: weights 1 - 0.5·0.5 = 0.75, 1.
	opt := DefaultTPGRPOOptions()
	opt.GRPO.NormByStd = false
	adv, err := TPGRPO([]float64{1, 0},
		[][][2]int{{{0, 1}, {1, 2}, {2, 3}}, {{0, 2}, {2, 3}}},
		[][]bool{{true, false, true}, {true, false}},
		[][]float64{{1, 1, 1, 1}, {1, 1, 1}}, []string{"g", "g"}, opt)
	if err != nil {
		t.Fatal(err)
	}
	checkVec(t, "row 0", adv[0], []float64{0.5, 0.375, 0.5, 0.5}, 1e-12)
	checkVec(t, "row 1", adv[1], []float64{-0.375, -0.375, -0.5}, 1e-12)
}

// Properties: alpha = 0 is GRPO; the thought weight never flips the sign of
// the outcome advantage and never increases its magnitude.
func TestTPGRPOProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for trial := 0; trial < 100; trial++ {
		n := 2 + rng.IntN(6)
		scores := make([]float64, n)
		spans := make([][][2]int, n)
		labels := make([][]bool, n)
		mask := make([][]float64, n)
		rewards := make([][]float64, n)
		index := make([]string, n)
		for i := range scores {
			scores[i] = float64(rng.IntN(2))
			L := 0
			for k := 0; k < 1+rng.IntN(4); k++ {
				l := 1 + rng.IntN(3)
				spans[i] = append(spans[i], [2]int{L, L + l})
				labels[i] = append(labels[i], rng.IntN(2) == 0)
				L += l
			}
			mask[i] = make([]float64, L)
			rewards[i] = make([]float64, L)
			for u := range mask[i] {
				mask[i][u] = 1
			}
			rewards[i][L-1] = scores[i]
			index[i] = "g"
		}
		grpo, _, _ := verl.GRPO(rewards, mask, index, verl.DefaultGRPOOptions())
		opt := DefaultTPGRPOOptions()
		opt.Alpha = 0
		adv, err := TPGRPO(scores, spans, labels, mask, index, opt)
		if err != nil {
			t.Fatal(err)
		}
		for i := range adv {
			checkVec(t, "alpha 0", adv[i], grpo[i], 1e-12)
		}
		opt.Alpha = rng.Float64()
		adv, _ = TPGRPO(scores, spans, labels, mask, index, opt)
		for i := range adv {
			for u, a := range adv[i] {
				if a*grpo[i][u] < 0 || abs(a) > abs(grpo[i][u])+1e-12 {
					t.Fatalf("token %d of row %d: %v vs GRPO %v", u, i, a, grpo[i][u])
				}
			}
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
