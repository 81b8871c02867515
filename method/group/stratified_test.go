package group

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/credo-rl/credo/anchor/verl"
	"github.com/credo-rl/credo/internal/groups"
)

// One group of six: rewards [1,0,1,1,0,0], strata [a,a,a,b,b,b], ε = 0.
//
//	stratum a = [1,0,1]: μ = 2/3, unbiased var = (1/9+4/9+1/9)/2 = 1/3, σ = 0.5773503
//	    SAN = [ (1/3)/σ, (-2/3)/σ, (1/3)/σ ] = [0.5773503, -1.1547005, 0.5773503]
//	stratum b = [1,0,0]: μ = 1/3, same σ
//	    SAN = [1.1547005, -0.5773503, -0.5773503]
//	group: μ = 0.5, unbiased var = 6·0.25/5 = 0.3, σ = 0.5477226
//	    GN = ±0.5/σ = ±0.9128709
//	α = 0.5: A = 0.5·SAN + 0.5·GN
func TestStratifiedHand(t *testing.T) {
	r := []float64{1, 0, 1, 1, 0, 0}
	idx := []string{"p", "p", "p", "p", "p", "p"}
	st := []string{"a", "a", "a", "b", "b", "b"}
	opt := StratifiedOptions{Alpha: 0.5, Epsilon: 0, NormByStd: true, Singleton: SingletonGlobal}
	san, gn, err := StratifiedParts(r, idx, st, opt)
	if err != nil {
		t.Fatal(err)
	}
	const s3, s23 = 0.5773503, 1.1547005
	assertVec(t, "san", san, []float64{s3, -s23, s3, s23, -s3, -s3}, 1e-6)
	const g = 0.9128709
	assertVec(t, "gn", gn, []float64{g, -g, g, g, -g, -g}, 1e-6)
	a, err := StratifiedScalar(r, idx, st, opt)
	if err != nil {
		t.Fatal(err)
	}
	assertVec(t, "blend", a, []float64{
		0.5*s3 + 0.5*g, 0.5*-s23 + 0.5*-g, 0.5*s3 + 0.5*g,
		0.5*s23 + 0.5*g, 0.5*-s3 + 0.5*-g, 0.5*-s3 + 0.5*-g}, 1e-6)
}

func randomCase(rng *rand.Rand, n int) (r []float64, idx, strata []string) {
	r = make([]float64, n)
	idx = make([]string, n)
	strata = make([]string, n)
	for i := range r {
		r[i] = float64(rng.IntN(3)) + 0.25*rng.Float64()
		idx[i] = "g" + strconv.Itoa(rng.IntN(4))
		strata[i] = strconv.Itoa(rng.IntN(3))
	}
	return r, idx, strata
}

// Property: with one stratum per group, SAN is GRPO (verl.GRPOScalar) for
// every α, singleton groups included.
func TestStratifiedOneStratumIsGRPO(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 50; trial++ {
		r, idx, _ := randomCase(rng, 1+rng.IntN(12))
		one := make([]string, len(r))
		g, n := groups.Index(idx)
		for _, norm := range []bool{true, false} {
			want, err := verl.GRPOScalar(r, g, n, verl.GRPOOptions{Epsilon: 1e-6, NormByStd: norm})
			if err != nil {
				t.Fatal(err)
			}
			for _, alpha := range []float64{0, 0.3, 1} {
				opt := DefaultStratifiedOptions()
				opt.Alpha, opt.NormByStd = alpha, norm
				got, err := StratifiedScalar(r, idx, one, opt)
				if err != nil {
					t.Fatal(err)
				}
				assertVec(t, "one stratum", got, want, 1e-12)
			}
		}
	}
}

// Properties of the α limits: α = 0 is GRPO whatever the strata, α = 1 is
// SAN; SAN sums to zero inside every stratum of two or more.
func TestStratifiedAlphaLimits(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 50; trial++ {
		r, idx, st := randomCase(rng, 2+rng.IntN(16))
		g, n := groups.Index(idx)
		grpo, _ := verl.GRPOScalar(r, g, n, verl.DefaultGRPOOptions())
		opt := DefaultStratifiedOptions()
		opt.Alpha = 0
		a0, err := StratifiedScalar(r, idx, st, opt)
		if err != nil {
			t.Fatal(err)
		}
		assertVec(t, "alpha 0", a0, grpo, 1e-12)
		san, _, _ := StratifiedParts(r, idx, st, opt)
		opt.Alpha = 1
		a1, _ := StratifiedScalar(r, idx, st, opt)
		assertVec(t, "alpha 1", a1, san, 1e-12)
		sum := map[string]float64{}
		cnt := map[string]int{}
		for i := range r {
			k := idx[i] + "/" + st[i]
			sum[k] += san[i]
			cnt[k]++
		}
		for k, s := range sum {
			if cnt[k] > 1 && !near(s, 0, 1e-9) {
				t.Fatalf("SAN of stratum %s sums to %v", k, s)
			}
		}
	}
}

// A stratum of one: "global" takes GN, "zero" takes 0. Group [2, 0, 1]
// with strata [a, b, b]: GN (ε = 0): μ = 1, σ = 1, GN = [1, -1, 0].
// Stratum b = [0, 1]: μ = 0.5, σ = 0.7071068, SAN = [-0.7071068, 0.7071068].
func TestStratifiedSingleton(t *testing.T) {
	r := []float64{2, 0, 1}
	idx := []string{"p", "p", "p"}
	st := []string{"a", "b", "b"}
	opt := StratifiedOptions{Alpha: 0.5, NormByStd: true, Singleton: SingletonGlobal}
	a, err := StratifiedScalar(r, idx, st, opt)
	if err != nil {
		t.Fatal(err)
	}
	// global: 0.5·1 + 0.5·1 = 1; 0.5·(-0.7071068) + 0.5·(-1); 0.5·0.7071068 + 0.5·0
	assertVec(t, "global", a, []float64{1, -0.8535534, 0.3535534}, 1e-6)
	opt.Singleton = SingletonZero
	a, _ = StratifiedScalar(r, idx, st, opt)
	assertVec(t, "zero", a, []float64{0.5, -0.8535534, 0.3535534}, 1e-6)
	opt.Singleton = "drop"
	_, err = StratifiedScalar(r, idx, st, opt)
	assertErr(t, "bad singleton rule", err)
}

// Proposition 1 of the paper, with the mean-centred estimators:
// (R - μ_g) = (R - μ_k) + (μ_k - μ_g) for every trajectory whose group and
// stratum both have two or more members.
func TestStratifiedDecomposition(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := 0; trial < 30; trial++ {
		r, idx, st := randomCase(rng, 4+rng.IntN(20))
		opt := DefaultStratifiedOptions()
		opt.NormByStd = false
		san, gn, _ := StratifiedParts(r, idx, st, opt)
		bias, err := CrossStratumBias(r, idx, st)
		if err != nil {
			t.Fatal(err)
		}
		gc, sc := map[string]int{}, map[string]int{}
		for i := range r {
			gc[idx[i]]++
			sc[idx[i]+"/"+st[i]]++
		}
		for i := range r {
			if gc[idx[i]] < 2 || sc[idx[i]+"/"+st[i]] < 2 {
				continue
			}
			if !near(gn[i], san[i]+bias[i], 1e-12) {
				t.Fatalf("row %d: GN %v != SAN %v + bias %v", i, gn[i], san[i], bias[i])
			}
		}
	}
}

func TestStratifiedTokens(t *testing.T) {
	// Ragged rows; outcome on the last token. Group p: scores [1, 0] in one
	// stratum → GRPO ±0.7071068/(1+ε); row 2 is a singleton group (raw score 3/(1+ε)).
	r := [][]float64{{0, 1}, {0, 0, 0}, {3}}
	m := [][]float64{{1, 1}, {1, 0, 1}, {1}}
	adv, err := Stratified(r, m, []string{"p", "p", "q"}, []string{"x", "x", "x"}, DefaultStratifiedOptions())
	if err != nil {
		t.Fatal(err)
	}
	const a = 0.7071068
	assertVec(t, "row 0", adv[0], []float64{a, a}, 1e-6)
	assertVec(t, "row 1", adv[1], []float64{-a, 0, -a}, 1e-6)
	assertVec(t, "row 2", adv[2], []float64{3}, 1e-5)
	_, err = Stratified(r, [][]float64{{1, 1}, {1}, {1}}, []string{"p", "p", "q"}, []string{"x", "x", "x"}, DefaultStratifiedOptions())
	assertErr(t, "ragged mismatch", err)
}

func TestStratifiedErrors(t *testing.T) {
	opt := DefaultStratifiedOptions()
	_, err := StratifiedScalar([]float64{1, 2}, []string{"a"}, []string{"x", "y"}, opt)
	assertErr(t, "index length", err)
	_, err = StratifiedScalar([]float64{1, 2}, []string{"a", "a"}, []string{"x"}, opt)
	assertErr(t, "strata length", err)
	_, err = StratifiedScalar([]float64{1, nan()}, []string{"a", "a"}, []string{"x", "y"}, opt)
	assertErr(t, "NaN score", err)
	opt.Alpha = nan()
	_, err = StratifiedScalar([]float64{1, 2}, []string{"a", "a"}, []string{"x", "y"}, opt)
	assertErr(t, "NaN alpha", err)
}
