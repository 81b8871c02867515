package verlagent

import (
	"fmt"
	"math"
	"math/rand"
	"strings"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func checkMatrix(t *testing.T, name string, got, want [][]float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d", name, len(got), len(want))
	}
	for i := range want {
		if len(got[i]) != len(want[i]) {
			t.Fatalf("%s: row %d has %d values, want %d", name, i, len(got[i]), len(want[i]))
		}
		for j := range want[i] {
			if !near(got[i][j], want[i][j], tol) {
				t.Errorf("%s[%d][%d] = %.9g, want %.9g", name, i, j, got[i][j], want[i][j])
			}
		}
	}
}

// Three step rows of prompt group "u": trajectory a has two rows scoring 1
// (the score sits on one token), trajectory b one row scoring 0; prompt
// group "v" is a singleton scoring 3. All masks are [1 1] except row 1.
var (
	tRewards = [][]float64{{0, 1}, {1, 0}, {0, 0}, {3, 0}}
	tMask    = [][]float64{{1, 1}, {1, 0}, {1, 1}, {1, 1}}
	tIndex   = []string{"u", "u", "u", "v"}
	tTraj    = []string{"a", "a", "b", "c"}
)

func TestGRPOCrossStepsAndDedup(t *testing.T) {
	// cross steps: u collects [1 1 0]: mean 2/3, unbiased var
	// ((1/3)²+(1/3)²+(2/3)²)/2 = 1/3, std 0.5773503.
	// A(1) = (1/3)/0.5773503 = 0.5773503, A(0) = -(2/3)/0.5773503 = -1.1547005.
	// v is a singleton: mean 0, std 1, A = 3/(1+1e-6) = 2.999997.
	o := DefaultGRPOOptions()
	got, err := GRPO(tRewards, tMask, tIndex, tTraj, o)
	if err != nil {
		t.Fatal(err)
	}
	a, b, v := 0.5773503, -1.1547005, 3/(1+1e-6)
	checkMatrix(t, "cross", got, [][]float64{{a, a}, {a, 0}, {b, b}, {v, v}}, 2e-6)

	// dedup: u collects the first row of a and of b: [1 0], mean 0.5,
	// std sqrt(0.5) = 0.7071068, A = ±0.7071068 for all rows of a / b.
	o.CrossSteps = false
	got, err = GRPO(tRewards, tMask, tIndex, tTraj, o)
	if err != nil {
		t.Fatal(err)
	}
	a, b = 0.7071068, -0.7071068
	checkMatrix(t, "dedup", got, [][]float64{{a, a}, {a, 0}, {b, b}, {v, v}}, 2e-6)

	// Dr.GRPO (no std), cross steps: s - 2/3; singleton keeps 3.
	o = DefaultGRPOOptions()
	o.NormByStd = false
	got, err = GRPO(tRewards, tMask, tIndex, tTraj, o)
	if err != nil {
		t.Fatal(err)
	}
	a, b = 1.0/3, -2.0/3
	checkMatrix(t, "drgrpo", got, [][]float64{{a, a}, {a, 0}, {b, b}, {3, 3}}, 1e-12)
}

func TestRLOO(t *testing.T) {
	// cross: n=3, mean 2/3: A(1) = 1*3/2 - (2/3)*3/2 = 0.5 (= 1 - mean(1,0)),
	// A(0) = 0 - 1 = -1; singleton v keeps its raw score 3.
	got, err := RLOO(tRewards, tMask, tIndex, tTraj, DefaultRLOOOptions())
	if err != nil {
		t.Fatal(err)
	}
	checkMatrix(t, "cross", got, [][]float64{{0.5, 0.5}, {0.5, 0}, {-1, -1}, {3, 3}}, 1e-12)
	// dedup: n=2, mean 0.5: A(1) = 2 - 1 = 1, A(0) = 0 - 1 = -1.
	got, err = RLOO(tRewards, tMask, tIndex, tTraj, RLOOOptions{CrossSteps: false})
	if err != nil {
		t.Fatal(err)
	}
	checkMatrix(t, "dedup", got, [][]float64{{1, 1}, {1, 0}, {-1, -1}, {3, 3}}, 1e-12)
}

func TestReinforcePlusPlusBaseline(t *testing.T) {
	// Group u: scores [1 0] -> [0.5 -0.5]. Masks [1 1] and [1 0]:
	// x = [0.5 0.5 | -0.5 (0)], W = 3, mean = 0.5/3 = 1/6,
	// deviations 1/3, 1/3, -2/3 -> Σ = 2/3, biased var 2/9, unbiased 1/3,
	// rsqrt(1/3) = 1.7320508: [0.5773503 0.5773503 | -1.1547005 0].
	rw := [][]float64{{1, 0}, {0, 0}}
	m := [][]float64{{1, 1}, {1, 0}}
	got, err := ReinforcePlusPlusBaseline(rw, m, []string{"u", "u"}, []string{"a", "b"}, DefaultReinforcePlusPlusBaselineOptions())
	if err != nil {
		t.Fatal(err)
	}
	checkMatrix(t, "whiten", got, [][]float64{{0.5773503, 0.5773503}, {-1.1547005, 0}}, 2e-7)

	// A single masked token cannot be whitened (unbiased variance).
	if _, err := ReinforcePlusPlusBaseline(rw, [][]float64{{1, 0}, {0, 0}}, []string{"u", "u"}, []string{"a", "b"}, DefaultReinforcePlusPlusBaselineOptions()); err == nil {
		t.Error("mask sum 1: want an error")
	}
	if _, err := ReinforcePlusPlusBaseline(rw, [][]float64{{0, 0}, {0, 0}}, []string{"u", "u"}, []string{"a", "b"}, DefaultReinforcePlusPlusBaselineOptions()); err == nil {
		t.Error("empty mask: want an error")
	}
}

// naiveWhiten is verl's masked_whiten written out token by token.
func naiveWhiten(x, m [][]float64) [][]float64 {
	var w, sx float64
	for i := range x {
		for t := range x[i] {
			w += m[i][t]
			sx += x[i][t] * m[i][t]
		}
	}
	mu := sx / (w + 1e-8)
	var ss float64
	for i := range x {
		for t := range x[i] {
			d := x[i][t] - mu
			ss += d * d * m[i][t]
		}
	}
	v := ss / (w + 1e-8) * w / (w - 1)
	out := make([][]float64, len(x))
	for i := range x {
		out[i] = make([]float64, len(x[i]))
		for t := range x[i] {
			out[i][t] = (x[i][t] - mu) / math.Sqrt(v+1e-8) * m[i][t]
		}
	}
	return out
}

func TestReinforcePlusPlusBaselineMatchesTokenWhitening(t *testing.T) {
	// Property: the moment-based whitening equals the token-by-token
	// formula, for binary and for fractional mask weights, ragged rows.
	rng := rand.New(rand.NewSource(7))
	for trial := 0; trial < 50; trial++ {
		b := 2 + rng.Intn(8)
		rw := make([][]float64, b)
		m := make([][]float64, b)
		idx := make([]string, b)
		tr := make([]string, b)
		for i := range rw {
			n := 1 + rng.Intn(6)
			rw[i] = make([]float64, n)
			m[i] = make([]float64, n)
			for j := range rw[i] {
				rw[i][j] = rng.NormFloat64() * 100
				m[i][j] = 1
				if trial%2 == 1 {
					m[i][j] = rng.Float64()
				} else if rng.Intn(4) == 0 {
					m[i][j] = 0
				}
			}
			m[i][0] = 1
			idx[i] = fmt.Sprint(rng.Intn(3))
			tr[i] = fmt.Sprint(i)
		}
		got, err := ReinforcePlusPlusBaseline(rw, m, idx, tr, DefaultReinforcePlusPlusBaselineOptions())
		if err != nil {
			t.Fatal(err)
		}
		// the centred scores, as the reference tiles them
		s := make([]float64, b)
		sum := map[string]float64{}
		cnt := map[string]int{}
		for i := range rw {
			for _, v := range rw[i] {
				s[i] += v
			}
			sum[idx[i]] += s[i]
			cnt[idx[i]]++
		}
		x := make([][]float64, b)
		for i := range rw {
			a := s[i]
			if cnt[idx[i]] > 1 {
				a -= sum[idx[i]] / float64(cnt[idx[i]])
			}
			x[i] = make([]float64, len(rw[i]))
			for j := range x[i] {
				x[i][j] = a * m[i][j]
			}
		}
		checkMatrix(t, fmt.Sprintf("trial %d", trial), got, naiveWhiten(x, m), 1e-9)
	}
}

func TestStepDiscountedReturns(t *testing.T) {
	// traj a = rows 0, 2, 3 (batch order), b = row 1; γ = 0.5:
	// R3 = 4, R2 = 3 + 0.5*4 = 5, R0 = 1 + 0.5*5 = 3.5; R1 = 2.
	got, err := StepDiscountedReturns([]float64{1, 2, 3, 4}, []string{"a", "b", "a", "a"}, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{3.5, 2, 5, 4}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("R[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	if _, err := StepDiscountedReturns([]float64{1}, []string{"a", "b"}, 1); err == nil {
		t.Error("length mismatch: want an error")
	}
	if _, err := StepDiscountedReturns([]float64{math.NaN()}, []string{"a"}, 1); err == nil {
		t.Error("NaN reward: want an error")
	}
}

func TestAnchorGroups(t *testing.T) {
	g, n, err := AnchorGroups([]string{"s0", "s1", "s0", "s0"}, []string{"u", "u", "v", "u"})
	if err != nil {
		t.Fatal(err)
	}
	// (u,s0)=0, (u,s1)=1, (v,s0)=2: equal observations in different prompt
	// groups are different anchor states.
	if n != 3 || fmt.Sprint(g) != "[0 1 2 0]" {
		t.Fatalf("AnchorGroups = %v, %d", g, n)
	}
}

func TestSequenceRatio(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want float64
	}{
		{"abcd", "bcde", 0.75},                 // "bcd": 2*3/8
		{"", "", 1},                            // both empty
		{"abc", "", 0},                         // nothing to match
		{"qabxcd", "abycdf", 2.0 * 4 / 12},     // "ab" + "cd"
		{"fridge 1", "fridge 2", 2.0 * 7 / 16}, // "fridge " matched
		{"héllo", "héllo", 1},                  // code points, not bytes
	} {
		if got := SequenceRatio(c.a, c.b); got != c.want {
			t.Errorf("SequenceRatio(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
	// autojunk: b has >= 200 code points and 'a' occurs more than
	// 200/100+1 = 3 times, so 'a' cannot seed a match. a = "b"+"a"*5 and
	// b = "a"*199+"b": the only seed is 'b' (a[0], b[199]); nothing
	// extends it (a[1]='a' but b ends), and the left piece of a is empty,
	// so M = 1 and the ratio is 2/206 (without autojunk it would be 2*5/206).
	a := "b" + strings.Repeat("a", 5)
	b := strings.Repeat("a", 199) + "b"
	if got, want := SequenceRatio(a, b), 2.0/206; got != want {
		t.Errorf("autojunk: ratio = %v, want %v", got, want)
	}
}

func TestSimilarAnchorGroups(t *testing.T) {
	obs := []string{"You open the fridge 1.", "You open the fridge 2.", "Nothing happens.", "You open the fridge 1."}
	// "...fridge 1." vs "...fridge 2.": 21 of 22 code points match,
	// ratio 42/44 = 0.9545 >= 0.95, so rows 0, 1, 3 share a cluster; row 2
	// founds its own. A different prompt group never joins.
	g, n, err := SimilarAnchorGroups(obs, []string{"u", "u", "u", "u"}, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 || fmt.Sprint(g) != "[0 0 1 0]" {
		t.Fatalf("groups = %v, %d", g, n)
	}
	g, n, err = SimilarAnchorGroups(obs, []string{"u", "u", "u", "w"}, 0.96)
	if err != nil {
		t.Fatal(err)
	}
	if n != 4 || fmt.Sprint(g) != "[0 1 2 3]" {
		t.Fatalf("groups at 0.96 = %v, %d", g, n)
	}
	if _, _, err := SimilarAnchorGroups(obs, []string{"u", "u", "u", "u"}, 1); err == nil {
		t.Error("threshold 1: want an error (the reference asserts (0, 1))")
	}
}

// The GiGPO example: prompt group u, four step rows.
//
//	row traj score stepR anchor
//	0   a    1     2     x
//	1   a    1     1     y   (singleton anchor)
//	2   b    0     0     x
//	3   c    0     0     z   (singleton anchor)
var (
	gRewards = [][]float64{{1, 0}, {0, 1}, {0, 0}, {0, 0}}
	gMask    = [][]float64{{1, 1}, {1, 1}, {1, 0}, {1, 1}}
	gStep    = []float64{2, 1, 0, 0}
	gAnchor  = []string{"x", "y", "x", "z"}
	gIndex   = []string{"u", "u", "u", "u"}
	gTraj    = []string{"a", "a", "b", "c"}
)

func TestGiGPOMeanNorm(t *testing.T) {
	// episode: mean of [1 1 0 0] = 0.5 -> [0.5 0.5 -0.5 -0.5];
	// step: anchor x has [2 0], mean 1 -> [1 . -1 .]; y and z are
	// singletons -> 0. A = [1.5 0.5 -1.5 -0.5].
	got, err := GiGPO(gRewards, gStep, gMask, gAnchor, gIndex, gTraj, DefaultGiGPOOptions())
	if err != nil {
		t.Fatal(err)
	}
	checkMatrix(t, "mean_norm", got, [][]float64{{1.5, 1.5}, {0.5, 0.5}, {-1.5, 0}, {-0.5, -0.5}}, 1e-12)
}

func TestGiGPOMeanStdNorm(t *testing.T) {
	// episode std of [1 1 0 0]: sqrt(4*0.25/3) = 0.5773503, A^E = ±0.8660254;
	// anchor x: std of [2 0] = sqrt(2) -> A^S = ±0.7071068; ω = 0.5:
	// row 0: 0.8660254 + 0.3535534 = 1.2195788, row 2: -1.2195788.
	o := DefaultGiGPOOptions()
	o.Mode = MeanStdNorm
	o.StepAdvantageW = 0.5
	got, err := GiGPO(gRewards, gStep, gMask, gAnchor, gIndex, gTraj, o)
	if err != nil {
		t.Fatal(err)
	}
	checkMatrix(t, "mean_std_norm", got, [][]float64{
		{1.2195788, 1.2195788}, {0.8660254, 0.8660254}, {-1.2195788, 0}, {-0.8660254, -0.8660254}}, 2e-6)
}

func TestGiGPOFromGroupsMatches(t *testing.T) {
	sg, _, err := AnchorGroups(gAnchor, gIndex)
	if err != nil {
		t.Fatal(err)
	}
	a, err := GiGPOFromGroups(gRewards, gStep, gMask, gIndex, gTraj, sg, DefaultGiGPOOptions())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := GiGPO(gRewards, gStep, gMask, gAnchor, gIndex, gTraj, DefaultGiGPOOptions())
	checkMatrix(t, "from groups", a, b, 0)
}

func TestGiGPOStepPartSumsToZero(t *testing.T) {
	// Property: with zero token rewards the episode part vanishes, and the
	// step part (mean_norm) sums to zero over every anchor group.
	rng := rand.New(rand.NewSource(3))
	const b = 64
	rw := make([][]float64, b)
	m := make([][]float64, b)
	step := make([]float64, b)
	obs := make([]string, b)
	idx := make([]string, b)
	tr := make([]string, b)
	for i := range rw {
		rw[i] = []float64{0}
		m[i] = []float64{1}
		step[i] = rng.NormFloat64()
		obs[i] = fmt.Sprint("s", rng.Intn(4))
		idx[i] = fmt.Sprint("u", rng.Intn(3))
		tr[i] = fmt.Sprint(i)
	}
	got, err := GiGPO(rw, step, m, obs, idx, tr, DefaultGiGPOOptions())
	if err != nil {
		t.Fatal(err)
	}
	sum := map[string]float64{}
	for i := range got {
		sum[idx[i]+"/"+obs[i]] += got[i][0]
	}
	for k, s := range sum {
		if math.Abs(s) > 1e-12 {
			t.Errorf("anchor group %s: advantages sum to %v", k, s)
		}
	}
}

func TestShapeErrors(t *testing.T) {
	_, err := GRPO([][]float64{{1, 2}}, [][]float64{{1}}, []string{"u"}, []string{"a"}, DefaultGRPOOptions())
	if err == nil || !strings.Contains(err.Error(), "response_mask row 0 has 1 values, token_level_rewards has 2") {
		t.Errorf("ragged mismatch: got %v", err)
	}
	_, err = GRPO([][]float64{{1}}, [][]float64{{1}}, []string{"u", "v"}, []string{"a"}, DefaultGRPOOptions())
	if err == nil || !strings.Contains(err.Error(), "index has 2 entries") {
		t.Errorf("index length: got %v", err)
	}
	_, err = GRPO([][]float64{{math.Inf(1)}}, [][]float64{{1}}, []string{"u"}, []string{"a"}, DefaultGRPOOptions())
	if err == nil {
		t.Error("infinite reward: want an error")
	}
	_, err = GRPO([][]float64{{1}}, [][]float64{{math.NaN()}}, []string{"u"}, []string{"a"}, DefaultGRPOOptions())
	if err == nil {
		t.Error("NaN mask: want an error")
	}
	o := DefaultGiGPOOptions()
	o.Mode = 7
	if _, err := GiGPO(gRewards, gStep, gMask, gAnchor, gIndex, gTraj, o); err == nil {
		t.Error("unknown mode: want an error")
	}
}

func TestInputsNotModified(t *testing.T) {
	rw := [][]float64{{1, 2}, {3, 4}}
	m := [][]float64{{1, 1}, {1, 0}}
	_, err := GiGPO(rw, []float64{1, 2}, m, []string{"x", "x"}, []string{"u", "u"}, []string{"a", "b"}, DefaultGiGPOOptions())
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(rw, m) != "[[1 2] [3 4]] [[1 1] [1 0]]" {
		t.Errorf("inputs modified: %v %v", rw, m)
	}
}

func ExampleGiGPO() {
	// Two trajectories of one prompt group; both visit anchor state "s0",
	// trajectory a succeeds (episode reward 1 on its last step).
	tokenLevelRewards := [][]float64{{0, 0}, {0, 1}, {0, 0}, {0, 0}}
	responseMask := [][]float64{{1, 1}, {1, 1}, {1, 1}, {1, 0}}
	anchorObs := []string{"s0", "s1", "s0", "s2"}
	index := []string{"u", "u", "u", "u"}
	trajIndex := []string{"a", "a", "b", "b"}
	stepRewards, _ := StepDiscountedReturns([]float64{0, 1, 0, 0}, trajIndex, 0.5)
	adv, _ := GiGPO(tokenLevelRewards, stepRewards, responseMask, anchorObs, index, trajIndex, DefaultGiGPOOptions())
	fmt.Println(stepRewards)
	fmt.Println(adv)
	// Output:
	// [0.5 1 0 0]
	// [[0 0] [0.75 0.75] [-0.5 -0.5] [-0.25 0]]
}
