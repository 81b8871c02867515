package truth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/credo-rl/credo/lab/env"
)

var mcVariants = append(env.Names(),
	"kuhn?rounds=3", "sokoban6?boxes=2", "umbrella?noise=0", "discounting?noise=1",
	"memory?bits=2&noise=1", "kbhop?searches=2", "countdown?numbers=3")

// TestMonteCarlo checks the DP against Monte Carlo on every environment
// under a fixed random policy: V at the start distribution (every role), V,
// Q and A at a start state, V and the visit probability of a state at t = 1.
// Each environment's checks hold within simultaneous 99% confidence
// intervals (Bonferroni over its checks).
func TestMonteCarlo(t *testing.T) {
	for vi, name := range mcVariants {
		t.Run(name, func(t *testing.T) {
			e, err := env.New(name, 3)
			if err != nil {
				t.Fatal(err)
			}
			pi := hashedPolicy(e, uint64(vi), 1.5)
			starts := startsOf(e, uint64(vi))
			sol, err := Solve(e, pi, starts)
			if err != nil {
				t.Fatal(err)
			}
			checkMass(t, e, sol)
			rng := rand.New(rand.NewPCG(uint64(vi), 99))
			n := 1000
			if e.Horizon() > 50 {
				n = 400
			}
			type check struct {
				what    string
				est, se float64
				exact   float64
			}
			var checks []check
			roles := e.Roles()
			// V from the start distribution.
			rets := make([][]float64, roles)
			cum := make([]float64, len(starts))
			acc := 0.0
			for i, w := range starts {
				acc += w.P
				cum[i] = acc
			}
			for i := 0; i < n; i++ {
				u, k := rng.Float64()*acc, 0
				for k < len(cum)-1 && u >= cum[k] {
					k++
				}
				r := rollout(e, pi, starts[k].S, 0, -1, 1, rng)
				for j := range rets {
					rets[j] = append(rets[j], r[j])
				}
			}
			for j := 0; j < roles; j++ {
				m, se := meanSE(rets[j])
				checks = append(checks, check{fmt.Sprintf("Value(%d)", j), m, se, sol.Value(j)})
			}
			// V, Q, A at the first start state, for the acting role; the
			// forced action is the legal action with the largest |A|.
			s0 := starts[0].S
			role := e.Role(s0)
			a0, best := -1, -1.0
			for _, a := range env.LegalActions(e, s0) {
				if x := math.Abs(sol.A(role, s0, 0, a)); x > best {
					a0, best = a, x
				}
			}
			var vs, qs []float64
			for i := 0; i < n/2; i++ {
				vs = append(vs, rollout(e, pi, s0, 0, -1, 1, rng)[role])
				qs = append(qs, rollout(e, pi, s0, 0, a0, 1, rng)[role])
			}
			mv, sev := meanSE(vs)
			mq, seq := meanSE(qs)
			checks = append(checks,
				check{"V(s0)", mv, sev, sol.V(role, s0, 0)},
				check{fmt.Sprintf("Q(s0,%d)", a0), mq, seq, sol.Q(role, s0, 0, a0)},
				check{fmt.Sprintf("A(s0,%d)", a0), mq - mv, math.Hypot(sev, seq), sol.A(role, s0, 0, a0)})
			// A state at t = 1 (when the episode can last): its visit
			// probability from s0 and its value.
			if e.Horizon() > 1 {
				var s1 env.State
				for try := 0; try < 100 && s1 == nil; try++ {
					tr := env.SampleStep(e, s0, 0, sampleAction(pi(s0, 0), rng), rng)
					if !tr.Done {
						s1 = tr.Next
					}
				}
				if s1 != nil {
					// d_1(s1) given the start s0 = d_1(s1) / P(s0) only when
					// s1 is reached from s0 alone; estimate the unconditional
					// d_1 by sampling from the start distribution.
					hits := make([]float64, n)
					for i := range hits {
						u, k := rng.Float64()*acc, 0
						for k < len(cum)-1 && u >= cum[k] {
							k++
						}
						s := starts[k].S
						tr := env.SampleStep(e, s, 0, sampleAction(pi(s, 0), rng), rng)
						if !tr.Done && tr.Next.Key() == s1.Key() {
							hits[i] = 1
						}
					}
					m, se := meanSE(hits)
					checks = append(checks, check{"Visits(s1,1)", m, se, sol.Visits(s1, 1)})
					r1 := e.Role(s1)
					var v1 []float64
					for i := 0; i < n/2; i++ {
						v1 = append(v1, rollout(e, pi, s1, 1, -1, 1, rng)[r1])
					}
					m, se = meanSE(v1)
					checks = append(checks, check{"V(s1,1)", m, se, sol.V(r1, s1, 1)})
				}
			}
			z := zFamily(len(checks))
			for _, c := range checks {
				if math.IsNaN(c.exact) || math.Abs(c.est-c.exact) > z*c.se+1e-9 {
					t.Errorf("%s: Monte Carlo %.5f ± %.5f (z=%.2f), exact %.5f", c.what, c.est, c.se, z, c.exact)
				}
			}
		})
	}
}

// checkMass verifies that the visit probabilities are a flow: d_0 sums to
// 1, and Σ_s d_{t+1}(s) equals the mass at t that neither ends nor hits the
// horizon, recomputed from the environment's transitions.
func checkMass(t *testing.T, e env.Env, sol *Solution) {
	t.Helper()
	alive := make([]float64, e.Horizon()+1)
	cont := make([]float64, e.Horizon()+1)
	sol.Each(func(st env.State, tt int) {
		d := sol.Visits(st, tt)
		alive[tt] += d
		p := sol.Pi(st, tt)
		sum := 0.0
		for a, pa := range p {
			sum += pa
			if pa == 0 {
				continue
			}
			for _, tr := range e.Step(st, tt, a) {
				if !tr.Done {
					cont[tt+1] += d * pa * tr.P
				}
			}
		}
		if math.Abs(sum-1) > 1e-9 {
			t.Fatalf("policy at %q sums to %v", st.Key(), sum)
		}
	})
	if math.Abs(alive[0]-1) > 1e-9 {
		t.Fatalf("Σ d_0 = %v", alive[0])
	}
	for tt := 1; tt < e.Horizon(); tt++ {
		if math.Abs(alive[tt]-cont[tt]) > 1e-9 || alive[tt] > alive[tt-1]+1e-12 {
			t.Fatalf("Σ d_%d = %v, inflow %v, Σ d_%d = %v", tt, alive[tt], cont[tt], tt-1, alive[tt-1])
		}
	}
}

// TestMonteCarloDiscounted checks γ < 1 against discounted Monte Carlo returns.
func TestMonteCarloDiscounted(t *testing.T) {
	for _, name := range []string{"umbrella", "sokoban6", "kuhn?rounds=2"} {
		e, _ := env.New(name, 5)
		pi := hashedPolicy(e, 5, 1)
		starts := startsOf(e, 5)
		sol, err := SolveWith(e, pi, starts, Options{Gamma: 0.9})
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(5, 5))
		s0 := starts[0].S
		var xs []float64
		for i := 0; i < 2000; i++ {
			xs = append(xs, rollout(e, pi, s0, 0, -1, 0.9, rng)[0])
		}
		m, se := meanSE(xs)
		if exact := sol.V(0, s0, 0); math.Abs(m-exact) > zFamily(3)*se+1e-9 {
			t.Errorf("%s: discounted Monte Carlo %.5f ± %.5f, exact %.5f", name, m, se, exact)
		}
	}
}
