package process

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Properties of the formulas credo inferred where the papers are silent:
// VSRM's look-ahead (window, decay) and GroundedPRM's fusion rules.

// VSRM: a step whose accuracy changes keeps its own difference whatever the
// look-ahead; an idle step gets Decay^distance times the next change (same
// sign, never larger in magnitude for Decay in [0, 1], shrinking with the
// distance) or 0 beyond the window; Decay = 1 with an unbounded window
// gives every idle step the full next change; Decay = 0 gives r = d, which
// telescopes to acc_K − init.
func TestVSRMLookAheadProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for trial := 0; trial < 300; trial++ {
		K := 1 + rng.IntN(8)
		acc := make([]float64, K)
		for k := range acc {
			if k > 0 && rng.IntN(2) == 0 {
				acc[k] = acc[k-1] // idle step
			} else {
				acc[k] = float64(rng.IntN(5)) / 4
			}
		}
		init := float64(rng.IntN(5)) / 4
		d := make([]float64, K)
		for k := range acc {
			if k == 0 {
				d[k] = acc[0] - init
			} else {
				d[k] = acc[k] - acc[k-1]
			}
		}
		decay := rng.Float64()
		window := rng.IntN(4)
		r, err := VSRMStepRewards(acc, init, true, VSRMOptions{Window: window, Decay: decay})
		if err != nil {
			t.Fatal(err)
		}
		full, _ := VSRMStepRewards(acc, init, true, VSRMOptions{Decay: 1})
		none, _ := VSRMStepRewards(acc, init, true, VSRMOptions{Decay: 0})
		if math.Abs(sum(none)-(acc[K-1]-init)) > 1e-12 {
			t.Fatalf("decay 0 does not telescope: %v (acc %v init %v)", none, acc, init)
		}
		for k := 0; k < K; k++ {
			if d[k] != 0 {
				if r[k] != d[k] || full[k] != d[k] || none[k] != d[k] {
					t.Fatalf("changing step %d: %v / %v / %v, want d = %v", k, r[k], full[k], none[k], d[k])
				}
				continue
			}
			next := -1
			for j := k + 1; j < K; j++ {
				if d[j] != 0 {
					next = j
					break
				}
			}
			if none[k] != 0 {
				t.Fatalf("decay 0: idle step %d gets %v", k, none[k])
			}
			if next < 0 {
				if r[k] != 0 || full[k] != 0 {
					t.Fatalf("idle step %d with no later change gets %v / %v", k, r[k], full[k])
				}
				continue
			}
			if full[k] != d[next] {
				t.Fatalf("decay 1: idle step %d gets %v, want the next change %v", k, full[k], d[next])
			}
			want := 0.0
			if window == 0 || next-k <= window {
				want = math.Pow(decay, float64(next-k)) * d[next]
			}
			if math.Abs(r[k]-want) > 1e-15 || math.Abs(r[k]) > math.Abs(d[next]) || r[k]*d[next] < 0 {
				t.Fatalf("idle step %d: %v, want %v (next change %v at %d, window %d, decay %v)", k, r[k], want, d[next], next, window, decay)
			}
		}
	}
}

// GroundedPRM fusion, by hand:
//
//	weighted (w = 0.5, threshold 0.5): tool 1, mc 0.2 → s = 0.6 → 1;
//	    tool 0, mc 0.8 → 0.4 → 0; no tool, mc 0.5 → 0.5 → 1 (>=);
//	    soft: the scores 0.6, 0.4, 0.5; w = 0.25: tool 1, mc 0.2 →
//	    0.25 + 0.15 = 0.4 → 0.
//	and (MC threshold 0): tool 1, mc 0.2 → 1; tool 0, mc 0.8 → 0;
//	    tool 1, mc 0 → 0 (mc must be > 0); no tool, mc 0.1 → 1.
//	tool_first: tool 0, mc 0.9 → 0 (the tool decides); no tool, mc 0 → 0;
//	    no tool, mc 0.3 → 1.
func TestHybridLabelHand(t *testing.T) {
	type c struct {
		tool    float64
		hasTool bool
		mc      float64
		want    float64
	}
	check := func(name string, o HybridOptions, cs []c) {
		t.Helper()
		for _, x := range cs {
			got, err := HybridLabel(x.tool, x.hasTool, x.mc, o)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got-x.want) > 1e-12 {
				t.Fatalf("%s: tool %v (%v) mc %v → %v, want %v", name, x.tool, x.hasTool, x.mc, got, x.want)
			}
		}
	}
	o := DefaultHybridOptions()
	check("weighted", o, []c{{1, true, 0.2, 1}, {0, true, 0.8, 0}, {0, false, 0.5, 1}})
	o.Soft = true
	check("weighted soft", o, []c{{1, true, 0.2, 0.6}, {0, true, 0.8, 0.4}, {0, false, 0.5, 0.5}})
	o = DefaultHybridOptions()
	o.ToolWeight = 0.25
	check("weighted w=0.25", o, []c{{1, true, 0.2, 0}})
	o = DefaultHybridOptions()
	o.Mode = FuseAnd
	check("and", o, []c{{1, true, 0.2, 1}, {0, true, 0.8, 0}, {1, true, 0, 0}, {0, false, 0.1, 1}})
	o.Mode = FuseToolFirst
	check("tool_first", o, []c{{0, true, 0.9, 0}, {0, false, 0, 0}, {0, false, 0.3, 1}})
}

// GroundedPRM fusion, limits: without a tool verdict, and/tool_first are
// OmegaPRM's MC rule (mc > MCThreshold); weighted with w = 0 is the MC
// value against the threshold, with w = 1 the verdict; the soft weighted
// score lies between the verdict and the MC value; an AND label is never
// above the tool-first label or the MC-only label.
func TestHybridLabelLimits(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	b := func(x bool) float64 {
		if x {
			return 1
		}
		return 0
	}
	for trial := 0; trial < 500; trial++ {
		tool, mc := float64(rng.IntN(2)), float64(rng.IntN(5))/4
		hasTool := rng.IntN(2) == 0
		mcThr := float64(rng.IntN(3)) / 4
		lab := func(mode Fusion, w float64, soft bool) float64 {
			o := HybridOptions{Mode: mode, ToolWeight: w, Threshold: 0.5, MCThreshold: mcThr, Soft: soft}
			x, err := HybridLabel(tool, hasTool, mc, o)
			if err != nil {
				t.Fatal(err)
			}
			return x
		}
		mcOnly := b(mc > mcThr)
		and, first := lab(FuseAnd, 0.5, false), lab(FuseToolFirst, 0.5, false)
		if !hasTool && (and != mcOnly || first != mcOnly) {
			t.Fatalf("no tool: and %v, tool_first %v, want the MC rule %v", and, first, mcOnly)
		}
		if and > first || and > mcOnly {
			t.Fatalf("and %v above tool_first %v or MC %v", and, first, mcOnly)
		}
		if got := lab(FuseWeighted, 0, false); got != b(mc >= 0.5) {
			t.Fatalf("w = 0: %v, want the MC value against 0.5", got)
		}
		if hasTool {
			if got := lab(FuseWeighted, 1, false); got != b(tool >= 0.5) {
				t.Fatalf("w = 1: %v, want the verdict", got)
			}
		}
		s := lab(FuseWeighted, rng.Float64(), true)
		lo, hi := mc, mc
		if hasTool {
			lo, hi = math.Min(tool, mc), math.Max(tool, mc)
		}
		if s < lo-1e-15 || s > hi+1e-15 {
			t.Fatalf("soft score %v outside [%v, %v]", s, lo, hi)
		}
	}
}
