package group

import (
	"math/rand/v2"
	"testing"
)

// Values by hand:
//
//	p = 0.5, n = 2: P(non-zero) = 1 - 0.25 - 0.25 = 0.5, InfoGain = 0.5·0.25 = 0.125, value 0.0625
//	p = 0.2, n = 3: P = 1 - 0.008 - 0.512 = 0.48, InfoGain = 0.2·0.64 = 0.128, value 0.06144
//	n = 1 or p ∈ {0, 1}: value 0
func TestKnapsackValueHand(t *testing.T) {
	for _, c := range []struct {
		n       int
		p, want float64
	}{{2, 0.5, 0.0625}, {3, 0.2, 0.06144}, {1, 0.5, 0}, {8, 0, 0}, {8, 1, 0}} {
		if got := KnapsackValue(c.n, c.p); !near(got, c.want, 1e-12) {
			t.Fatalf("value(%d, %v) = %v, want %v", c.n, c.p, got, c.want)
		}
	}
	r, err := ExpectedEffectiveRatio([]float64{0.5, 0.2}, []int{2, 3})
	if err != nil || !near(r, 0.49, 1e-12) {
		t.Fatalf("expected ratio = %v, %v; want (0.5 + 0.48)/2 = 0.49", r, err)
	}
	// Groups a = [1,0] (mixed), b = [1,1] (all equal), c = [0,0,1] (mixed): 2/3.
	o, err := ObservedEffectiveRatio([]float64{1, 0, 1, 1, 0, 0, 1}, []string{"a", "a", "b", "b", "c", "c", "c"})
	if err != nil || !near(o, 2.0/3, 1e-15) {
		t.Fatalf("observed ratio = %v, %v; want 2/3", o, err)
	}
}

// bruteForce enumerates every allocation.
func bruteForce(p []float64, budget, lo, hi int) float64 {
	best := -1.0
	n := make([]int, len(p))
	var rec func(i, left int, v float64)
	rec = func(i, left int, v float64) {
		if i == len(p) {
			if left == 0 && v > best {
				best = v
			}
			return
		}
		for k := lo; k <= hi && k <= left; k++ {
			n[i] = k
			rec(i+1, left-k, v+KnapsackValue(k, p[i]))
		}
	}
	rec(0, budget, 0)
	return best
}

// Properties on random instances: the allocation sums to the budget,
// respects the bounds, is optimal (brute force on small instances) and is
// at least as good as the uniform split on its objective.
func TestKnapsackProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for trial := 0; trial < 200; trial++ {
		P := 1 + rng.IntN(4)
		lo := rng.IntN(3)
		hi := lo + rng.IntN(5)
		budget := P*lo + rng.IntN(P*(hi-lo)+1)
		p := make([]float64, P)
		for i := range p {
			switch rng.IntN(5) {
			case 0:
				p[i] = 0
			case 1:
				p[i] = 1
			default:
				p[i] = rng.Float64()
			}
		}
		n, err := KnapsackAllocate(p, KnapsackOptions{Budget: budget, MinN: lo, MaxN: hi, Fallback: rng.IntN(2) == 0})
		if err != nil {
			t.Fatal(err)
		}
		sum := 0
		for _, k := range n {
			if k < lo || k > hi {
				t.Fatalf("allocation %v outside [%d, %d]", n, lo, hi)
			}
			sum += k
		}
		if sum != budget {
			t.Fatalf("allocation %v sums to %d, want %d", n, sum, budget)
		}
		got, _ := KnapsackObjective(p, n, nil)
		if want := bruteForce(p, budget, lo, hi); !near(got, want, 1e-12) {
			t.Fatalf("p %v budget %d [%d,%d]: objective %v, brute force %v", p, budget, lo, hi, got, want)
		}
		if u, err := UniformAllocation(P, budget, lo, hi); err == nil {
			uv, _ := KnapsackObjective(p, u, nil)
			if got < uv-1e-15 {
				t.Fatalf("knapsack %v (%v) worse than uniform %v (%v)", n, got, u, uv)
			}
		}
	}
}

// On a larger heterogeneous set the knapsack beats uniform on its objective
// and on the expected share of groups with a non-zero gradient.
func TestKnapsackBeatsUniform(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	p := make([]float64, 64)
	for i := range p {
		p[i] = rng.Float64() * rng.Float64() // many hard prompts
	}
	n, err := KnapsackAllocate(p, KnapsackOptions{Budget: 64 * 8, MinN: 2, MaxN: 64, Fallback: true})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := UniformAllocation(64, 64*8, 2, 64)
	kv, _ := KnapsackObjective(p, n, nil)
	uv, _ := KnapsackObjective(p, u, nil)
	if kv <= uv {
		t.Fatalf("objective: knapsack %v, uniform %v", kv, uv)
	}
	ke, _ := ExpectedEffectiveRatio(p, n)
	ue, _ := ExpectedEffectiveRatio(p, u)
	if ke < ue {
		t.Fatalf("expected effective ratio: knapsack %v, uniform %v", ke, ue)
	}
}

// Fallback: p = [1, 0, 0.5], bounds [2, 4], budget 10. The p = 0.5 prompt
// takes the maximum 4 (its value grows with n); the 2 spare rollouts go to
// the unsolved prompt (p = 0) with the fallback, and to the earlier prompt
// (the solved one) without it.
func TestKnapsackFallback(t *testing.T) {
	p := []float64{1, 0, 0.5}
	n, err := KnapsackAllocate(p, KnapsackOptions{Budget: 10, MinN: 2, MaxN: 4, Fallback: true})
	if err != nil {
		t.Fatal(err)
	}
	if n[0] != 2 || n[1] != 4 || n[2] != 4 {
		t.Fatalf("fallback allocation %v, want [2 4 4]", n)
	}
	n, _ = KnapsackAllocate(p, KnapsackOptions{Budget: 10, MinN: 2, MaxN: 4})
	if n[0] != 4 || n[1] != 2 || n[2] != 4 {
		t.Fatalf("allocation without fallback %v, want [4 2 4]", n)
	}
}

func TestKnapsackErrors(t *testing.T) {
	_, err := KnapsackAllocate([]float64{0.5, 0.5}, KnapsackOptions{Budget: 3, MinN: 2, MaxN: 4})
	assertErr(t, "budget below P·min", err)
	_, err = KnapsackAllocate([]float64{0.5, 0.5}, KnapsackOptions{Budget: 9, MinN: 2, MaxN: 4})
	assertErr(t, "budget above P·max", err)
	_, err = KnapsackAllocate([]float64{1.5}, KnapsackOptions{Budget: 2, MinN: 2, MaxN: 4})
	assertErr(t, "p out of range", err)
	_, err = KnapsackAllocate([]float64{nan()}, KnapsackOptions{Budget: 2, MinN: 2, MaxN: 4})
	assertErr(t, "p NaN", err)
	_, err = KnapsackAllocate([]float64{0.5}, KnapsackOptions{Budget: 2, MinN: 3, MaxN: 2})
	assertErr(t, "min > max", err)
	if n, err := KnapsackAllocate(nil, KnapsackOptions{}); err != nil || len(n) != 0 {
		t.Fatalf("no prompts: %v, %v", n, err)
	}
	_, err = UniformAllocation(3, 10, 4, 8)
	assertErr(t, "uniform outside bounds", err)
}

func TestSuccessRates(t *testing.T) {
	ids, rate, count, err := SuccessRates([]float64{1, 0, 0.7, 0.2}, []string{"b", "b", "a", "a"}, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	if ids[0] != "b" || ids[1] != "a" || count[0] != 2 || count[1] != 2 {
		t.Fatalf("ids %v counts %v", ids, count)
	}
	assertVec(t, "rates", rate, []float64{0.5, 0.5}, 0)
}
