package token

import (
	"math"
	"slices"
	"testing"
)

func TestTagPlanning(t *testing.T) {
	// [1 2 3] occurs at 1..3 and 7..9, [2 9] at 5..6; the empty gram is ignored.
	tokens := []int64{5, 1, 2, 3, 1, 2, 9, 1, 2, 3}
	got := TagPlanning(tokens, [][]int64{{1, 2, 3}, {2, 9}, {}, {1, 2, 3}})
	want := []int8{0, 1, 1, 1, 0, 1, 1, 1, 1, 1}
	if !slices.Equal(got, want) {
		t.Fatalf("TagPlanning = %v, want %v", got, want)
	}
	// Overlapping occurrences of [1 1] cover all three tokens.
	if got := TagPlanning([]int64{1, 1, 1}, [][]int64{{1, 1}}); !slices.Equal(got, []int8{1, 1, 1}) {
		t.Fatalf("overlap: %v", got)
	}
	// A gram longer than the response, or none at all, tags nothing.
	if got := TagPlanning([]int64{1, 2}, [][]int64{{1, 2, 3}}); !slices.Equal(got, []int8{0, 0}) {
		t.Fatalf("long gram: %v", got)
	}
	if got := TagPlanning([]int64{1, 2}, nil); !slices.Equal(got, []int8{0, 0}) {
		t.Fatalf("no grams: %v", got)
	}
	// A shared first token: [4 5] and [4 6 7].
	if got := TagPlanning([]int64{4, 6, 7, 4, 5, 4}, [][]int64{{4, 5}, {4, 6, 7}}); !slices.Equal(got, []int8{1, 1, 1, 1, 1, 0}) {
		t.Fatalf("shared first token: %v", got)
	}
}

func TestPlanningTaggerReuse(t *testing.T) {
	p := NewPlanningTagger([][]int64{{3, 4}})
	dst := []int8{1, 1, 1, 1}
	p.TagInto(dst, []int64{0, 3, 4, 0})
	if !slices.Equal(dst, []int8{0, 1, 1, 0}) {
		t.Fatalf("TagInto = %v (stale tags must be cleared)", dst)
	}
}

func TestHICRAHand(t *testing.T) {
	// α = 0.2: planning A=1 → 1.2; planning A=−1 → −1 + 0.2·1 = −0.8;
	// plain 0.5 stays; planning −2 → −1.6.
	got, err := HICRA([][]float64{{1, -1, 0.5, -2}}, [][]int8{{1, 1, 0, 1}}, 0.2)
	if err != nil {
		t.Fatal(err)
	}
	assertRows(t, "hicra", got, [][]float64{{1.2, -0.8, 0.5, -1.6}})
}

func TestHICRAProperties(t *testing.T) {
	s := lcg(7)
	lens := []int{5, 0, 9, 3}
	adv := randRows(&s, lens, -2, 2)
	tags := make([][]int8, len(lens))
	for i, n := range lens {
		tags[i] = make([]int8, n)
		for k := range tags[i] {
			if s.float() < 0.4 {
				tags[i][k] = 1
			}
		}
	}
	// α = 0 is the identity on the base advantages.
	id, err := HICRA(adv, tags, 0)
	if err != nil {
		t.Fatal(err)
	}
	assertRows(t, "alpha=0", id, adv)
	// For 0 ≤ α ≤ 1 the sign is kept and only planning tokens change.
	before := make([][]float64, len(adv))
	for i := range adv {
		before[i] = slices.Clone(adv[i])
	}
	out, err := HICRA(adv, tags, 0.3)
	if err != nil {
		t.Fatal(err)
	}
	for i := range adv {
		for k, a := range adv[i] {
			o := out[i][k]
			if math.Signbit(o) != math.Signbit(a) {
				t.Fatalf("[%d][%d]: sign changed %v -> %v", i, k, a, o)
			}
			if tags[i][k] == 0 && o != a {
				t.Fatalf("[%d][%d]: non-planning token changed", i, k)
			}
			if tags[i][k] == 1 && !near(o, a+0.3*math.Abs(a), 1e-12) {
				t.Fatalf("[%d][%d]: %v, want %v", i, k, o, a+0.3*math.Abs(a))
			}
		}
	}
	assertRows(t, "input after HICRA", adv, before)
}

func TestHICRAErrors(t *testing.T) {
	if _, err := HICRA([][]float64{{1, 2}}, [][]int8{{1}}, 0.2); err == nil {
		t.Fatal("want a shape error")
	}
	if _, err := HICRA([][]float64{{1}}, [][]int8{{2}}, 0.2); err == nil {
		t.Fatal("want an error for tag 2")
	}
	if _, err := HICRA([][]float64{{math.NaN()}}, [][]int8{{1}}, 0.2); err == nil {
		t.Fatal("want an error for NaN")
	}
	if _, err := HICRA([][]float64{{1}}, [][]int8{{1}}, math.Inf(1)); err == nil {
		t.Fatal("want an error for alpha = Inf")
	}
}
