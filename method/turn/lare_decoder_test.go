package turn

import (
	"math"
	"strings"
	"testing"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Three episodes with two latent factors per step:
//
//	episode 1: z = (1,0), (0,1)   Z = (1,1)   R = 3
//	episode 2: z = (1,0), (1,0)   Z = (2,0)   R = 2
//	episode 3: z = (0,1)          Z = (0,1)   R = 2
//
// Normal equations: ZᵀZ = [[5,1],[1,2]], ZᵀR = (7,5).
// λ = 0: det = 9, w = ((7·2 − 1·5)/9, (5·5 − 1·7)/9) = (1, 2); every episode
// is fitted exactly (1+2 = 3, 2·1 = 2, 2 = 2).
// λ = 1: [[6,1],[1,3]], det = 17, w = ((7·3 − 5)/17, (6·5 − 7)/17) = (16/17, 23/17).
func lareExample() ([][][]float64, []float64) {
	return [][][]float64{
		{{1, 0}, {0, 1}},
		{{1, 0}, {1, 0}},
		{{0, 1}},
	}, []float64{3, 2, 2}
}

func TestLaReFitDecoderHand(t *testing.T) {
	z, R := lareExample()
	for _, c := range []struct {
		lambda float64
		want   []float64
	}{{0, []float64{1, 2}}, {1, []float64{16.0 / 17, 23.0 / 17}}} {
		w, err := LaReFitDecoder(z, R, c.lambda)
		if err != nil {
			t.Fatal(err)
		}
		for j := range c.want {
			if math.Abs(w[j]-c.want[j]) > 1e-12 {
				t.Fatalf("lambda %v: w = %v, want %v", c.lambda, w, c.want)
			}
		}
	}
	// One factor: w = Σ Z R / Σ Z² = (3·6 + 1·2 + 4·8)/(9 + 1 + 16) = 52/26 = 2,
	// and with λ = 1, 52/27.
	z1 := [][][]float64{{{1}, {2}}, {{1}}, {{2}, {2}}}
	R1 := []float64{6, 2, 8}
	for lambda, want := range map[float64]float64{0: 2, 1: 52.0 / 27} {
		w, err := LaReFitDecoder(z1, R1, lambda)
		if err != nil || math.Abs(w[0]-want) > 1e-12 {
			t.Fatalf("lambda %v: w = %v (%v), want %v", lambda, w, err, want)
		}
	}
	// Decoded step scores with w = (1, 2): the factor vectors dotted with w.
	w, _ := LaReFitDecoder(z, R, 0)
	s, err := LaReDecode(w, z)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]float64{{1, 2}, {1, 1}, {2}}
	for i := range want {
		for k := range want[i] {
			if math.Abs(s[i][k]-want[i][k]) > 1e-12 {
				t.Fatalf("scores %v, want %v", s, want)
			}
		}
	}
}

// Property: when the returns are exactly linear in the factor sums
// (R_i = w*·Z_i) and the sums have full rank, least squares recovers w* and
// the raw decoded rewards of every episode sum to its return (the return
// decomposition objective is 0).
func TestLaReFitDecoderRecoversLinearReturns(t *testing.T) {
	wStar := []float64{0.5, -1, 2}
	z := [][][]float64{
		{{1, 0, 0}, {0, 1, 1}},
		{{0, 2, 0}},
		{{1, 1, 1}, {0, 0, 3}, {2, 0, 0}},
		{{0, 0, 1}},
		{{3, 1, 0}, {1, 1, 1}},
	}
	R := make([]float64, len(z))
	for i, ep := range z {
		for _, v := range ep {
			for j, x := range v {
				R[i] += wStar[j] * x
			}
		}
	}
	w, err := LaReFitDecoder(z, R, 0)
	if err != nil {
		t.Fatal(err)
	}
	for j := range wStar {
		if math.Abs(w[j]-wStar[j]) > 1e-10 {
			t.Fatalf("w = %v, want %v", w, wStar)
		}
	}
	s, _ := LaReDecode(w, z)
	for i := range s {
		sum := 0.0
		for _, x := range s[i] {
			sum += x
		}
		if math.Abs(sum-R[i]) > 1e-10 {
			t.Fatalf("episode %d: decoded rewards sum to %v, return %v", i, sum, R[i])
		}
	}
}

func TestLaReFitDecoderErrors(t *testing.T) {
	// Collinear factor sums without ridge: an error that says to set ridge.
	z := [][][]float64{{{1, 2}}, {{2, 4}}}
	if _, err := LaReFitDecoder(z, []float64{1, 2}, 0); err == nil || !strings.Contains(err.Error(), "ridge") {
		t.Fatalf("err = %v", err)
	}
	if _, err := LaReFitDecoder(z, []float64{1, 2}, 0.5); err != nil {
		t.Fatalf("ridge > 0 must fit: %v", err)
	}
	if _, err := LaReFitDecoder([][][]float64{{{1, 2}}, {{1}}}, []float64{1, 2}, 1); err == nil {
		t.Fatal("ragged factors must fail")
	}
	if _, err := LaReFitDecoder(z, []float64{1, math.NaN()}, 1); err == nil {
		t.Fatal("NaN return must fail")
	}
	if _, err := LaReFitDecoder(z, []float64{1, 2}, -1); err == nil {
		t.Fatal("negative ridge must fail")
	}
}

// The "lare" method with decoder=ridge does the whole mechanism from the
// encoder's factors (steps[].values.z0, z1): fit, decode, redistribute.
// On the example above with ridge = 1 (w = (16/17, 23/17)), additive mode,
// gamma 1, norm none:
//
//	episode 1: scores (16/17, 23/17), sum 39/17, R = 3 = 51/17,
//	           shift (51 − 39)/17/2 = 6/17 → rewards (22/17, 29/17);
//	           turn returns (51/17, 29/17).
//	episode 2: scores (16/17, 16/17), sum 32/17, R = 34/17, shift 1/17 →
//	           rewards (17/17, 17/17) = (1, 1); returns (2, 1).
//	episode 3: score 23/17, R = 2: reward 2; return 2.
//
// Each turn's return is spread over its tokens.
func TestLaReMethodRidgeDecoder(t *testing.T) {
	z, R := lareExample()
	b := &rollout.Batch{}
	for i, ep := range z {
		tr := &rollout.Trajectory{ID: string(rune('a' + i)), Group: "g", Tokens: make([]int64, 2*len(ep)),
			Rewards: map[string]float64{"outcome": R[i]}}
		for k, f := range ep {
			tr.Steps = append(tr.Steps, rollout.Step{Start: 2 * k, End: 2*k + 2, Kind: "turn",
				Values: map[string]float64{"z0": f[0], "z1": f[1]}})
		}
		b.Trajectories = append(b.Trajectories, tr)
	}
	if err := credit.Assign(b, "lare", "decoder=ridge", "ridge=1", "mode=additive", "norm=none", "gamma=1"); err != nil {
		t.Fatal(err)
	}
	want := [][]float64{
		{51.0 / 17, 51.0 / 17, 29.0 / 17, 29.0 / 17},
		{2, 2, 1, 1},
		{2, 2},
	}
	for i, tr := range b.Trajectories {
		for u := range want[i] {
			if math.Abs(tr.Advantages[u]-want[i][u]) > 1e-12 {
				t.Fatalf("%s: advantages %v, want %v", tr.ID, tr.Advantages, want[i])
			}
		}
	}
	// raw mode, ridge = 0 (w = (1, 2)): rewards are the decoded scores,
	// episode 1 (1, 2) → returns (3, 2).
	if err := credit.Assign(b, "lare", "decoder=ridge", "ridge=0", "mode=raw", "norm=none"); err != nil {
		t.Fatal(err)
	}
	if got := b.Trajectories[0].Advantages; math.Abs(got[0]-3) > 1e-12 || math.Abs(got[2]-2) > 1e-12 {
		t.Fatalf("raw: %v, want [3 3 2 2]", got)
	}
	// A turn without the factors is an error naming the trajectory and key.
	delete(b.Trajectories[1].Steps[1].Values, "z1")
	err := credit.Assign(b, "lare", "decoder=ridge")
	if err == nil || !strings.Contains(err.Error(), `traj_uid "b"`) || !strings.Contains(err.Error(), "z1") {
		t.Fatalf("err = %v", err)
	}
}
