package token

import "testing"

func TestOREOHand(t *testing.T) {
	r := [][]float64{{0, 0, 1}}
	v := [][]float64{{0.5, 0.6, 0.8}}
	lp := [][]float64{{-1, -1, -1}}
	ref := [][]float64{{-1.2, -0.8, -1}}
	// β = 0.5: ℓ = [0.1, −0.1, 0].
	// soft: t2 = 1 − 0.8 = 0.2; t1 = 0.8 − 0.6 + 0.1 = 0.3; t0 = 0.6 − 0.5 − 0.1 = 0.
	// td: [0.1, 0.2, 0.2]. returns: G2 = 1, G1 = 1 + 0.1 = 1.1, G0 = 1.1 − 0.1 = 1.
	a, g, err := OREO(r, v, lp, ref, nil, 0.5, OREOSoft)
	if err != nil {
		t.Fatal(err)
	}
	assertRows(t, "soft", a, [][]float64{{0, 0.3, 0.2}})
	assertRows(t, "returns", g, [][]float64{{1, 1.1, 1}})
	a, _, _ = OREO(r, v, lp, ref, nil, 0.5, OREOTD)
	assertRows(t, "td", a, [][]float64{{0.1, 0.2, 0.2}})
	// Masked middle token: skipped; t0 bootstraps from V2: 0 + 0.8 − 0.5 − 0.1 = 0.2.
	a, g, _ = OREO(r, v, lp, ref, [][]float64{{1, 0, 1}}, 0.5, OREOSoft)
	assertRows(t, "soft masked", a, [][]float64{{0.2, 0, 0.2}})
	assertRows(t, "returns masked", g, [][]float64{{0.9, 0, 1}})
	if _, _, err := OREO(r, v, lp, ref, nil, 0.5, "hard"); err == nil {
		t.Fatal("unknown mode: want an error")
	}
}

// Values that satisfy the soft Bellman equation (V_t = G_t) give zero soft
// advantages everywhere.
func TestOREOConsistentValuesGiveZero(t *testing.T) {
	s := lcg(13)
	lens := []int{5, 8}
	r, lp, ref := randRows(&s, lens, -1, 1), randRows(&s, lens, -3, 0), randRows(&s, lens, -3, 0)
	zero := randRows(&s, lens, 0, 0)
	_, g, err := OREO(r, zero, lp, ref, nil, 0.4, OREOSoft)
	if err != nil {
		t.Fatal(err)
	}
	a, _, err := OREO(r, g, lp, ref, nil, 0.4, OREOSoft)
	if err != nil {
		t.Fatal(err)
	}
	assertRows(t, "soft residual", a, zero)
}
