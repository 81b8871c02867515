package spo

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestChainTokenAdvantagesHand(t *testing.T) {
	// L=6, query-state cutpoint -1 (V=0.5), cutpoints 1 (V=0.75) and 3
	// (V=0.25), score 1 on the last token.
	//   valued: A1 = 0.75-0.5 = 0.25, A3 = 0.25-0.75 = -0.5, A5 = 1-0.25 = 0.75
	//   back-fill: A0 = A1, A2 = A3, A4 = A5
	//   mask p > 0.9: tokens 1 (0.95) and 4 (0.99) -> 0
	prob := []float64{0.5, 0.95, 0.3, 0.8, 0.99, 0.2}
	res, err := ChainTokenAdvantages(prob, []int{-1, 1, 3}, []float64{0.5, 0.75, 0.25}, 1, DefaultChainOptions())
	if err != nil {
		t.Fatal(err)
	}
	wantA := []float64{0.25, 0, -0.5, -0.5, 0, 0.75}
	wantV := []float64{0, 0.75, 0, 0.25, 0, 1}
	wantHas := []bool{false, true, false, true, false, true}
	if !slices.Equal(res.Advantages, wantA) || !slices.Equal(res.Values, wantV) || !slices.Equal(res.HasValue, wantHas) {
		t.Fatalf("got %+v, want A=%v V=%v has=%v", res, wantA, wantV, wantHas)
	}
}

func TestChainTokenAdvantagesNoQueryState(t *testing.T) {
	// Without -1 the first valued token (2) gets A=0; token 3 gets 0-0.5.
	prob := []float64{0.5, 0.5, 0.5, 0.5}
	res, err := ChainTokenAdvantages(prob, []int{2}, []float64{0.5}, 0, DefaultChainOptions())
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{0, 0, 0, -0.5}; !slices.Equal(res.Advantages, want) {
		t.Fatalf("advantages %v, want %v", res.Advantages, want)
	}
}

func TestChainTokenAdvantagesNoCutpoints(t *testing.T) {
	res, err := ChainTokenAdvantages([]float64{0.1, 0.2, 0.95}, nil, nil, 0.75, DefaultChainOptions())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Values, []float64{0.75, 0.75, 0.75}) || !slices.Equal(res.Advantages, []float64{0, 0, 0}) {
		t.Fatalf("got %+v", res)
	}
	for _, h := range res.HasValue {
		if !h {
			t.Fatal("every token has the score as value")
		}
	}
}

func TestChainTokenAdvantagesCutpointOverridesScore(t *testing.T) {
	// The cutpoint at L-1 overwrites the score: A2 = 0.75-0.25, back-filled.
	res, err := ChainTokenAdvantages([]float64{0.5, 0.5, 0.5}, []int{-1, 2}, []float64{0.25, 0.75}, 1, DefaultChainOptions())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Advantages, []float64{0.5, 0.5, 0.5}) || res.Values[2] != 0.75 {
		t.Fatalf("got %+v", res)
	}
}

func TestChainTokenAdvantagesNegativeIndex(t *testing.T) {
	// A non-leading -2 in a response of 4 tokens is token 2 (Python indexing):
	// V0=0.5 (A0=0), V2=0.25 (A2=-0.25), V3=1 (A3=0.75), A1=A2.
	res, err := ChainTokenAdvantages([]float64{0.5, 0.5, 0.5, 0.5}, []int{0, -2}, []float64{0.5, 0.25}, 1, DefaultChainOptions())
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{0, -0.25, -0.25, 0.75}; !slices.Equal(res.Advantages, want) {
		t.Fatalf("advantages %v, want %v", res.Advantages, want)
	}
}

func TestChainTokenAdvantagesStrictMask(t *testing.T) {
	// p == 0.9 exactly is not masked (strict >).
	res, err := ChainTokenAdvantages([]float64{0.9, 0.9000001}, []int{-1}, []float64{0.5}, 1, DefaultChainOptions())
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{0.5, 0}; !slices.Equal(res.Advantages, want) {
		t.Fatalf("advantages %v, want %v", res.Advantages, want)
	}
	// ProbThreshold >= 1 disables the mask.
	res, err = ChainTokenAdvantages([]float64{0.9, 0.99}, []int{-1}, []float64{0.5}, 1, ChainOptions{ProbThreshold: 1})
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{0.5, 0.5}; !slices.Equal(res.Advantages, want) {
		t.Fatalf("advantages %v, want %v", res.Advantages, want)
	}
}

func TestChainTokenAdvantagesErrors(t *testing.T) {
	opts := DefaultChainOptions()
	cases := []struct {
		name  string
		prob  []float64
		cuts  []int
		vals  []float64
		score float64
	}{
		{"empty", nil, nil, nil, 1},
		{"cut past end", []float64{0.5, 0.5}, []int{2}, []float64{1}, 1},
		{"cut before start", []float64{0.5, 0.5}, []int{0, -3}, []float64{1, 1}, 1},
		{"length mismatch", []float64{0.5, 0.5}, []int{0, 1}, []float64{1}, 1},
		{"nan prob", []float64{math.NaN()}, nil, nil, 1},
		{"inf value", []float64{0.5}, []int{-1}, []float64{math.Inf(1)}, 1},
		{"nan score", []float64{0.5}, nil, nil, math.NaN()},
	}
	for _, c := range cases {
		if _, err := ChainTokenAdvantages(c.prob, c.cuts, c.vals, c.score, opts); err == nil {
			t.Errorf("%s: want an error", c.name)
		}
	}
}

// With the query-state value as base and no mask, the advantages at the
// valued tokens telescope: their sum is score - V(-1).
func TestChainTokenAdvantagesTelescopes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 200; trial++ {
		L := 1 + rng.IntN(40)
		prob := make([]float64, L)
		for i := range prob {
			prob[i] = rng.Float64()
		}
		cuts := []int{-1}
		vals := []float64{rng.Float64()}
		for c := 0; c < L; c++ {
			if rng.IntN(4) == 0 {
				cuts = append(cuts, c)
				vals = append(vals, rng.Float64())
			}
		}
		score := float64(rng.IntN(2))
		origProb := slices.Clone(prob)
		res, err := ChainTokenAdvantages(prob, cuts, vals, score, ChainOptions{ProbThreshold: 2})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(prob, origProb) {
			t.Fatal("input modified")
		}
		sum := 0.0
		for i, a := range res.Advantages {
			if res.HasValue[i] {
				sum += a
			}
		}
		want := res.Values[L-1] - vals[0]
		if math.Abs(sum-want) > 1e-12 {
			t.Fatalf("trial %d: sum of valued advantages %v, want %v", trial, sum, want)
		}
		// Every unvalued token carries the advantage of the next valued one.
		for i := L - 2; i >= 0; i-- {
			if !res.HasValue[i] && res.Advantages[i] != res.Advantages[i+1] {
				t.Fatalf("trial %d: token %d not back-filled", trial, i)
			}
		}
	}
}
