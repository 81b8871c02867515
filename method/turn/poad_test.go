package turn

import (
	"math/rand/v2"
	"testing"
)

func TestPOADHand(t *testing.T) {
	// Tokens 0..4; action 0 = [0, 2), action 1 = [2, 5); token 3 has mask 0
	// (transparent). V = [1, 2, 3, 9, 4], r = [0.5, 1], γ = λ = 0.5,
	// γ_intra = 1, terminal.
	//   token 4 (end of a1): 1 + 0.5·0 − 4 + 0.25·0        = −3      ret 1
	//   token 2:             1·4 − 3 + 1·0.5·(−3)           = −0.5    ret 2.5
	//   token 1 (end of a0): 0.5 + 0.5·3 − 2 + 0.25·(−0.5)  = −0.125  ret 1.875
	//   token 0:             2 − 1 + 0.5·(−0.125)           = 0.9375  ret 1.9375
	v := [][]float64{{1, 2, 3, 9, 4}}
	m := [][]float64{{1, 1, 1, 0, 1}}
	acts := [][]Span{{{Start: 0, End: 2}, {Start: 2, End: 5}}}
	r := [][]float64{{0.5, 1}}
	opt := POADOptions{Gamma: 0.5, Lam: 0.5, GammaIntra: 1}
	adv, ret, err := POAD(v, m, acts, r, nil, opt)
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, "adv", adv, [][]float64{{0.9375, -0.125, -0.5, 0, -3}}, 1e-12)
	checkRows(t, "ret", ret, [][]float64{{1.9375, 1.875, 2.5, 0, 1}}, 1e-12)

	// NTPO (γ_intra = γ = 0.5):
	//   token 2: 0.5·4 − 3 + 0.25·(−3)              = −1.75
	//   token 1: 0.5 + 0.5·3 − 2 + 0.25·(−1.75)     = −0.4375
	//   token 0: 0.5·2 − 1 + 0.25·(−0.4375)         = −0.109375
	opt.GammaIntra = 0.5
	adv, _, err = POAD(v, m, acts, r, nil, opt)
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, "ntpo", adv, [][]float64{{-0.109375, -0.4375, -1.75, 0, -3}}, 1e-12)
}

// With γ_intra = 1, λ = 1, the reward only at each action's end and per-token
// values equal to the action's state value, every token of an action gets
// the action-level advantage Σ_{j≥k} γ^{j−k} r_j − V_k.
func TestPOADTokensGetActionAdvantage(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, gamma := range []float64{1, 0.9} {
		for trial := 0; trial < 20; trial++ {
			nAct := 1 + rng.IntN(5)
			var acts []Span
			var vals, mask []float64
			rew := make([]float64, nAct)
			vAct := make([]float64, nAct)
			pos := 0
			for k := 0; k < nAct; k++ {
				pos += rng.IntN(3) // observation tokens between actions
				for len(vals) < pos {
					vals = append(vals, 100) // outside actions: ignored
					mask = append(mask, 0)
				}
				l := 1 + rng.IntN(4)
				acts = append(acts, Span{Start: pos, End: pos + l})
				vAct[k] = rng.NormFloat64()
				rew[k] = rng.NormFloat64()
				for j := 0; j < l; j++ {
					vals = append(vals, vAct[k])
					mask = append(mask, 1)
				}
				pos += l
			}
			adv, _, err := POAD([][]float64{vals}, [][]float64{mask}, [][]Span{acts}, [][]float64{rew}, nil, POADOptions{Gamma: gamma, Lam: 1, GammaIntra: 1})
			if err != nil {
				t.Fatal(err)
			}
			for k, s := range acts {
				g := 0.0 // discounted return from action k, computed directly
				for j := nAct - 1; j >= k; j-- {
					g = rew[j] + gamma*g
				}
				want := g - vAct[k]
				for j := s.Start; j < s.End; j++ {
					if !near(adv[0][j], want, 1e-9) {
						t.Fatalf("γ=%v trial %d action %d token %d: %v, want %v", gamma, trial, k, j, adv[0][j], want)
					}
				}
			}
			for j, mj := range mask {
				if mj == 0 && adv[0][j] != 0 {
					t.Fatalf("token %d outside actions got %v", j, adv[0][j])
				}
			}
		}
	}
}

func TestPOADErrors(t *testing.T) {
	opt := DefaultPOADOptions()
	// Reward on an action whose only token is masked.
	if _, _, err := POAD([][]float64{{1}}, [][]float64{{0}}, [][]Span{{{Start: 0, End: 1}}}, [][]float64{{1}}, nil, opt); err == nil {
		t.Fatal("reward without a valid token accepted")
	}
	// Overlapping actions.
	if _, _, err := POAD([][]float64{{1, 1}}, nil, [][]Span{{{Start: 0, End: 2}, {Start: 1, End: 2}}}, [][]float64{{0, 0}}, nil, opt); err == nil {
		t.Fatal("overlapping actions accepted")
	}
	// Reward count mismatch.
	if _, _, err := POAD([][]float64{{1}}, nil, [][]Span{{{Start: 0, End: 1}}}, [][]float64{{}}, nil, opt); err == nil {
		t.Fatal("missing action reward accepted")
	}
}
