package igpo

import (
	"math"
	"testing"
)

// Belief of a two-token answer with log-probs log 0.25 and log 1: the
// geometric mean sqrt(0.25·1) = 0.5.
func TestBelief(t *testing.T) {
	b, err := Belief([]float64{math.Log(0.25), 0})
	if err != nil || math.Abs(b-0.5) > 1e-15 {
		t.Fatalf("Belief = %v, %v", b, err)
	}
	if _, err := Belief(nil); err == nil {
		t.Fatal("empty answer accepted")
	}
	if _, err := Belief([]float64{0.1}); err == nil {
		t.Fatal("positive log-prob accepted")
	}
}

// b0 = 0.1, beliefs after three turns 0.3, 0.25, 0.9: the non-final turns get
// 0.3-0.1 = 0.2 and 0.25-0.3 = -0.05; the third (final) turn gets F1 instead.
// The gains telescope: their sum is b_{T-1} - b_0.
func TestInformationGain(t *testing.T) {
	got, err := InformationGain(0.1, []float64{0.3, 0.25, 0.9})
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{0.2, -0.05}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-15 {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	if s := got[0] + got[1]; math.Abs(s-(0.25-0.1)) > 1e-15 {
		t.Fatalf("gains do not telescope: %v", s)
	}
	if g, _ := InformationGain(0.5, []float64{0.7}); g != nil {
		t.Fatalf("single turn: %v", g)
	}
	if _, err := InformationGain(0.5, []float64{1.5, 0}); err == nil {
		t.Fatal("belief > 1 accepted")
	}
}
