package verl

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The Into variants are checked against straightforward re-implementations
// of the reference formulas (two-pass statistics, the general mask blend,
// whitening written out as masked_mean / masked_var), on random ragged
// batches whose output buffers start out as NaN garbage.

type randBatch struct {
	r, v, m [][]float64
	index   []string
	g       []int
	n       int
}

// newRandBatch draws rows ragged rows; masks mix 1, right padding, interior
// zeros and (when frac) fractional weights; values are offset by off.
func newRandBatch(rng *rand.Rand, rows int, frac bool, off float64) randBatch {
	var b randBatch
	ids := []string{"a", "b", "c", "d", "e", "solo"}
	for i := range rows {
		l := rng.IntN(24)
		r, v, m := make([]float64, l), make([]float64, l), make([]float64, l)
		valid := l - rng.IntN(l/3+1) // right padding
		for t := range l {
			v[t] = off + rng.NormFloat64()
			r[t] = 0
			if t < valid {
				m[t] = 1
				if rng.IntN(6) == 0 {
					m[t] = 0 // interior zero (tool / observation token)
				} else if frac && rng.IntN(5) == 0 {
					m[t] = 0.25 + rng.Float64()
				}
			}
		}
		if valid > 0 {
			r[valid-1] = float64(rng.IntN(3)) - 0.5
		}
		if l > 0 && rng.IntN(4) == 0 {
			r[rng.IntN(l)] += rng.NormFloat64() // a dense or padded reward
		}
		b.r, b.v, b.m = append(b.r, r), append(b.v, v), append(b.m, m)
		id := ids[rng.IntN(len(ids)-1)]
		if i == rows-1 {
			id = "solo" // a singleton group
		}
		b.index = append(b.index, id)
	}
	b.g, b.n = indexOf(b.index)
	return b
}

func indexOf(ids []string) ([]int, int) {
	seen := map[string]int{}
	g := make([]int, len(ids))
	for i, id := range ids {
		k, ok := seen[id]
		if !ok {
			k = len(seen)
			seen[id] = k
		}
		g[i] = k
	}
	return g, len(seen)
}

// garbage returns a batch shaped like x filled with NaN.
func garbage(x [][]float64) [][]float64 {
	out := make([][]float64, len(x))
	for i, r := range x {
		out[i] = make([]float64, len(r))
		for t := range r {
			out[i][t] = math.NaN()
		}
	}
	return out
}

func refScores(r [][]float64) []float64 {
	s := make([]float64, len(r))
	for i, row := range r {
		for _, x := range row {
			s[i] += x
		}
	}
	return s
}

// refGroupMeanStd: verl's id2mean / id2std, singletons mean 0, std 1.
func refGroupMeanStd(s []float64, g []int, n int) (mean, std []float64, cnt []int) {
	mean, std, cnt = make([]float64, n), make([]float64, n), make([]int, n)
	for i, k := range g {
		cnt[k]++
		mean[k] += s[i]
	}
	for k := range mean {
		mean[k] /= float64(cnt[k])
	}
	for i, k := range g {
		std[k] += (s[i] - mean[k]) * (s[i] - mean[k])
	}
	for k := range std {
		if cnt[k] < 2 {
			mean[k], std[k] = 0, 1
		} else {
			std[k] = math.Sqrt(std[k] / float64(cnt[k]-1))
		}
	}
	return mean, std, cnt
}

func refBroadcast(a []float64, m [][]float64) [][]float64 {
	out := make([][]float64, len(m))
	for i, row := range m {
		out[i] = make([]float64, len(row))
		for t, x := range row {
			out[i][t] = a[i] * x
		}
	}
	return out
}

func refGRPO(r, m [][]float64, g []int, n int, opt GRPOOptions) [][]float64 {
	s := refScores(r)
	mean, std, _ := refGroupMeanStd(s, g, n)
	a := make([]float64, len(s))
	for i, k := range g {
		a[i] = s[i] - mean[k]
		if opt.NormByStd {
			a[i] /= std[k] + opt.Epsilon
		}
	}
	return refBroadcast(a, m)
}

func refRLOO(r, m [][]float64, g []int, n int) [][]float64 {
	s := refScores(r)
	mean, _, cnt := refGroupMeanStd(s, g, n)
	a := make([]float64, len(s))
	for i, k := range g {
		c := float64(cnt[k])
		a[i] = s[i]
		if cnt[k] > 1 {
			a[i] = s[i]*c/(c-1) - mean[k]*c/(c-1)
		}
	}
	return refBroadcast(a, m)
}

// refWhiten is masked_whiten written out: masked_mean, then masked_var
// (mean of squared deviations, times Σm/(Σm-1)), then rsqrt(var + 1e-8).
// The masked mean Σx·m/(Σm+1e-8) is evaluated as
// c·Σm/(Σm+1e-8) + Σ(x-c)·m/(Σm+1e-8) around a first estimate c, so that
// the reference itself stays accurate for values far from zero.
func refWhiten(x, m [][]float64) [][]float64 {
	var sw, sx float64
	for i, row := range x {
		for t, v := range row {
			sw += m[i][t]
			sx += v * m[i][t]
		}
	}
	c := sx / sw
	var sd float64
	for i, row := range x {
		for t, v := range row {
			sd += (v - c) * m[i][t]
		}
	}
	mean := c*(sw/(sw+1e-8)) + sd/(sw+1e-8)
	var sq float64
	for i, row := range x {
		for t, v := range row {
			sq += (v - mean) * (v - mean) * m[i][t]
		}
	}
	variance := sq / (sw + 1e-8) * sw / (sw - 1)
	out := make([][]float64, len(x))
	for i, row := range x {
		out[i] = make([]float64, len(row))
		for t, v := range row {
			out[i][t] = (v - mean) / math.Sqrt(variance+1e-8)
		}
	}
	return out
}

func refGAE(r, v, m [][]float64, gamma, lam float64) (adv, ret [][]float64) {
	raw := make([][]float64, len(r))
	ret = make([][]float64, len(r))
	for i := range r {
		raw[i] = make([]float64, len(r[i]))
		ret[i] = make([]float64, len(r[i]))
		nextv, last := 0.0, 0.0
		for t := len(r[i]) - 1; t >= 0; t-- {
			delta := r[i][t] + gamma*nextv - v[i][t]
			l := delta + gamma*lam*last
			nextv = v[i][t]*m[i][t] + (1-m[i][t])*nextv
			last = l*m[i][t] + (1-m[i][t])*last
			raw[i][t] = last
			ret[i][t] = last + v[i][t]
		}
	}
	return refWhiten(raw, m), ret
}

func refRFPP(r, m [][]float64, gamma float64) (adv, ret [][]float64) {
	ret = make([][]float64, len(r))
	for i := range r {
		ret[i] = make([]float64, len(r[i]))
		run := 0.0
		for t := len(r[i]) - 1; t >= 0; t-- {
			run = r[i][t] + gamma*run
			ret[i][t] = run
			run *= m[i][t]
		}
	}
	adv = refWhiten(ret, m)
	for i := range adv {
		for t := range adv[i] {
			adv[i][t] *= m[i][t]
		}
	}
	return adv, ret
}

// assertClose compares with a relative-plus-absolute tolerance.
func assertClose(t *testing.T, name string, got, want [][]float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d", name, len(got), len(want))
	}
	for i := range want {
		if len(got[i]) != len(want[i]) {
			t.Fatalf("%s row %d: %d values, want %d", name, i, len(got[i]), len(want[i]))
		}
		for j, w := range want[i] {
			if g := got[i][j]; !(math.Abs(g-w) <= tol*(1+math.Abs(w))) {
				t.Fatalf("%s[%d][%d] = %.15g, want %.15g", name, i, j, g, w)
			}
		}
	}
}

func assertSame(t *testing.T, name string, got, want [][]float64) {
	t.Helper()
	for i := range want {
		for j, w := range want[i] {
			if got[i][j] != w {
				t.Fatalf("%s[%d][%d] = %v, allocating version %v", name, i, j, got[i][j], w)
			}
		}
	}
}

func TestIntoMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var ws Workspace // reused across batches of different sizes
	for trial := range 60 {
		rows := 1 + rng.IntN(40)
		frac := trial%3 == 2
		off := []float64{0, 3, 1e4}[trial%3]
		b := newRandBatch(rng, rows, frac, off)
		for _, opt := range []GRPOOptions{DefaultGRPOOptions(), {Epsilon: 1e-6}} {
			adv := garbage(b.r)
			if err := GRPOInto(adv, b.r, b.m, b.g, b.n, opt, &ws); err != nil {
				t.Fatal(err)
			}
			assertClose(t, "GRPOInto", adv, refGRPO(b.r, b.m, b.g, b.n, opt), 1e-9)
			alloc, _, err := GRPO(b.r, b.m, b.index, opt)
			if err != nil {
				t.Fatal(err)
			}
			assertSame(t, "GRPOInto", adv, alloc)
		}

		adv := garbage(b.r)
		if err := RLOOInto(adv, b.r, b.m, b.g, b.n, &ws); err != nil {
			t.Fatal(err)
		}
		assertClose(t, "RLOOInto", adv, refRLOO(b.r, b.m, b.g, b.n), 1e-9)
		alloc, _, err := RLOO(b.r, b.m, b.index)
		if err != nil {
			t.Fatal(err)
		}
		assertSame(t, "RLOOInto", adv, alloc)

		gamma, lam := []float64{1, 0.99, 0.9}[trial%3], []float64{0.95, 1, 0.8}[trial%3]
		wantAdv, wantRet := refGAE(b.r, b.v, b.m, gamma, lam)
		adv, ret := garbage(b.r), garbage(b.r)
		err = GAEInto(adv, ret, b.r, b.v, b.m, gamma, lam)
		if err != nil {
			// Only the degenerate masks that masked_var rejects.
			if w := maskSum(b.m); w == 0 || w == 1 {
				continue
			}
			t.Fatal(err)
		}
		assertClose(t, "GAEInto advantages", adv, wantAdv, 1e-8)
		assertClose(t, "GAEInto returns", ret, wantRet, 1e-12)
		aa, ar, err := GAE(b.r, b.v, b.m, gamma, lam)
		if err != nil {
			t.Fatal(err)
		}
		assertSame(t, "GAEInto advantages", adv, aa)
		assertSame(t, "GAEInto returns", ret, ar)

		wantAdv, wantRet = refRFPP(b.r, b.m, gamma)
		adv, ret = garbage(b.r), garbage(b.r)
		if err := ReinforcePlusPlusInto(adv, ret, b.r, b.m, gamma, &ws); err != nil {
			t.Fatal(err)
		}
		assertClose(t, "ReinforcePlusPlusInto advantages", adv, wantAdv, 1e-8)
		assertClose(t, "ReinforcePlusPlusInto returns", ret, wantRet, 1e-12)
		aa, ar, err = ReinforcePlusPlus(b.r, b.m, gamma)
		if err != nil {
			t.Fatal(err)
		}
		assertSame(t, "ReinforcePlusPlusInto advantages", adv, aa)
		assertSame(t, "ReinforcePlusPlusInto returns", ret, ar)
	}
}

func maskSum(m [][]float64) float64 {
	s := 0.0
	for _, r := range m {
		for _, x := range r {
			s += x
		}
	}
	return s
}

// TestWhitenShiftStable: the one-pass shifted sums keep the whitening exact
// when the advantages sit far from zero with a small spread (the case where
// Σa² - (Σa)²/n would cancel catastrophically).
func TestWhitenShiftStable(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const rows, l = 50, 64
	r, v, m := make([][]float64, rows), make([][]float64, rows), make([][]float64, rows)
	for i := range r {
		r[i], v[i], m[i] = make([]float64, l), make([]float64, l), make([]float64, l)
		for t := range l {
			r[i][t] = 1e7 + 1e-2*rng.NormFloat64() // γ=λ=0: a_t = r_t - V_t
			m[i][t] = 1
		}
	}
	adv, ret := garbage(r), garbage(r)
	if err := GAEInto(adv, ret, r, v, m, 0, 0); err != nil {
		t.Fatal(err)
	}
	want, _ := refGAE(r, v, m, 0, 0)
	assertClose(t, "GAEInto", adv, want, 1e-6)
	if err := ReinforcePlusPlusInto(adv, ret, r, m, 0, nil); err != nil {
		t.Fatal(err)
	}
	want, _ = refRFPP(r, m, 0)
	assertClose(t, "ReinforcePlusPlusInto", adv, want, 1e-6)
}

func TestIntoShapeErrors(t *testing.T) {
	r := [][]float64{{0, 1}, {1}}
	m := [][]float64{{1, 1}, {1}}
	v := [][]float64{{0, 0}, {0}}
	short := [][]float64{{0, 0}, {}}
	g := []int{0, 0}
	wantErr(t, GRPOInto(short, r, m, g, 1, DefaultGRPOOptions(), nil), "verl.grpo: advantages row 1 has 0 values, token_level_rewards has 1")
	wantErr(t, GRPOInto(garbage(r), r, m, []int{0}, 1, DefaultGRPOOptions(), nil), "group ids have 1 values, token_level_rewards has 2 rows")
	wantErr(t, RLOOInto(garbage(r), r, m, []int{0, 2}, 2, nil), "group id of row 1 is 2, want 0 <= id < 2")
	wantErr(t, RLOOInto(garbage(r), r, short, g, 1, nil), "verl.rloo: response_mask row 1 has 0 values")
	wantErr(t, GAEInto(garbage(r), short, r, v, m, 1, 1), "verl.gae: returns row 1 has 0 values")
	wantErr(t, GAEInto(short, garbage(r), r, v, m, 1, 1), "verl.gae: advantages row 1 has 0 values")
	wantErr(t, ReinforcePlusPlusInto(garbage(r), short, r, m, 1, nil), "verl.reinforce_plus_plus: returns row 1 has 0 values")
	nanV := [][]float64{{0, math.NaN()}, {0}}
	wantErr(t, GAEInto(garbage(r), garbage(r), r, nanV, m, 1, 1), "verl.gae: values row 0 contains a NaN")
	infM := [][]float64{{1, 1}, {math.Inf(1)}}
	wantErr(t, GAEInto(garbage(r), garbage(r), r, v, infM, 1, 1), "verl.gae: response_mask row 1 contains a NaN")
	wantErr(t, ReinforcePlusPlusInto(garbage(r), garbage(r), nanV, m, 1, nil), "token_level_rewards row 0 contains a NaN")
}

// TestIntoAllocs: with a warmed-up Workspace the Into variants allocate
// nothing.
func TestIntoAllocs(t *testing.T) {
	b := newRandBatch(rand.New(rand.NewPCG(1, 1)), 64, false, 0)
	adv, ret := garbage(b.r), garbage(b.r)
	var ws Workspace
	calls := map[string]func(){
		"GRPOInto": func() { _ = GRPOInto(adv, b.r, b.m, b.g, b.n, DefaultGRPOOptions(), &ws) },
		"RLOOInto": func() { _ = RLOOInto(adv, b.r, b.m, b.g, b.n, &ws) },
		"GAEInto":  func() { _ = GAEInto(adv, ret, b.r, b.v, b.m, 1, 0.95) },
		"ReinforcePlusPlusInto": func() {
			_ = ReinforcePlusPlusInto(adv, ret, b.r, b.m, 1, &ws)
		},
	}
	for name, f := range calls {
		f()
		if n := testing.AllocsPerRun(20, f); n != 0 {
			t.Errorf("%s: %v allocations per call, want 0", name, n)
		}
	}
}
