package token

import (
	"testing"
)

// Properties of the preplan/anchor coupling rule (credo's reading of
// arXiv:2510.13554): every weight is 1 or Scale and masked tokens keep 1;
// the coupled set contains the anchor set; with Window 0 the coupling
// partner of an anchor is the anchor itself, so coupled = anchor; a larger
// window never removes an anchor.
func TestPreplanAnchorCouplingProperties(t *testing.T) {
	s := lcg(17)
	for trial := 0; trial < 100; trial++ {
		lens := []int{1 + int(s.float()*9), 1 + int(s.float()*9), 1 + int(s.float()*9)}
		waad, fai := randRows(&s, lens, 0, 1), randRows(&s, lens, 0, 1)
		mask := randRows(&s, lens, 0, 1)
		for i := range mask {
			for t := range mask[i] {
				if mask[i][t] < 0.2 {
					mask[i][t] = 0
				} else {
					mask[i][t] = 1
				}
			}
		}
		o := DefaultPreplanAnchorOptions()
		o.Scale, o.AnchorRatio = 3, 0.3
		weights := func(strategy string, window int) [][]float64 {
			o.Strategy, o.Window = strategy, window
			w, err := PreplanAnchorWeights(waad, fai, mask, o)
			if err != nil {
				t.Fatal(err)
			}
			return w
		}
		anchor := weights(StrategyAnchor, 1)
		assertRows(t, "window 0", weights(StrategyCoupled, 0), anchor)
		for _, window := range []int{1, 2, 5} {
			c := weights(StrategyCoupled, window)
			for i := range c {
				for u, x := range c[i] {
					if x != 1 && x != 3 {
						t.Fatalf("weight %v, want 1 or the scale 3", x)
					}
					if mask[i][u] == 0 && x != 1 {
						t.Fatalf("masked token %d of row %d selected", u, i)
					}
					if anchor[i][u] == 3 && x != 3 {
						t.Fatalf("window %d drops anchor token %d of row %d", window, u, i)
					}
				}
			}
		}
	}
}
