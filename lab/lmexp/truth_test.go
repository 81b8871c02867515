package lmexp

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/credo-rl/credo/lab/lm"
	"github.com/credo-rl/credo/lab/textenv"
)

func partlyTrained(t *testing.T, env string, n int, steps int) (*Policy, []*textenv.Task) {
	t.Helper()
	ts, err := textenv.Pool(env, n, textenv.Config{}, 5)
	if err != nil {
		t.Fatal(err)
	}
	cfg := QuickConfig()
	p, err := NewPolicy(cfg.Model, ts, 5)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Supervise(ts, steps, 4, 2e-2, rand.New(rand.NewPCG(1, 1))); err != nil {
		t.Fatal(err)
	}
	return p, ts
}

// TestPathTruthMatchesExact: on ArithChain the path estimator agrees with
// the closed-form truth (an independent computation: one forward pass of
// the canonical chain) within 4 of its own standard errors, and exactly
// where it reports no error.
func TestPathTruthMatchesExact(t *testing.T) {
	p, ts := partlyTrained(t, "arithchain", 1, 60)
	cs, err := p.Group(ts, 0, 6, rand.New(rand.NewPCG(2, 2)))
	if err != nil {
		t.Fatal(err)
	}
	ex, err := p.ExactTruth(ts[0], cs)
	if err != nil {
		t.Fatal(err)
	}
	pt, st, err := p.PathTruth(ts, cs, TruthOptions{Samples: 64, Eps: 1e-9}, rand.New(rand.NewPCG(3, 3)))
	if err != nil {
		t.Fatal(err)
	}
	if st.Rollouts == 0 || st.Positions == 0 {
		t.Fatalf("stats %+v", st)
	}
	uncertain, big := 0, 0
	for i, c := range cs {
		for j := range c.Tokens {
			if math.Abs(ex[i].A[j]) > 0.01 {
				big++
			}
			d := math.Abs(pt[i].A[j] - ex[i].A[j])
			if d > 4*pt[i].SE[j]+1e-9 {
				t.Errorf("completion %d token %d: path A %.5f ± %.5f, exact %.5f", i, j, pt[i].A[j], pt[i].SE[j], ex[i].A[j])
			}
			if pt[i].SE[j] > 0 {
				uncertain++
			}
		}
		if pt[i].V[len(c.Tokens)] != c.Out.Reward {
			t.Errorf("completion %d: terminal value %v, reward %v", i, pt[i].V[len(c.Tokens)], c.Out.Reward)
		}
	}
	t.Logf("%d completions, %d positions, %d sampled, %d rollouts, %d tokens with SE > 0, %d with |A| > 0.01", len(cs), st.Positions, st.Sampled, st.Rollouts, uncertain, big)
	if big == 0 {
		t.Error("no token with a sizeable advantage: the comparison tests nothing")
	}
}

// TestPathTruthMatchesPlainMonteCarlo: on Countdown (no closed form) the
// path estimator's values agree with plain Monte Carlo from the same
// prefixes (MCTruth: independent rollouts through cloned caches, no
// decomposition) within 4 combined standard errors, and its standard
// errors are far smaller at the same order of work.
func TestPathTruthMatchesPlainMonteCarlo(t *testing.T) {
	p, ts := partlyTrained(t, "countdown", 1, 40)
	cs, err := p.Group(ts, 0, 2, rand.New(rand.NewPCG(2, 2)))
	if err != nil {
		t.Fatal(err)
	}
	const m = 60
	mc, err := p.MCTruth(ts, cs, m, rand.New(rand.NewPCG(4, 4)))
	if err != nil {
		t.Fatal(err)
	}
	pt, st, err := p.PathTruth(ts, cs, TruthOptions{Samples: 64}, rand.New(rand.NewPCG(5, 5)))
	if err != nil {
		t.Fatal(err)
	}
	var sePath, seMC float64
	n := 0
	for i, c := range cs {
		for j := range c.Tokens {
			if c.Obs[j] {
				continue
			}
			// plain MC's V has standard error ≤ 0.5/√m (rewards in [0, 1])
			tol := 4 * math.Hypot(0.5/math.Sqrt(m), sumSE(pt[i].SE[j:]))
			if d := math.Abs(pt[i].V[j] - mc[i].V[j]); d > tol {
				t.Errorf("completion %d prefix %d: path V %.4f, plain MC %.4f (tolerance %.4f)", i, j, pt[i].V[j], mc[i].V[j], tol)
			}
			sePath += pt[i].SE[j]
			seMC += mc[i].SE[j]
			n++
		}
	}
	t.Logf("%d tokens: mean SE of A, path %.4f (%d rollouts), plain %.4f (%d per prefix)", n, sePath/float64(n), st.Rollouts, seMC/float64(n), m)
	if n == 0 || sePath >= seMC {
		t.Errorf("path SE %.4f not below plain SE %.4f over %d tokens", sePath, seMC, n)
	}
}

// sumSE bounds the standard error of V(prefix_j) by the sum of the
// advantages' standard errors from j on (each later W enters V(prefix_j)
// with a weight ≤ 1 − π, and A_k's SE carries the same term).
func sumSE(se []float64) float64 {
	s := 0.0
	for _, v := range se {
		s += v
	}
	return s
}

// TestRollNMatchesRoll: the batched rollout follows the sampler's rules
// exactly, KBHop's inserted observations included: one continuation drawn
// from the same random stream is the same completion, token for token.
func TestRollNMatchesRoll(t *testing.T) {
	p, ts := partlyTrained(t, "kbhop", 1, 40)
	inserted := 0
	for ti := range ts {
		for k := range 6 {
			cache, lp, err := p.prompted(ts, ti)
			if err != nil {
				t.Fatal(err)
			}
			want, _, obs, err := p.roll(ts[ti], cache.Clone(), lp, nil, nil, nil, rand.New(rand.NewPCG(uint64(k), 9)))
			if err != nil {
				t.Fatal(err)
			}
			rs, got, err := p.rollSeqs(ts[ti], cache, lp, nil, -1, 1, rand.New(rand.NewPCG(uint64(k), 9)))
			if err != nil {
				t.Fatal(err)
			}
			if p.voc.Decode(got[0]) != p.voc.Decode(want) || len(got[0]) != len(want) {
				t.Fatalf("task %d draw %d:\nrollN %q\nroll  %q", ti, k, p.voc.Decode(got[0]), p.voc.Decode(want))
			}
			ended := len(want) > 0 && want[len(want)-1] == lm.EOS
			if r := ts[ti].Score(p.voc.Decode(want), ended).Reward; r != rs[0] {
				t.Fatalf("task %d draw %d: reward %v, want %v", ti, k, rs[0], r)
			}
			nObs := 0
			for _, o := range obs {
				if o {
					nObs++
				}
			}
			inserted += nObs
			t.Logf("task %d draw %d: %d tokens, %d inserted by the environment, reward %v", ti, k, len(want), nObs, rs[0])
		}
	}
	if inserted == 0 {
		t.Error("no observation inserted: the test does not reach KBHop's environment tokens")
	}
}

// TestEnumTruthMatchesPathTruth: on ArithChain-PRM the exact sum over the
// rewarded completions agrees with the Monte Carlo path estimator (an
// independent computation: rollouts scored by the environment) within 4
// of the latter's standard errors, and it reduces to ExactTruth's single
// chain on ArithChain.
func TestEnumTruthMatchesPathTruth(t *testing.T) {
	p, ts := partlyTrained(t, "arithchain-prm", 1, 80)
	cs, err := p.Group(ts, 0, 4, rand.New(rand.NewPCG(2, 2)))
	if err != nil {
		t.Fatal(err)
	}
	ex, err := p.EnumTruth(ts[0], cs)
	if err != nil {
		t.Fatal(err)
	}
	pt, _, err := p.PathTruth(ts, cs, TruthOptions{Samples: 64, Eps: 1e-4}, rand.New(rand.NewPCG(3, 3)))
	if err != nil {
		t.Fatal(err)
	}
	big := 0
	for i, c := range cs {
		for j := range c.Tokens {
			if d := math.Abs(pt[i].A[j] - ex[i].A[j]); d > 4*pt[i].SE[j]+1e-9 {
				t.Errorf("completion %d token %d: path A %.5f ± %.5f, enumerated %.5f", i, j, pt[i].A[j], pt[i].SE[j], ex[i].A[j])
			}
			if math.Abs(ex[i].A[j]) > 0.01 {
				big++
			}
		}
	}
	t.Logf("V(prompt) %.4f, %d tokens with |A| > 0.01", ex[0].V[0], big)
	if big == 0 {
		t.Error("no sizeable advantage: the comparison tests nothing")
	}
	// one rewarded completion: the canonical chain's closed form
	pa, ta := partlyTrained(t, "arithchain", 1, 60)
	ca, err := pa.Group(ta, 0, 4, rand.New(rand.NewPCG(2, 2)))
	if err != nil {
		t.Fatal(err)
	}
	ta[0].Rewarded = []string{ta[0].Canonical}
	e1, err := pa.EnumTruth(ta[0], ca)
	if err != nil {
		t.Fatal(err)
	}
	e2, err := pa.ExactTruth(ta[0], ca)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ca {
		for j := range e1[i].V {
			if math.Abs(e1[i].V[j]-e2[i].V[j]) > 1e-12 {
				t.Fatalf("completion %d prefix %d: enumerated %v, closed form %v", i, j, e1[i].V[j], e2[i].V[j])
			}
		}
	}
}
