package token

import (
	"slices"
	"testing"

	"github.com/credo-rl/credo/anchor/openrlhf"
)

func TestFixedNGramMacros(t *testing.T) {
	got, err := FixedNGramMacros(nil, 2, 5)
	if err != nil {
		t.Fatal(err)
	}
	if want := []Span{{Start: 0, End: 2}, {Start: 2, End: 4}, {Start: 4, End: 5}}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	// Masked tokens do not count: t0 (1), t1 masked, t2 (2) closes [0,3);
	// t3, t4 close [3,5); trailing padding forms [5,6).
	got, _ = FixedNGramMacros([]float64{1, 0, 1, 1, 1, 0}, 2, 6)
	if want := []Span{{Start: 0, End: 3}, {Start: 3, End: 5}, {Start: 5, End: 6}}; !slices.Equal(got, want) {
		t.Fatalf("masked: got %v, want %v", got, want)
	}
	if _, err := FixedNGramMacros(nil, 0, 3); err == nil {
		t.Fatal("ngram 0: want an error")
	}
}

func TestPerplexityMacros(t *testing.T) {
	// ppl = exp(−logp) = [e^1, e^2, e^0.5, e^3, e^4]; it rises after positions 0, 2 and 3,
	// so (as the reference's ppl_selection) macros start at 0, 2 and 3.
	lp := []float64{-1, -2, -0.5, -3, -4}
	got, err := PerplexityMacros(lp, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := []Span{{Start: 0, End: 2}, {Start: 2, End: 3}, {Start: 3, End: 5}}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	// split after: macros end at 0, 2 and 3 instead.
	got, _ = PerplexityMacros(lp, nil, true)
	if want := []Span{{Start: 0, End: 1}, {Start: 1, End: 3}, {Start: 3, End: 4}, {Start: 4, End: 5}}; !slices.Equal(got, want) {
		t.Fatalf("split after: got %v, want %v", got, want)
	}
	// Masked position 1 is skipped: the comparisons are 0→2 (no rise), 2→3, 3→4.
	got, _ = PerplexityMacros(lp, []float64{1, 0, 1, 1, 1}, false)
	if want := []Span{{Start: 0, End: 2}, {Start: 2, End: 3}, {Start: 3, End: 5}}; !slices.Equal(got, want) {
		t.Fatalf("masked: got %v, want %v", got, want)
	}
}

func TestSpanMacrosAndIsolateLast(t *testing.T) {
	got, err := SpanMacros([]Span{{Start: 5, End: 6}, {Start: 2, End: 4}, {Start: 3, End: 3}}, 8)
	if err != nil {
		t.Fatal(err)
	}
	if want := []Span{{Start: 0, End: 2}, {Start: 2, End: 4}, {Start: 4, End: 5}, {Start: 5, End: 6}, {Start: 6, End: 8}}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if _, err := SpanMacros([]Span{{Start: 0, End: 3}, {Start: 2, End: 4}}, 5); err == nil {
		t.Fatal("overlap: want an error")
	}
	if got := IsolateLast([]Span{{Start: 0, End: 3}, {Start: 3, End: 5}}, nil, 5); !slices.Equal(got, []Span{{Start: 0, End: 3}, {Start: 3, End: 4}, {Start: 4, End: 5}}) {
		t.Fatalf("IsolateLast = %v", got)
	}
	// The last policy token is 3 (4 is padding).
	if got := IsolateLast([]Span{{Start: 0, End: 5}}, []float64{1, 1, 1, 1, 0}, 5); !slices.Equal(got, []Span{{Start: 0, End: 3}, {Start: 3, End: 4}, {Start: 4, End: 5}}) {
		t.Fatalf("IsolateLast masked = %v", got)
	}
}

func TestMacroGAEHand(t *testing.T) {
	r := [][]float64{{0, 0, 0, 1}}
	v := [][]float64{{0.5, 0.7, 0.2, 0.4}}
	macros := [][]Span{{{Start: 0, End: 2}, {Start: 2, End: 4}}}
	o := MacroGAEOptions{Gamma: 1, Lambda: 0.5, ValueAgg: AggEqual, RewardAgg: AggSum}
	// V0 = 0.6, V1 = 0.3, r0 = 0, r1 = 1.
	// A1 = 1 + 0 − 0.3 = 0.7, R1 = 1.0; A0 = 0 + 0.3 − 0.6 + 0.5·0.7 = 0.05, R0 = 0.65.
	adv, ret, err := MacroGAE(r, v, nil, macros, o)
	if err != nil {
		t.Fatal(err)
	}
	assertRows(t, "adv", adv, [][]float64{{0.05, 0.05, 0.7, 0.7}})
	assertRows(t, "ret", ret, [][]float64{{0.65, 0.65, 1, 1}})
	// unit: V0 = 0.7, V1 = 0.4; A1 = 0.6, A0 = 0.4 − 0.7 + 0.3 = 0; R0 = 0.7, R1 = 1.
	o.ValueAgg = AggUnit
	adv, ret, _ = MacroGAE(r, v, nil, macros, o)
	assertRows(t, "adv unit", adv, [][]float64{{0, 0, 0.6, 0.6}})
	assertRows(t, "ret unit", ret, [][]float64{{0.7, 0.7, 1, 1}})
	// position: V0 = (0.5 + 0.7/2)/1.5 = 0.85/1.5, V1 = (0.2 + 0.4/2)/1.5 = 0.4/1.5.
	// reward equal: r1 = 0.5. A1 = 0.5 − 0.4/1.5; A0 = 0.4/1.5 − 0.85/1.5 + 0.5·A1.
	o.ValueAgg, o.RewardAgg = AggPosition, AggEqual
	adv, _, _ = MacroGAE(r, v, nil, macros, o)
	a1 := 0.5 - 0.4/1.5
	a0 := 0.4/1.5 - 0.85/1.5 + 0.5*a1
	assertRows(t, "adv position", adv, [][]float64{{a0, a0, a1, a1}})
}

func TestMacroGAESkipsMaskedMacro(t *testing.T) {
	// The middle macro has no policy token: it is skipped, so the first macro
	// bootstraps from the last. V0 = 1, V2 = 2, r2 = 1, γ = λ = 1:
	// A2 = 1 − 2 = −1; A0 = 0 + 2 − 1 + (−1) = 0.
	adv, ret, err := MacroGAE([][]float64{{0, 0, 5, 5, 1}}, [][]float64{{1, 1, 9, 9, 2}}, [][]float64{{1, 1, 0, 0, 1}},
		[][]Span{{{Start: 0, End: 2}, {Start: 2, End: 4}, {Start: 4, End: 5}}}, MacroGAEOptions{Gamma: 1, Lambda: 1, ValueAgg: AggEqual, RewardAgg: AggSum})
	if err != nil {
		t.Fatal(err)
	}
	assertRows(t, "adv", adv, [][]float64{{0, 0, 0, 0, -1}})
	assertRows(t, "ret", ret, [][]float64{{1, 1, 0, 0, 1}})
}

// One-token macros reproduce token-level GAE (OpenRLHF's, on unmasked data).
func TestMacroGAEOneTokenEqualsTokenGAE(t *testing.T) {
	s := lcg(11)
	lens := []int{7, 1, 12, 4}
	r, v := randRows(&s, lens, -1, 1), randRows(&s, lens, -1, 1)
	ones := make([][]float64, len(lens))
	macros := make([][]Span, len(lens))
	for i, n := range lens {
		ones[i] = make([]float64, n)
		for k := range ones[i] {
			ones[i][k] = 1
		}
		var err error
		if macros[i], err = FixedNGramMacros(nil, 1, n); err != nil {
			t.Fatal(err)
		}
	}
	for _, agg := range []string{AggEqual, AggUnit, AggPosition} {
		adv, ret, err := MacroGAE(r, v, nil, macros, MacroGAEOptions{Gamma: 0.9, Lambda: 0.8, ValueAgg: agg, RewardAgg: AggSum})
		if err != nil {
			t.Fatal(err)
		}
		wa, wr, err := openrlhf.GAE(v, r, ones, 0.9, 0.8)
		if err != nil {
			t.Fatal(err)
		}
		assertRows(t, "adv "+agg, adv, wa)
		assertRows(t, "ret "+agg, ret, wr)
	}
}

func TestMacroGAEErrors(t *testing.T) {
	o := DefaultMacroGAEOptions()
	r := [][]float64{{0, 1}}
	if _, _, err := MacroGAE(r, [][]float64{{0}}, nil, [][]Span{{{Start: 0, End: 2}}}, o); err == nil {
		t.Fatal("values too short: want an error")
	}
	if _, _, err := MacroGAE(r, r, nil, [][]Span{{{Start: 0, End: 1}}}, o); err == nil {
		t.Fatal("macros not covering the row: want an error")
	}
	o.ValueAgg = AggSum
	if _, _, err := MacroGAE(r, r, nil, [][]Span{{{Start: 0, End: 2}}}, o); err == nil {
		t.Fatal("sum is not a value rule: want an error")
	}
}
