package verl

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/credo-rl/credo/internal/groups"
)

// Group "a" has scores 1, 2, 3 (mean 2, unbiased std sqrt((1+0+1)/2) = 1);
// group "b" is a singleton with score 4; group "c" is all-equal (5, 5).
// Row 1 has its reward on a padding position: it still counts in the score.
var (
	grpoRewards = [][]float64{
		{0, 1, 0},
		{1, 0, 1},
		{0, 0, 3},
		{4},
		{2, 3},
		{5, 0},
	}
	grpoMask = [][]float64{
		{1, 1, 0},
		{1, 1, 0},
		{1, 1, 1},
		{1},
		{1, 1},
		{1, 0},
	}
	grpoIndex = []string{"a", "a", "a", "b", "c", "c"}
)

func TestGRPOHand(t *testing.T) {
	e := 1e-6
	adv, ret, err := GRPO(grpoRewards, grpoMask, grpoIndex, DefaultGRPOOptions())
	if err != nil {
		t.Fatal(err)
	}
	want := [][]float64{
		{-1 / (1 + e), -1 / (1 + e), 0}, // (1-2)/(1+eps), padding masked
		{0, 0, 0},                       // (2-2)
		{1 / (1 + e), 1 / (1 + e), 1 / (1 + e)},
		{4 / (1 + e)}, // singleton: mean 0, std 1
		{0, 0},        // all-equal group
		{0, 0},
	}
	assertRows(t, "advantages", adv, want, 1e-12)
	assertRows(t, "returns", ret, want, 1e-12)

	opt := DefaultGRPOOptions()
	opt.NormByStd = false // Dr.GRPO: s - mean
	adv, _, err = GRPO(grpoRewards, grpoMask, grpoIndex, opt)
	if err != nil {
		t.Fatal(err)
	}
	want = [][]float64{{-1, -1, 0}, {0, 0, 0}, {1, 1, 1}, {4}, {0, 0}, {0, 0}}
	assertRows(t, "Dr.GRPO advantages", adv, want, 1e-12)
}

func TestGRPOScalarMatchesTokenLevel(t *testing.T) {
	g, n := groups.Index(grpoIndex)
	scores := []float64{1, 2, 3, 4, 5, 5}
	a, err := GRPOScalar(scores, g, n, DefaultGRPOOptions())
	if err != nil {
		t.Fatal(err)
	}
	adv, _, _ := GRPO(grpoRewards, grpoMask, grpoIndex, DefaultGRPOOptions())
	for i := range adv {
		for j, m := range grpoMask[i] {
			if adv[i][j] != a[i]*m {
				t.Errorf("row %d pos %d: token %v != scalar %v * mask %v", i, j, adv[i][j], a[i], m)
			}
		}
	}
}

func TestGRPOValidation(t *testing.T) {
	_, _, err := GRPO(grpoRewards, [][]float64{{1, 1, 0}, {1, 1}, {1, 1, 1}, {1}, {1, 1}, {1, 0}}, grpoIndex, DefaultGRPOOptions())
	wantErr(t, err, "response_mask row 1 has 2 values, token_level_rewards has 3")
	_, _, err = GRPO(grpoRewards, grpoMask, grpoIndex[:5], DefaultGRPOOptions())
	wantErr(t, err, "index has 5 ids")
	bad := [][]float64{{0, math.NaN(), 0}, {1, 0, 1}, {0, 0, 3}, {4}, {2, 3}, {5, 0}}
	_, _, err = GRPO(bad, grpoMask, grpoIndex, DefaultGRPOOptions())
	wantErr(t, err, "token_level_rewards row 0")
	badMask := [][]float64{{1, 1, 0}, {1, 1, 0}, {1, math.Inf(1), 1}, {1}, {1, 1}, {1, 0}}
	_, _, err = GRPO(grpoRewards, badMask, grpoIndex, DefaultGRPOOptions())
	wantErr(t, err, "response_mask row 2")
	_, err = GRPOScalar([]float64{1, 2}, []int{0, 2}, 2, DefaultGRPOOptions())
	wantErr(t, err, "group id of row 1 is 2")
}

func TestGRPODoesNotModifyInputs(t *testing.T) {
	r := [][]float64{{1, 2}, {3, 4}}
	m := [][]float64{{1, 1}, {1, 0}}
	if _, _, err := GRPO(r, m, []string{"x", "x"}, DefaultGRPOOptions()); err != nil {
		t.Fatal(err)
	}
	if r[0][0] != 1 || r[1][1] != 4 || m[1][1] != 0 {
		t.Fatalf("inputs modified: %v %v", r, m)
	}
}

// Property: within every group of size > 1, GRPO scalars sum to zero and
// (with NormByStd) have unbiased std std_s/(std_s+eps), std_s being the
// unbiased std of the group's scores.
func TestGRPOProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for trial := 0; trial < 50; trial++ {
		n := 1 + rng.IntN(6)
		B := 2 + rng.IntN(40)
		g := make([]int, B)
		s := make([]float64, B)
		for i := range g {
			g[i] = rng.IntN(n)
			s[i] = rng.NormFloat64() * 3
		}
		a, err := GRPOScalar(s, g, n, DefaultGRPOOptions())
		if err != nil {
			t.Fatal(err)
		}
		for k := 0; k < n; k++ {
			var xs []float64
			for i := range g {
				if g[i] == k {
					xs = append(xs, a[i])
				}
			}
			if len(xs) < 2 {
				continue
			}
			sum, sq, ssum, ssq := 0.0, 0.0, 0.0, 0.0
			for i := range g {
				if g[i] == k {
					ssum += s[i]
				}
			}
			for i := range g {
				if g[i] == k {
					d := s[i] - ssum/float64(len(xs))
					ssq += d * d
				}
			}
			ssd := math.Sqrt(ssq / float64(len(xs)-1))
			for _, x := range xs {
				sum += x
			}
			for _, x := range xs {
				sq += (x - sum/float64(len(xs))) * (x - sum/float64(len(xs)))
			}
			if math.Abs(sum) > 1e-9 {
				t.Fatalf("trial %d group %d: advantages sum to %g", trial, k, sum)
			}
			if sd, want := math.Sqrt(sq/float64(len(xs)-1)), ssd/(ssd+1e-6); math.Abs(sd-want) > 1e-9 {
				t.Fatalf("trial %d group %d: advantage std %g, want std/(std+eps) = %g", trial, k, sd, want)
			}
		}
	}
}

// Group scores 0 and 1e-4: n=2, mean 5e-5, unbiased variance 5e-9.
// verl.grpo: std = sqrt(5e-9) = 7.0711e-5, A = ±5e-5/(7.0711e-5 + 1e-6) = ±0.697246.
// verl.grpo_vectorized: the variance is floored at eps = 1e-6, std = 1e-3,
// A = ±5e-5/(1e-3 + 1e-6) = ±0.04995005 (the under-scaling defect).
func TestGRPOVectorizedFloorAndCorrected(t *testing.T) {
	r := [][]float64{{0}, {1e-4}}
	m := [][]float64{{1}, {1}}
	idx := []string{"u", "u"}
	faithful, _, err := GRPOVectorized(r, m, idx, DefaultGRPOVectorizedOptions())
	if err != nil {
		t.Fatal(err)
	}
	w := 5e-5 / (1e-3 + 1e-6)
	// The faithful statistics are computed in float32 like the reference
	// (scores 1e-4 rounds to 9.99999974738e-05): agreement to float32 precision.
	assertRows(t, "faithful", faithful, [][]float64{{-w}, {w}}, 1e-8)

	opt := DefaultGRPOVectorizedOptions()
	opt.Corrected = true
	corr, _, err := GRPOVectorized(r, m, idx, opt)
	if err != nil {
		t.Fatal(err)
	}
	w = 5e-5 / (math.Sqrt(5e-9) + 1e-6)
	assertRows(t, "corrected", corr, [][]float64{{-w}, {w}}, 1e-9)
	ref, _, _ := GRPO(r, m, idx, DefaultGRPOOptions())
	assertRows(t, "corrected vs GRPO", corr, ref, 0)

	// Away from the floor the two agree, and singletons follow GRPO.
	adv, _, _ := GRPOVectorized(grpoRewards, grpoMask, grpoIndex, DefaultGRPOVectorizedOptions())
	ref, _, _ = GRPO(grpoRewards, grpoMask, grpoIndex, DefaultGRPOOptions())
	// all-equal group "c": var floored to 1e-6 but s - mean = 0, so still 0.
	// (float32 statistics: agreement to float32 precision)
	assertRows(t, "vectorized vs GRPO", adv, ref, 1e-5)
}

// Group "p": scores 1, 3, 3, 2 -> max 3 at the first of the tied rows, second 3,
// advantage 0. Group "q": scores 0, 2, 1 -> max 2 (row 5), second 1, unbiased
// std of {0,2,1} is 1 -> 1/(1+eps).
func TestGRPOPassKHand(t *testing.T) {
	r := [][]float64{{1}, {3}, {3}, {2}, {0}, {2}, {1}}
	m := [][]float64{{1}, {1}, {1}, {1}, {1}, {1}, {1}}
	idx := []string{"p", "p", "p", "p", "q", "q", "q"}
	adv, _, err := GRPOPassK(r, m, idx, DefaultGRPOOptions())
	if err != nil {
		t.Fatal(err)
	}
	assertRows(t, "passk", adv, [][]float64{{0}, {0}, {0}, {0}, {0}, {1 / (1 + 1e-6)}, {0}}, 1e-12)
	opt := DefaultGRPOOptions()
	opt.NormByStd = false
	adv, _, _ = GRPOPassK([][]float64{{0}, {2}, {1}}, [][]float64{{1}, {1}, {1}}, []string{"q", "q", "q"}, opt)
	assertRows(t, "passk nonorm", adv, [][]float64{{0}, {1}, {0}}, 0)

	_, _, err = GRPOPassK(r, m, []string{"p", "p", "p", "p", "q", "q", "z"}, opt)
	wantErr(t, err, `group "z" has 1`)
}

func ExampleGRPO() {
	// Two prompts, uid "a" sampled 3 times and uid "b" once. The outcome
	// reward sits on the last valid token; padding is masked out.
	rewards := [][]float64{
		{0, 1, 0},
		{0, 0, 0},
		{0, 0, 1},
		{0, 1},
	}
	mask := [][]float64{
		{1, 1, 0},
		{1, 1, 1},
		{1, 1, 1},
		{1, 1},
	}
	adv, _, err := GRPO(rewards, mask, []string{"a", "a", "a", "b"}, DefaultGRPOOptions())
	if err != nil {
		panic(err)
	}
	for _, row := range adv {
		fmt.Printf("%.4f\n", row)
	}
	// Group a: scores 1, 0, 1, mean 2/3, unbiased std sqrt(1/3) = 0.577350;
	// (1/3)/(0.577350+1e-6) = 0.577349 and (-2/3)/(0.577350+1e-6) = -1.154698.
	// Group b is a singleton and keeps its score 1/(1+1e-6).
	// Output:
	// [0.5773 0.5773 0.0000]
	// [-1.1547 -1.1547 -1.1547]
	// [0.5773 0.5773 0.5773]
	// [1.0000 1.0000]
}

// as_torch_index: ids that all parse as integers are grouped by value, so
// "1", "01" and " +1" form one group {1, 2, 3}: mean 2, one-pass variance
// (14 - 36/3)/2 = 1, A = (s-2)/(1+1e-6). With StringIDs they are three
// singletons: A = s/(1+1e-6). A negative integer id is rejected (index_add_
// raises in the reference); one non-integer id makes all ids strings.
func TestGRPOVectorizedNumericIDs(t *testing.T) {
	r := [][]float64{{1}, {2}, {3}}
	m := [][]float64{{1}, {1}, {1}}
	e := 1 / (1 + 1e-6)
	adv, _, err := GRPOVectorized(r, m, []string{"1", "01", " +1"}, DefaultGRPOVectorizedOptions())
	if err != nil {
		t.Fatal(err)
	}
	assertRows(t, "numeric", adv, [][]float64{{-e}, {0}, {e}}, 1e-6)
	opt := DefaultGRPOVectorizedOptions()
	opt.StringIDs = true
	adv, _, err = GRPOVectorized(r, m, []string{"1", "01", " +1"}, opt)
	if err != nil {
		t.Fatal(err)
	}
	assertRows(t, "strings", adv, [][]float64{{e}, {2 * e}, {3 * e}}, 1e-6)
	adv, _, err = GRPOVectorized(r, m, []string{"1", "01", "x"}, DefaultGRPOVectorizedOptions())
	if err != nil {
		t.Fatal(err)
	}
	assertRows(t, "mixed ids are strings", adv, [][]float64{{e}, {2 * e}, {3 * e}}, 1e-6)
	_, _, err = GRPOVectorized(r, m, []string{"-1", "0", "2"}, DefaultGRPOVectorizedOptions())
	wantErr(t, err, "negative integer id")
}

func TestParsePyInt(t *testing.T) {
	for _, c := range []struct {
		s  string
		v  int64
		ok bool
	}{
		{"1", 1, true}, {"01", 1, true}, {" 7 ", 7, true}, {"+3", 3, true}, {"-12", -12, true},
		{"1_000", 1000, true}, {"9223372036854775807", math.MaxInt64, true},
		{"-9223372036854775808", math.MinInt64, true},
		{"9223372036854775808", 0, false}, {"1.0", 0, false}, {"", 0, false}, {"_1", 0, false},
		{"1__0", 0, false}, {"1_", 0, false}, {"0x10", 0, false}, {"uid-001", 0, false}, {"+", 0, false},
	} {
		v, ok := parsePyInt(c.s)
		if ok != c.ok || v != c.v {
			t.Errorf("parsePyInt(%q) = %d, %v; want %d, %v", c.s, v, ok, c.v, c.ok)
		}
	}
}

// Scores 1e4 and 10001 in float32: S2 = f32(1e8 + f32(10001²) = 100020000)
// = 200020000 and f32(S1²)/2 = f32(400040001)/2 = 200020000, so the one-pass
// variance is 0, floored to 1e-6: std = 1e-3 and A = ∓0.5/(1e-3 + 1e-6),
// where float64 statistics (variance 0.5) would give ∓0.707.
func TestGRPOVectorizedFloat32Cancellation(t *testing.T) {
	adv, _, err := GRPOVectorized([][]float64{{1e4}, {10001}}, [][]float64{{1}, {1}}, []string{"x", "x"}, DefaultGRPOVectorizedOptions())
	if err != nil {
		t.Fatal(err)
	}
	w := 0.5 / (1e-3 + 1e-6)
	assertRows(t, "advantages", adv, [][]float64{{-w}, {w}}, 1e-5*w)
}
