package lm

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
)

// Config sizes a Model.
type Config struct {
	Vocab  int // vocabulary size
	D      int // model width (divisible by Heads)
	Heads  int // attention heads
	Layers int // transformer blocks
	MaxT   int // context length (positions)
}

// Model is a pre-LN decoder-only transformer (GPT-2 layout: learned
// positions, multi-head causal self-attention, tanh-GELU MLP of width 4·D,
// a final LayerNorm and an output head tied to the token embedding).
// Every parameter lives in one flat vector (Params), so an optimiser and a
// gradient are plain []float64 of length Dim().
//
// Forward and backward are written by hand after the equations of
// Karpathy's llm.c (train_gpt2.c: layernorm_forward/backward,
// attention_forward/backward, gelu_forward/backward); no code is copied.
type Model struct {
	Cfg    Config
	params []float64
	off    offsets
}

type layerOff struct {
	ln1g, ln1b, wqkv, bqkv, wo, bo, ln2g, ln2b, w1, b1, w2, b2 int
}

type offsets struct {
	wte, wpe  int
	layers    []layerOff
	lnfg, lnf int
	total     int
}

func (c Config) validate() error {
	if c.Vocab < 2 || c.D < 1 || c.Heads < 1 || c.D%c.Heads != 0 || c.Layers < 1 || c.MaxT < 2 {
		return fmt.Errorf("lm: bad config %+v (need Vocab ≥ 2, D divisible by Heads, Layers ≥ 1, MaxT ≥ 2)", c)
	}
	return nil
}

func layout(c Config) offsets {
	var o offsets
	n := 0
	take := func(k int) int { at := n; n += k; return at }
	D := c.D
	o.wte = take(c.Vocab * D)
	o.wpe = take(c.MaxT * D)
	for range c.Layers {
		var l layerOff
		l.ln1g, l.ln1b = take(D), take(D)
		l.wqkv, l.bqkv = take(D*3*D), take(3*D)
		l.wo, l.bo = take(D*D), take(D)
		l.ln2g, l.ln2b = take(D), take(D)
		l.w1, l.b1 = take(D*4*D), take(4*D)
		l.w2, l.b2 = take(4*D*D), take(D)
		o.layers = append(o.layers, l)
	}
	o.lnfg, o.lnf = take(D), take(D)
	o.total = n
	return o
}

// New returns a model initialised from seed (GPT-2 style: N(0, 0.02)
// weights, residual projections scaled by 1/√(2·Layers), zero biases,
// LayerNorm gains 1).
func New(c Config, seed uint64) (*Model, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	m := &Model{Cfg: c, off: layout(c)}
	m.params = make([]float64, m.off.total)
	rng := rand.New(rand.NewPCG(seed, 0x1a2b3c))
	norm := func(at, n int, std float64) {
		for i := 0; i < n; i++ {
			m.params[at+i] = rng.NormFloat64() * std
		}
	}
	ones := func(at, n int) {
		for i := 0; i < n; i++ {
			m.params[at+i] = 1
		}
	}
	D := c.D
	norm(m.off.wte, c.Vocab*D, 0.02)
	norm(m.off.wpe, c.MaxT*D, 0.01)
	res := 0.02 / math.Sqrt(2*float64(c.Layers))
	for _, l := range m.off.layers {
		ones(l.ln1g, D)
		ones(l.ln2g, D)
		norm(l.wqkv, D*3*D, 0.02)
		norm(l.wo, D*D, res)
		norm(l.w1, D*4*D, 0.02)
		norm(l.w2, 4*D*D, res)
	}
	ones(m.off.lnfg, D)
	return m, nil
}

// Dim is the number of parameters.
func (m *Model) Dim() int { return len(m.params) }

// Params is the parameter vector (shared, not a copy).
func (m *Model) Params() []float64 { return m.params }

// Clone returns a deep copy.
func (m *Model) Clone() *Model {
	c := *m
	c.params = append([]float64(nil), m.params...)
	return &c
}

// ---- building blocks (row-major [T, features]) ----

// linear: out[t][j] = b[j] + Σ_i in[t][i]·W[i][j], W is din×dout. The
// inner loop is an axpy (gonum's floats.AddScaled, SIMD assembly on amd64):
// out[t][j] += in[t][i]·W[i][j] element by element in the same order of i
// as a plain loop, so the sum is the same as the scalar code's.
func linear(out, in, w, b []float64, T, din, dout int) {
	for t := 0; t < T; t++ {
		o := out[t*dout : (t+1)*dout]
		copy(o, b[:dout])
		x := in[t*din : (t+1)*din]
		for i, xi := range x {
			if xi == 0 {
				continue
			}
			floats.AddScaled(o, xi, w[i*dout:(i+1)*dout])
		}
	}
}

// linearBack accumulates dIn, dW, dB from dOut (dIn may be nil).
func linearBack(dIn, dW, dB, dOut, in, w []float64, T, din, dout int) {
	for t := 0; t < T; t++ {
		g := dOut[t*dout : (t+1)*dout]
		x := in[t*din : (t+1)*din]
		floats.Add(dB[:dout], g)
		for i, xi := range x {
			if dIn != nil {
				dIn[t*din+i] += floats.Dot(g, w[i*dout:(i+1)*dout])
			}
			if xi != 0 {
				floats.AddScaled(dW[i*dout:(i+1)*dout], xi, g)
			}
		}
	}
}

const lnEps = 1e-5

// layerNorm writes out and keeps mean and 1/σ per row.
func layerNorm(out, mean, rstd, in, g, b []float64, T, D int) {
	for t := 0; t < T; t++ {
		x := in[t*D : (t+1)*D]
		mu := 0.0
		for _, v := range x {
			mu += v
		}
		mu /= float64(D)
		va := 0.0
		for _, v := range x {
			va += (v - mu) * (v - mu)
		}
		va /= float64(D)
		rs := 1 / math.Sqrt(va+lnEps)
		mean[t], rstd[t] = mu, rs
		o := out[t*D : (t+1)*D]
		for i, v := range x {
			o[i] = (v-mu)*rs*g[i] + b[i]
		}
	}
}

func layerNormBack(dIn, dG, dB, dOut, in, mean, rstd, g []float64, T, D int) {
	for t := 0; t < T; t++ {
		x := in[t*D : (t+1)*D]
		d := dOut[t*D : (t+1)*D]
		mu, rs := mean[t], rstd[t]
		sumD, sumDX := 0.0, 0.0
		for i := range x {
			xh := (x[i] - mu) * rs
			dn := d[i] * g[i]
			sumD += dn
			sumDX += dn * xh
			dG[i] += d[i] * xh
			dB[i] += d[i]
		}
		sumD /= float64(D)
		sumDX /= float64(D)
		di := dIn[t*D : (t+1)*D]
		for i := range x {
			xh := (x[i] - mu) * rs
			di[i] += (d[i]*g[i] - sumD - xh*sumDX) * rs
		}
	}
}

var geluC = math.Sqrt(2 / math.Pi)

func gelu(x float64) float64 {
	return 0.5 * x * (1 + math.Tanh(geluC*(x+0.044715*x*x*x)))
}

func geluGrad(x float64) float64 {
	u := geluC * (x + 0.044715*x*x*x)
	th := math.Tanh(u)
	sech2 := 1 - th*th
	return 0.5*(1+th) + 0.5*x*sech2*geluC*(1+3*0.044715*x*x)
}
