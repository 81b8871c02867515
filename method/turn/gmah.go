package turn

import (
	"fmt"
	"math"

	"github.com/credo-rl/credo/internal/arrays"
)

// Mixer is a QMIX-style monotone mixing network, the multi-agent credit
// part of GMAH: it combines per-agent values Q_1..Q_n into a joint value
//
//	h_j   = ELU( Σ_i |W1[i][j]|·Q_i + B1[j] )
//	Q_tot = Σ_j |W2[j]|·h_j + B2
//
// W1 (agents × hidden), B1, W2 and B2 are the outputs of the
// state-conditioned hypernetworks for one state; taking absolute values
// keeps every mixing weight non-negative, so Q_tot is monotone
// (non-decreasing) in each Q_i and the per-agent greedy actions are
// consistent with the joint greedy action.
//
// Paper: GMAH, subgoal-based hierarchical MARL (2024; code
// SICC-Group/GMAH, not inspected), spec row #4, built on QMIX ("QMIX:
// Monotonic Value Function Factorisation for Deep Multi-Agent Reinforcement
// Learning", arXiv:1803.11485). Low priority: the subgoal part is not
// implemented and the mixer is not registered (it writes no per-token
// credit).
type Mixer struct {
	W1 [][]float64
	B1 []float64
	W2 []float64
	B2 float64
}

func (m Mixer) check(q []float64) error {
	if len(m.W1) != len(q) {
		return fmt.Errorf("gmah: W1 has %d rows, want one per agent (%d)", len(m.W1), len(q))
	}
	h := len(m.B1)
	if len(m.W2) != h {
		return fmt.Errorf("gmah: B1 has %d entries, W2 %d; want one per hidden unit", h, len(m.W2))
	}
	for i, row := range m.W1 {
		if len(row) != h {
			return fmt.Errorf("gmah: W1 row %d has %d entries, want %d hidden units", i, len(row), h)
		}
		if !arrays.Finite(q[i]) {
			return fmt.Errorf("gmah: Q of agent %d = %v must be finite", i, q[i])
		}
	}
	return nil
}

// hidden returns the pre-activations z_j = Σ_i |W1[i][j]|·Q_i + B1[j].
func (m Mixer) hidden(q []float64) []float64 {
	z := append([]float64(nil), m.B1...)
	for i, row := range m.W1 {
		for j, w := range row {
			z[j] += math.Abs(w) * q[i]
		}
	}
	return z
}

// Mix returns the joint value Q_tot of the per-agent values q.
func (m Mixer) Mix(q []float64) (float64, error) {
	if err := m.check(q); err != nil {
		return 0, err
	}
	out := m.B2
	for j, z := range m.hidden(q) {
		e := z
		if z <= 0 {
			e = math.Expm1(z)
		}
		out += math.Abs(m.W2[j]) * e
	}
	return out, nil
}

// Credit returns each agent's marginal credit ∂Q_tot/∂Q_i =
// Σ_j |W2[j]|·ELU'(z_j)·|W1[i][j]|, which is ≥ 0 for every agent (the
// monotonicity constraint).
func (m Mixer) Credit(q []float64) ([]float64, error) {
	if err := m.check(q); err != nil {
		return nil, err
	}
	z := m.hidden(q)
	out := make([]float64, len(q))
	for j, zj := range z {
		d := 1.0
		if zj <= 0 {
			d = math.Exp(zj)
		}
		d *= math.Abs(m.W2[j])
		for i := range q {
			out[i] += d * math.Abs(m.W1[i][j])
		}
	}
	return out, nil
}
