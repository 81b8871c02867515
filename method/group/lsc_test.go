package group

import (
	"math"
	"testing"
)

// log σ(0) = -log 2 = -0.6931472. Two channels with r = [2, -1], ref = [1, 0]:
// log σ(1) + log σ(-1) = -0.3132617 - 1.3132617 = -1.6265234.
func TestLSCHand(t *testing.T) {
	u, err := LSC([][]float64{{0, 2}, {0, -1}}, [][]float64{{0, 1}, {0, 0}})
	if err != nil {
		t.Fatal(err)
	}
	assertVec(t, "u", u, []float64{-2 * 0.6931472, -1.6265234}, 1e-6)
}

// Properties: log σ(x) - log σ(-x) = x; log σ < 0 and increasing; no
// overflow far in the tails.
func TestLogSigmoid(t *testing.T) {
	for _, x := range []float64{-30, -3, -0.5, 0, 0.5, 3, 30} {
		if !near(logSigmoid(x)-logSigmoid(-x), x, 1e-12) {
			t.Fatalf("log σ(%v) - log σ(%v) != %v", x, -x, x)
		}
		if logSigmoid(x) >= 0 || logSigmoid(x) >= logSigmoid(x+0.1) {
			t.Fatalf("log σ not negative and increasing at %v", x)
		}
	}
	if got := logSigmoid(-1000); got != -1000 {
		t.Fatalf("log σ(-1000) = %v, want -1000", got)
	}
	if got := logSigmoid(1000); got != 0 || math.IsNaN(got) {
		t.Fatalf("log σ(1000) = %v, want 0", got)
	}
}

// numpy.quantile([1,2,3,4], 0.85): position 0.85·3 = 2.55 → 3 + 0.55·(4-3) = 3.55.
func TestQuantile(t *testing.T) {
	q, err := Quantile([]float64{4, 1, 3, 2}, 0.85)
	if err != nil || !near(q, 3.55, 1e-12) {
		t.Fatalf("quantile = %v, %v; want 3.55", q, err)
	}
	for _, c := range []struct{ q, want float64 }{{0, 1}, {1, 4}, {0.5, 2.5}} {
		if q, _ := Quantile([]float64{4, 1, 3, 2}, c.q); q != c.want {
			t.Fatalf("quantile(%v) = %v, want %v", c.q, q, c.want)
		}
	}
	_, err = Quantile(nil, 0.5)
	assertErr(t, "empty", err)
	_, err = Quantile([]float64{1}, 1.5)
	assertErr(t, "q > 1", err)
	refs, err := GroupQuantileRefs([]float64{1, 2, 3, 4, 10}, []string{"a", "a", "a", "a", "b"}, 0.85)
	if err != nil {
		t.Fatal(err)
	}
	assertVec(t, "group refs", refs, []float64{3.55, 3.55, 3.55, 3.55, 10}, 1e-12)
}

func TestLSCErrors(t *testing.T) {
	_, err := LSC(nil, nil)
	assertErr(t, "no channels", err)
	_, err = LSC([][]float64{{1}}, [][]float64{{1}, {2}})
	assertErr(t, "ref count", err)
	_, err = LSC([][]float64{{1, 2}, {1}}, [][]float64{{1, 2}, {1}})
	assertErr(t, "ragged channel", err)
	_, err = LSC([][]float64{{1, nan()}}, [][]float64{{1, 2}})
	assertErr(t, "NaN reward", err)
}
