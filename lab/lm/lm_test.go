package lm

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func tiny(t *testing.T) *Model {
	t.Helper()
	m, err := New(Config{Vocab: 7, D: 8, Heads: 2, Layers: 2, MaxT: 10}, 3)
	if err != nil {
		t.Fatal(err)
	}
	// Perturb every parameter (LayerNorm gains away from 1, biases away
	// from 0) so that no gradient is trivially zero.
	rng := rand.New(rand.NewPCG(9, 9))
	for i := range m.params {
		m.params[i] += 0.3 * rng.NormFloat64()
	}
	return m
}

// TestGradient checks Backward against central finite differences of the
// loss Σ_j c_j·log p(x_j | x_<j) on every parameter (float64, ε = 1e-5; relative error with a 1e-3 floor on the scale).
func TestGradient(t *testing.T) {
	m := tiny(t)
	seq := []int{0, 3, 5, 1, 6, 2, 2, 4}
	from := 2
	c := []float64{0.7, -1.3, 0.4, 2.1, -0.5, 0.9}
	loss := func() float64 {
		st, err := m.Score(seq, from)
		if err != nil {
			t.Fatal(err)
		}
		s := 0.0
		for j, lp := range st.LogProb {
			s += c[j] * lp
		}
		return s
	}
	grad := make([]float64, m.Dim())
	if _, err := m.AddGrad(seq, from, c, grad); err != nil {
		t.Fatal(err)
	}
	const eps = 1e-5
	worst := 0.0
	nonzero := 0
	for i := range m.params {
		old := m.params[i]
		m.params[i] = old + eps
		up := loss()
		m.params[i] = old - eps
		dn := loss()
		m.params[i] = old
		num := (up - dn) / (2 * eps)
		err := math.Abs(num-grad[i]) / math.Max(1e-3, math.Abs(num)+math.Abs(grad[i]))
		if math.Abs(num) > 1e-8 {
			nonzero++
		}
		if err > worst {
			worst = err
		}
		if err > 1e-5 {
			t.Errorf("param %d: analytic %.9g, numeric %.9g (rel err %.2g)", i, grad[i], num, err)
		}
	}
	// Positions beyond the last used one (MaxT 10 > 7) have zero gradient.
	if nonzero < m.Dim()*3/4 {
		t.Errorf("only %d of %d parameters have a non-zero numeric gradient", nonzero, m.Dim())
	}
	t.Logf("%d parameters, worst relative error %.2g", m.Dim(), worst)
}

// TestCacheMatchesForward: the cached step-by-step log-probs equal the full
// forward pass's at every position.
func TestCacheMatchesForward(t *testing.T) {
	m := tiny(t)
	seq := []int{0, 3, 5, 1, 6, 2, 2, 4, 6, 1}
	tr, err := m.Forward(seq)
	if err != nil {
		t.Fatal(err)
	}
	c := m.NewCache()
	V := m.Cfg.Vocab
	for pos, tk := range seq {
		lp, err := c.Step(tk)
		if err != nil {
			t.Fatal(err)
		}
		for v := range V {
			if d := math.Abs(lp[v] - tr.LogP[pos*V+v]); d > 1e-12 {
				t.Fatalf("position %d token %d: cached %v, full %v", pos, v, lp[v], tr.LogP[pos*V+v])
			}
		}
	}
	if _, err := c.Step(1); err == nil {
		t.Error("stepping past MaxT did not fail")
	}
}

func TestAttentionRowsAreCausalDistributions(t *testing.T) {
	m := tiny(t)
	tr, err := m.Forward([]int{0, 1, 2, 3, 4})
	if err != nil {
		t.Fatal(err)
	}
	T := tr.T
	for l := range tr.Att {
		for h := range tr.Att[l] {
			for q := range T {
				s := 0.0
				for k := range T {
					a := tr.Att[l][h][q*T+k]
					if k > q && a != 0 {
						t.Fatalf("layer %d head %d: position %d attends to future %d", l, h, q, k)
					}
					s += a
				}
				if math.Abs(s-1) > 1e-12 {
					t.Fatalf("layer %d head %d row %d sums to %v", l, h, q, s)
				}
			}
		}
	}
}

func TestSampleDeterministicAndLogProbs(t *testing.T) {
	m := tiny(t)
	a, la, err := m.Sample([]int{0, 3}, 6, 1, -1, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	b, lb, _ := m.Sample([]int{0, 3}, 6, 1, -1, rand.New(rand.NewPCG(1, 2)))
	if len(a) != 6 || len(b) != 6 {
		t.Fatalf("lengths %d %d", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] || la[i] != lb[i] {
			t.Fatal("same seed, different samples")
		}
	}
	seq := append([]int{0, 3}, a...)
	st, err := m.Score(seq, 2)
	if err != nil {
		t.Fatal(err)
	}
	for j := range a {
		if math.Abs(st.LogProb[j]-la[j]) > 1e-12 {
			t.Fatalf("token %d: sampled log-prob %v, scored %v", j, la[j], st.LogProb[j])
		}
	}
}

func TestVocabRoundTrip(t *testing.T) {
	var v Vocab
	s := "v1 = 12 * 4 = 48\n#### 48"
	ids, err := v.Encode(s)
	if err != nil {
		t.Fatal(err)
	}
	if ids[0] != int('v'-' ')+2 || ids[16] != 1 {
		t.Fatalf("ids %v", ids)
	}
	if v.Decode(ids) != s {
		t.Fatalf("round trip %q", v.Decode(ids))
	}
	if _, err := v.Encode("é"); err == nil {
		t.Error("non-ASCII accepted")
	}
}

func TestBadConfig(t *testing.T) {
	if _, err := New(Config{Vocab: 5, D: 6, Heads: 4, Layers: 1, MaxT: 4}, 1); err == nil {
		t.Error("D not divisible by Heads accepted")
	}
}

// BenchmarkTrainStep is one forward+backward of a 100-token sequence (40
// completion tokens) at the quick (D=16, 2 layers) and full (D=64, 3
// layers) lab sizes.
func BenchmarkTrainStep(b *testing.B) {
	for _, c := range []Config{{Vocab: CharVocab, D: 16, Heads: 2, Layers: 2, MaxT: 128}, {Vocab: CharVocab, D: 64, Heads: 4, Layers: 3, MaxT: 128}} {
		b.Run(fmt.Sprintf("D%d_L%d", c.D, c.Layers), func(b *testing.B) { benchTrain(b, c) })
	}
}

func benchTrain(b *testing.B, c Config) {
	m, _ := New(c, 1)
	seq := make([]int, 100)
	for i := range seq {
		seq[i] = 2 + i%90
	}
	gl := make([]float64, 40)
	for i := range gl {
		gl[i] = 1
	}
	grad := make([]float64, m.Dim())
	b.ResetTimer()
	for range b.N {
		if _, err := m.AddGrad(seq, 60, gl, grad); err != nil {
			b.Fatal(err)
		}
	}
}

func TestSaveLoad(t *testing.T) {
	m := tiny(t)
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := Load(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if back.Cfg != m.Cfg || len(back.params) != len(m.params) {
		t.Fatalf("config %+v", back.Cfg)
	}
	for i := range m.params {
		if back.params[i] != m.params[i] {
			t.Fatalf("param %d: %v != %v", i, back.params[i], m.params[i])
		}
	}
	if _, err := Load(strings.NewReader(`{"format":"other"}`)); err == nil || !strings.Contains(err.Error(), "format") {
		t.Errorf("wrong format: %v", err)
	}
}
