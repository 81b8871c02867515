package group

import "testing"

// R = R_f + R_o + R_o·R_t:
//
//	[1 + 1 + 1·0.5, 0 + 1 + 1·0.8, 1 + 0 + 0·0.9] = [2.5, 1.8, 1.0]
func TestPosteriorHand(t *testing.T) {
	r, err := PosteriorRewards([]float64{1, 0, 1}, []float64{1, 1, 0}, []float64{0.5, 0.8, 0.9})
	if err != nil {
		t.Fatal(err)
	}
	assertVec(t, "with format", r, []float64{2.5, 1.8, 1.0}, 1e-15)
	r, err = PosteriorRewards(nil, []float64{1, 0}, []float64{0.5, 0.9})
	if err != nil {
		t.Fatal(err)
	}
	// The thinking reward of the failed response does not count.
	assertVec(t, "no format", r, []float64{1.5, 0}, 1e-15)
	_, err = PosteriorRewards([]float64{1}, []float64{1, 0}, []float64{0.5, 0.9})
	assertErr(t, "format length", err)
	_, err = PosteriorRewards(nil, []float64{1, nan()}, []float64{0.5, 0.9})
	assertErr(t, "NaN outcome", err)
}
