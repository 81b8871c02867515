package lm

import "fmt"

// TokenStats are per-token quantities of a completion under the model.
type TokenStats struct {
	// LogProb[j] = log p(tokens[from+j] | tokens[:from+j]).
	LogProb []float64
	// Entropy[j] is the entropy (nats) of the distribution tokens[from+j] was drawn from.
	Entropy []float64
	// Trace is the forward pass (attention maps in Trace.Att).
	Trace *Trace
}

// Score runs one forward pass over seq and returns the log-probs and
// entropies of tokens seq[from:] (from ≥ 1: token 0 is the context start).
func (m *Model) Score(seq []int, from int) (*TokenStats, error) {
	if from < 1 || from > len(seq) {
		return nil, fmt.Errorf("lm: completion start %d outside [1,%d]", from, len(seq))
	}
	tr, err := m.Forward(seq[:len(seq)-1])
	if err != nil {
		return nil, err
	}
	V := m.Cfg.Vocab
	st := &TokenStats{Trace: tr}
	for j := from; j < len(seq); j++ {
		row := tr.LogP[(j-1)*V : j*V]
		st.LogProb = append(st.LogProb, row[seq[j]])
		st.Entropy = append(st.Entropy, Entropy(row))
	}
	return st, nil
}

// AddGrad accumulates into grad the gradient of Σ_j gl[j]·log p(seq[from+j] | seq[:from+j]).
// It returns the log-probs at the current parameters.
func (m *Model) AddGrad(seq []int, from int, gl []float64, grad []float64) ([]float64, error) {
	if len(gl) != len(seq)-from {
		return nil, fmt.Errorf("lm: %d gradient weights for %d completion tokens", len(gl), len(seq)-from)
	}
	st, err := m.Score(seq, from)
	if err != nil {
		return nil, err
	}
	T := len(seq) - 1
	targets := make([]int, T)
	w := make([]float64, T)
	for t := 0; t < T; t++ {
		targets[t] = seq[t+1]
	}
	for j, g := range gl {
		w[from+j-1] = g
	}
	m.Backward(st.Trace, st.Trace.DLogitsFromLogProb(targets, w, m.Cfg.Vocab), grad)
	return st.LogProb, nil
}
