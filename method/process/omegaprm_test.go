package process

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

func TestFirstErrorHand(t *testing.T) {
	// 8 steps, the first wrong one is index 5: MC(k) > 0 for k <= 5.
	// lo,hi = 1,8: MC(4) > 0 -> lo 5; MC(6) = 0 -> hi 6; MC(5) > 0 -> lo 6.
	res, err := FirstError(8, func(k int) (float64, error) {
		if k <= 5 {
			return 0.5, nil
		}
		return 0, nil
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := FirstErrorResult{First: 5, Evaluated: []MCPoint{{4, 0.5}, {6, 0}, {5, 0.5}}}
	if !reflect.DeepEqual(res, want) {
		t.Fatalf("%+v, want %+v", res, want)
	}
	if f, _ := FirstErrorFromValues([]float64{0.5, 0.25, 0, 0}, 0); f != 2 {
		t.Errorf("from values: %d, want 2", f)
	}
	if f, _ := FirstErrorFromValues([]float64{0.5, 0.5}, 0); f != 2 {
		t.Errorf("correct solution: %d, want 2 (no error)", f)
	}
	if _, err := FirstError(0, nil, 0); err == nil {
		t.Error("empty solution accepted")
	}
}

// Property: on monotone MC values the binary search finds the linear scan's
// first error with at most ceil(log2 n) oracle calls.
func TestFirstErrorProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for trial := 0; trial < 300; trial++ {
		n := 1 + rng.IntN(40)
		first := rng.IntN(n)
		mc := make([]float64, n)
		for k := range mc {
			if k < first {
				mc[k] = 0.1 + rng.Float64()
			}
		}
		res, err := FirstError(n, func(k int) (float64, error) { return mc[k-1], nil }, 0)
		if err != nil {
			t.Fatal(err)
		}
		if res.First != first || res.First != LinearFirstError(mc, 0) {
			t.Fatalf("n %d: first %d, want %d", n, res.First, first)
		}
		if len(res.Evaluated) > int(math.Ceil(math.Log2(float64(n)))) {
			t.Fatalf("n %d: %d oracle calls", n, len(res.Evaluated))
		}
	}
}

func TestStepLabelsAndScores(t *testing.T) {
	l, ok, _ := StepLabels(4, 2, nil, false)
	if !reflect.DeepEqual(l, []float64{1, 1, 0, 0}) || !reflect.DeepEqual(ok, []bool{true, true, true, false}) {
		t.Fatalf("hard labels %v %v", l, ok)
	}
	l, _, _ = StepLabels(3, 3, []float64{0.9, 0.5, 0.25}, true)
	checkVec(t, "soft labels", l, []float64{0.9, 0.5, 0.25}, 0)
	// Q = 0.5^(1-0.5) · 0.9^(250/500) = sqrt(0.45).
	if q := RolloutQ(0.5, 250, DefaultOmegaOptions()); !near(q, math.Sqrt(0.45), 1e-12) {
		t.Errorf("Q = %v", q)
	}
	// 0.5 + 0.125·sqrt(16)/(1+3) = 0.625.
	if s := SelectionScore(0.5, 3, 16, DefaultOmegaOptions()); !near(s, 0.625, 1e-12) {
		t.Errorf("score = %v", s)
	}
}

func TestHybridLabel(t *testing.T) {
	o := DefaultHybridOptions()
	for _, c := range []struct {
		mode    Fusion
		tool    float64
		has     bool
		mc      float64
		soft    bool
		want    float64
		comment string
	}{
		{FuseWeighted, 1, true, 0.25, false, 1, "0.5 + 0.125 >= 0.5"},
		{FuseWeighted, 0, true, 0.75, false, 0, "0.375 < 0.5"},
		{FuseWeighted, 0, false, 0.4, false, 0, "MC alone 0.4 < 0.5"},
		{FuseWeighted, 1, true, 0.25, true, 0.625, "soft score"},
		{FuseAnd, 1, true, 0, false, 0, "tool ok, MC 0"},
		{FuseAnd, 1, true, 0.1, false, 1, "both ok"},
		{FuseAnd, 0, false, 0.1, false, 1, "no verdict, MC ok"},
		{FuseToolFirst, 0, true, 1, false, 0, "tool overrides"},
		{FuseToolFirst, 0, false, 0, false, 0, "MC fallback"},
	} {
		o.Mode, o.Soft = c.mode, c.soft
		got, err := HybridLabel(c.tool, c.has, c.mc, o)
		if err != nil || got != c.want {
			t.Errorf("%s (%s): %v %v, want %v", c.mode, c.comment, got, err, c.want)
		}
	}
	if _, err := HybridLabel(0, false, 0, HybridOptions{Mode: "or"}); err == nil {
		t.Error("unknown fusion accepted")
	}
}
