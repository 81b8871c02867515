package turn

import (
	"math"
	"testing"
)

func TestArCHerHand(t *testing.T) {
	// Q − V: [2 − 0.5, 1 − 1.5] = [1.5, −0.5].
	a, err := ArCHerQV([][]float64{{2, 1}}, [][]float64{{0.5, 1.5}})
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, "qv", a, [][]float64{{1.5, -0.5}}, tol)

	// TD, γ = 0.9, r = [0, 1], V = [0.5, 0.8], terminal:
	// y1 = 1, A1 = 0.2; y0 = 0.9·0.8 = 0.72, A0 = 0.22.
	adv, y, err := ArCHerTD([][]float64{{0, 1}}, [][]float64{{0.5, 0.8}}, nil, 0.9)
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, "td", adv, [][]float64{{0.22, 0.2}}, 1e-12)
	checkRows(t, "target", y, [][]float64{{0.72, 1}}, 1e-12)
	// Truncated: bootstrap V = 0.5 → y1 = 1 + 0.45 = 1.45, A1 = 0.65.
	adv, _, _ = ArCHerTD([][]float64{{0, 1}}, [][]float64{{0.5, 0.8}}, []float64{0.5}, 0.9)
	checkRows(t, "boot", adv, [][]float64{{0.22, 0.65}}, 1e-12)
}

// With exact values on a deterministic chain every TD (and Q − V)
// advantage is zero, so their mean is zero.
func TestArCHerExactValuesDeterministicChain(t *testing.T) {
	r := []float64{0.3, -0.2, 1.0, 0.5}
	const gamma = 0.9
	// Exact V by the Bellman equation: V_k = r_k + γ·V_{k+1}, V_4 = 0.
	v := make([]float64, len(r))
	next := 0.0
	for k := len(r) - 1; k >= 0; k-- {
		v[k] = r[k] + gamma*next
		next = v[k]
	}
	adv, _, err := ArCHerTD([][]float64{r}, [][]float64{v}, nil, gamma)
	if err != nil {
		t.Fatal(err)
	}
	checkVec(t, "td", adv[0], []float64{0, 0, 0, 0}, 1e-12)
	q := make([]float64, len(r)) // exact Q of the taken action = r + γV'
	for k := range r {
		q[k] = r[k]
		if k+1 < len(r) {
			q[k] += gamma * v[k+1]
		}
	}
	a2, _ := ArCHerQV([][]float64{q}, [][]float64{v})
	checkVec(t, "qv", a2[0], []float64{0, 0, 0, 0}, 1e-12)
}

// Under a stochastic policy, exact values give TD advantages with zero mean
// under the policy at each state.
func TestArCHerExactValuesZeroMeanUnderPolicy(t *testing.T) {
	// s0: action a (p = 0.3) → reward 1, end; action b (p = 0.7) → reward 0,
	// s1; s1: one action → reward 2, end. γ = 0.9.
	// V(s1) = 2; V(s0) = 0.3·1 + 0.7·(0 + 0.9·2) = 1.56.
	const p, gamma = 0.3, 0.9
	vs1 := 2.0
	vs0 := p*1 + (1-p)*(0+gamma*vs1)
	adv, _, err := ArCHerTD([][]float64{{1}, {0, 2}}, [][]float64{{vs0}, {vs0, vs1}}, nil, gamma)
	if err != nil {
		t.Fatal(err)
	}
	// A(a) = 1 − 1.56 = −0.56; A(b) = 1.8 − 1.56 = 0.24; 0.3·(−0.56) + 0.7·0.24 = 0.
	if m := p*adv[0][0] + (1-p)*adv[1][0]; math.Abs(m) > 1e-12 {
		t.Fatalf("policy-weighted mean at s0 = %v, want 0 (adv %v)", m, adv)
	}
	if math.Abs(adv[1][1]) > 1e-12 {
		t.Fatalf("deterministic s1 advantage = %v, want 0", adv[1][1])
	}
}

func TestArCHerErrors(t *testing.T) {
	if _, err := ArCHerQV([][]float64{{1}}, [][]float64{{1, 2}}); err == nil {
		t.Fatal("ragged mismatch accepted")
	}
	if _, _, err := ArCHerTD([][]float64{{math.NaN()}}, [][]float64{{1}}, nil, 1); err == nil {
		t.Fatal("NaN reward accepted")
	}
	if _, _, err := ArCHerTD([][]float64{{1}}, [][]float64{{1}}, []float64{1, 2}, 1); err == nil {
		t.Fatal("bootstrap length mismatch accepted")
	}
}
