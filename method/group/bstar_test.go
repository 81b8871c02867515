package group

import (
	"math"
	"testing"
)

// bs = min(n′/n*, 1) · n′/n:
//
//	n′ = 2, n = 4, n* = 4: 0.5 · 0.5 = 0.25
//	n′ = 5, n = 5, n* = 4: 1 · 1 = 1
//	n′ = 3, n = 6, n* = 2: 1 · 0.5 = 0.5
func TestBalanceScoreHand(t *testing.T) {
	for _, c := range []struct {
		u, n       int
		star, want float64
	}{{2, 4, 4, 0.25}, {5, 5, 4, 1}, {3, 6, 2, 0.5}, {0, 3, 4, 0}, {0, 0, 4, 0}} {
		if got := BalanceScore(c.u, c.n, c.star); !near(got, c.want, 1e-15) {
			t.Fatalf("BalanceScore(%d, %d, %v) = %v, want %v", c.u, c.n, c.star, got, c.want)
		}
	}
}

// One query: answers x (correct, reward 0.9), x (correct, 0.8), y (correct,
// 0.3), z (wrong, 0.7), w (wrong, 0.1); n* = 2.
//
//	τ = 0.5: kept {x, x, z} → n = 3, unique correct {x} → n′ = 1: 0.5 · 1/3 = 1/6
//	τ = 0.2: kept {x, x, y, z} → n = 4, n′ = 2: 1 · 2/4 = 0.5
//	τ = -Inf: all 5 kept, n′ = 2: 1 · 2/5 = 0.4
func TestBStarQueryScore(t *testing.T) {
	q := []BStarSample{{"x", true, 0.9}, {"x", true, 0.8}, {"y", true, 0.3}, {"z", false, 0.7}, {"w", false, 0.1}}
	for _, c := range []struct{ tau, want float64 }{{0.5, 1.0 / 6}, {0.2, 0.5}, {math.Inf(-1), 0.4}} {
		if got := BStarQueryScore(q, c.tau, 2); !near(got, c.want, 1e-15) {
			t.Fatalf("τ = %v: %v, want %v", c.tau, got, c.want)
		}
	}
}

// Two temperatures over two queries, thresholds {0.2, 0.5}, n* = 2.
//
//	t = 0.7: q1 = the query above (0.5 at τ 0.2, 1/6 at τ 0.5);
//	         q2 = [a ✓ 0.6, a ✓ 0.6] → n′ = 1, n = 2: 0.5·0.5 = 0.25 at both τ
//	         averages: τ 0.2 → 0.375, τ 0.5 → (1/6 + 0.25)/2 = 0.2083333
//	t = 1.0: q1 = [a ✓ 0.9, b ✓ 0.8, c ✗ 0.1] → τ 0.2: n′ 2, n 2: 1; τ 0.5: same 1
//	         q2 = [a ✗ 0.9] → 0
//	         averages: 0.5 at both τ
//
// Best: t = 1.0, τ = 0.2 (first of the tie), score 0.5.
func TestBStarChoose(t *testing.T) {
	q1 := []BStarSample{{"x", true, 0.9}, {"x", true, 0.8}, {"y", true, 0.3}, {"z", false, 0.7}, {"w", false, 0.1}}
	pools := []BStarPool{
		{Temperature: 0.7, Queries: [][]BStarSample{q1, {{"a", true, 0.6}, {"a", true, 0.6}}}},
		{Temperature: 1.0, Queries: [][]BStarSample{{{"a", true, 0.9}, {"b", true, 0.8}, {"c", false, 0.1}}, {{"a", false, 0.9}}}},
	}
	c, err := BStarChoose(pools, []float64{0.2, 0.5}, 2)
	if err != nil {
		t.Fatal(err)
	}
	assertVec(t, "t 0.7", c.Scores[0], []float64{0.375, 0.2083333}, 1e-6)
	assertVec(t, "t 1.0", c.Scores[1], []float64{0.5, 0.5}, 1e-15)
	if c.Pool != 1 || c.Threshold != 0 || c.Temperature != 1.0 || c.Tau != 0.2 || c.Score != 0.5 {
		t.Fatalf("choice %+v", c)
	}
	_, err = BStarChoose(nil, []float64{0}, 2)
	assertErr(t, "no pools", err)
	_, err = BStarChoose(pools, nil, 2)
	assertErr(t, "no thresholds", err)
	_, err = BStarChoose(pools, []float64{0}, 0)
	assertErr(t, "n* = 0", err)
	_, err = BStarChoose([]BStarPool{{Temperature: 1}}, []float64{0}, 2)
	assertErr(t, "empty pool", err)
}
