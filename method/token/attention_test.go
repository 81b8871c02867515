package token

import (
	"testing"
)

func TestWAADFAIHand(t *testing.T) {
	attn := [][]float64{{1}, {0.5, 0.5}, {0.2, 0.3, 0.5}}
	// window 1: WAAD0 = 0; WAAD1 = 0.5·1 + 0.5·0 = 0.5; WAAD2 = 0.2·1 + 0.3·1 + 0.5·0 = 0.5.
	w1, err := WAAD(attn, 1)
	if err != nil {
		t.Fatal(err)
	}
	assertRows(t, "waad w=1", [][]float64{w1}, [][]float64{{0, 0.5, 0.5}})
	// window 2: WAAD2 = 0.2·2 + 0.3·1 = 0.7.
	w2, _ := WAAD(attn, 2)
	assertRows(t, "waad w=2", [][]float64{w2}, [][]float64{{0, 0.5, 0.7}})
	// FAI0 = (0.5 + 0.2)/2 = 0.35; FAI1 = 0.3; FAI2 = 0 (no future token).
	f, err := FAI(attn)
	if err != nil {
		t.Fatal(err)
	}
	assertRows(t, "fai", [][]float64{f}, [][]float64{{0.35, 0.3, 0}})
	if _, err := WAAD([][]float64{{1}, {1}}, 1); err == nil {
		t.Fatal("want an error for a short attention row")
	}
}

func TestTopK(t *testing.T) {
	for _, c := range []struct {
		r    float64
		n, k int
	}{{0.1, 10, 1}, {0.1, 5, 1}, {0.2, 9, 2}, {0, 10, 0}, {1, 7, 7}, {0.3, 10, 3}} {
		if got := topK(c.r, c.n); got != c.k {
			t.Errorf("topK(%v, %d) = %d, want %d", c.r, c.n, got, c.k)
		}
	}
}

var (
	paWAAD = [][]float64{{0.1, 0.9, 0.2, 0.3, 0.8, 0.1, 0.1, 0.7, 0.1, 0.1}}
	paFAI  = [][]float64{{0.0, 0.1, 0.9, 0.0, 0.1, 0.8, 0.0, 0.0, 0.0, 0.0}}
)

func paWeights(t *testing.T, strategy, rule string, mask [][]float64) []float64 {
	t.Helper()
	o := DefaultPreplanAnchorOptions()
	o.Strategy, o.PreplanRule, o.Scale = strategy, rule, 2
	o.PreplanRatio, o.AnchorRatio = 0.2, 0.2
	w, err := PreplanAnchorWeights(paWAAD, paFAI, mask, o)
	if err != nil {
		t.Fatal(err)
	}
	return w[0]
}

func TestPreplanAnchorWeightsHand(t *testing.T) {
	// 10 tokens, ratio 0.2 → 2 tokens per set, scale 2.
	// preplan/top: WAAD 0.9 at 1, 0.8 at 4.
	assertRows(t, "preplan", [][]float64{paWeights(t, StrategyPreplan, PreplanTop, nil)},
		[][]float64{{1, 2, 1, 1, 2, 1, 1, 1, 1, 1}})
	// preplan/rise: rises [0.1 0.8 −0.7 0.1 0.5 −0.7 0 0.6 −0.6 0] → 1 and 7.
	assertRows(t, "rise", [][]float64{paWeights(t, StrategyPreplan, PreplanRise, nil)},
		[][]float64{{1, 2, 1, 1, 1, 1, 1, 2, 1, 1}})
	// anchor: FAI 0.9 at 2, 0.8 at 5.
	assertRows(t, "anchor", [][]float64{paWeights(t, StrategyAnchor, PreplanTop, nil)},
		[][]float64{{1, 1, 2, 1, 1, 2, 1, 1, 1, 1}})
	// coupled, window 1: anchor 2 → argmax WAAD of {1, 2} = 1; anchor 5 → of {4, 5} = 4.
	assertRows(t, "coupled", [][]float64{paWeights(t, StrategyCoupled, PreplanTop, nil)},
		[][]float64{{1, 2, 2, 1, 2, 2, 1, 1, 1, 1}})
	// Token 1 masked: 9 policy tokens, k = ceil(1.8) = 2. preplan: 4 (0.8), 7 (0.7);
	// coupled: anchor 2's window {1, 2} loses 1, so the anchor itself; anchor 5 → 4.
	mask := [][]float64{{1, 0, 1, 1, 1, 1, 1, 1, 1, 1}}
	assertRows(t, "preplan masked", [][]float64{paWeights(t, StrategyPreplan, PreplanTop, mask)},
		[][]float64{{1, 1, 1, 1, 2, 1, 1, 2, 1, 1}})
	assertRows(t, "coupled masked", [][]float64{paWeights(t, StrategyCoupled, PreplanTop, mask)},
		[][]float64{{1, 1, 2, 1, 2, 2, 1, 1, 1, 1}})
}

func TestPreplanAnchorScaleOneIsIdentity(t *testing.T) {
	s := lcg(3)
	lens := []int{6, 11, 1}
	waad, fai, adv := randRows(&s, lens, 0, 1), randRows(&s, lens, 0, 1), randRows(&s, lens, -1, 1)
	for _, st := range []string{StrategyPreplan, StrategyAnchor, StrategyCoupled} {
		o := DefaultPreplanAnchorOptions()
		o.Strategy, o.Scale, o.PreplanRatio, o.AnchorRatio = st, 1, 0.5, 0.5
		w, err := PreplanAnchorWeights(waad, fai, nil, o)
		if err != nil {
			t.Fatal(err)
		}
		out, err := ApplyWeights(adv, w)
		if err != nil {
			t.Fatal(err)
		}
		assertRows(t, st, out, adv)
	}
}

func TestPreplanAnchorErrors(t *testing.T) {
	o := DefaultPreplanAnchorOptions()
	if _, err := PreplanAnchorWeights(paWAAD, nil, nil, o); err == nil {
		t.Fatal("coupled without fai: want an error")
	}
	o.Strategy = StrategyAnchor
	if _, err := PreplanAnchorWeights(nil, paFAI, nil, o); err != nil {
		t.Fatalf("anchor needs no waad: %v", err)
	}
	o.PreplanRatio = 1.5
	if _, err := PreplanAnchorWeights(paWAAD, paFAI, nil, o); err == nil {
		t.Fatal("ratio 1.5: want an error")
	}
	o = DefaultPreplanAnchorOptions()
	if _, err := PreplanAnchorWeights(paWAAD, [][]float64{{1, 2}}, nil, o); err == nil {
		t.Fatal("fai of the wrong length: want an error")
	}
}
