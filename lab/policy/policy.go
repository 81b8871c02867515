package policy

import (
	"hash/fnv"
	"math"
	"math/rand/v2"

	"github.com/credo-rl/credo/lab/env"
)

// Policy is a stochastic policy with flat float64 parameters.
type Policy interface {
	// Probs returns π(·|s, t) over all actions (a fresh slice).
	Probs(s env.State, t int) []float64
	// AddGradLogProb adds coef·∇θ log π(a|s, t) to g, which must have
	// Dim() entries (call Probs on s first so that its parameters exist).
	AddGradLogProb(g []float64, s env.State, t, a int, coef float64)
	// Params are the live parameters (they may grow as new states appear).
	Params() []float64
	// Dim is len(Params()).
	Dim() int
	// Clone returns an independent copy.
	Clone() Policy
	// Kind is "tabular" or "mlp".
	Kind() string
}

// softmax over the legal actions (legal nil = all).
func softmax(z []float64, legal []bool) []float64 {
	p := make([]float64, len(z))
	m := math.Inf(-1)
	for a, x := range z {
		if legal == nil || legal[a] {
			m = math.Max(m, x)
		}
	}
	s := 0.0
	for a, x := range z {
		if legal == nil || legal[a] {
			p[a] = math.Exp(x - m)
			s += p[a]
		}
	}
	for a := range p {
		p[a] /= s
	}
	return p
}

// Tabular is a softmax over one logit per (observation key, action),
// optionally also per time step. Parameters are allocated when a state is first seen;
// a state's initial logits depend only on (Seed, key), never on the order
// in which states are met, so that runs are reproducible.
type Tabular struct {
	Env         env.Env
	TimeIndexed bool
	// InitScale is the standard deviation of the initial logits (0 = uniform policy).
	InitScale float64
	Seed      uint64

	index  map[string]int
	params []float64
	nA     int
}

// NewTabular returns a tabular softmax policy for e.
func NewTabular(e env.Env, initScale float64, seed uint64) *Tabular {
	return &Tabular{Env: e, InitScale: initScale, Seed: seed, index: map[string]int{}, nA: len(e.Actions())}
}

// Key is the parameter key of (s, t): the acting player's observation key
// (env.ObsKey, which is s.Key() in fully observable environments), and t
// when TimeIndexed.
func (p *Tabular) Key(s env.State, t int) string {
	k := env.ObsKey(p.Env, s)
	if p.TimeIndexed {
		return k + "@" + itoa(t)
	}
	return k
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	n := len(b)
	neg := i < 0
	if neg {
		i = -i
	}
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	if neg {
		n--
		b[n] = '-'
	}
	return string(b[n:])
}

// offset returns the first parameter of key k, allocating it if needed.
func (p *Tabular) offset(k string) int {
	if o, ok := p.index[k]; ok {
		return o
	}
	o := len(p.params)
	p.index[k] = o
	if p.InitScale == 0 {
		p.params = append(p.params, make([]float64, p.nA)...)
		return o
	}
	h := fnv.New64a()
	h.Write([]byte(k))
	r := rand.New(rand.NewPCG(p.Seed, h.Sum64()))
	for a := 0; a < p.nA; a++ {
		p.params = append(p.params, p.InitScale*r.NormFloat64())
	}
	return o
}

// Probs implements Policy.
func (p *Tabular) Probs(s env.State, t int) []float64 {
	o := p.offset(p.Key(s, t))
	return softmax(p.params[o:o+p.nA], p.Env.Legal(s))
}

// Logits returns the logits of (s, t).
func (p *Tabular) Logits(s env.State, t int) []float64 {
	o := p.offset(p.Key(s, t))
	return append([]float64(nil), p.params[o:o+p.nA]...)
}

// Offset is the index of the first parameter of (s, t) (allocating it).
func (p *Tabular) Offset(s env.State, t int) int { return p.offset(p.Key(s, t)) }

// AddGradLogProb implements Policy: ∂ log π(a|s)/∂θ_{s,b} = 1[b=a] − π(b|s).
func (p *Tabular) AddGradLogProb(g []float64, s env.State, t, a int, coef float64) {
	o := p.offset(p.Key(s, t))
	pr := softmax(p.params[o:o+p.nA], p.Env.Legal(s))
	for b := range pr {
		d := -pr[b]
		if b == a {
			d++
		}
		g[o+b] += coef * d
	}
}

// Params implements Policy.
func (p *Tabular) Params() []float64 { return p.params }

// Dim implements Policy.
func (p *Tabular) Dim() int { return len(p.params) }

// Kind implements Policy.
func (p *Tabular) Kind() string { return "tabular" }

// Clone implements Policy.
func (p *Tabular) Clone() Policy {
	c := *p
	c.params = append([]float64(nil), p.params...)
	c.index = make(map[string]int, len(p.index))
	for k, v := range p.index {
		c.index[k] = v
	}
	return &c
}

// MLP is a one-hidden-layer tanh network from the state features (plus
// t/H when TimeFeature is set) to the action logits.
type MLP struct {
	Env         env.Env
	Hidden      int
	TimeFeature bool
	in, nA      int
	params      []float64 // W1 [Hidden][in], b1 [Hidden], W2 [nA][Hidden], b2 [nA]
}

// NewMLP returns an MLP policy with Glorot-style random weights and zero
// output layer (so that it starts uniform).
func NewMLP(e env.Env, hidden int, timeFeature bool, start env.State, seed uint64) *MLP {
	in := len(e.Features(start))
	if timeFeature {
		in++
	}
	m := &MLP{Env: e, Hidden: hidden, TimeFeature: timeFeature, in: in, nA: len(e.Actions())}
	m.params = make([]float64, hidden*in+hidden+m.nA*hidden+m.nA)
	r := rand.New(rand.NewPCG(seed, 0x6d6c70))
	sc := 1 / math.Sqrt(float64(in))
	for i := 0; i < hidden*in; i++ {
		m.params[i] = sc * r.NormFloat64()
	}
	return m
}

func (m *MLP) input(s env.State, t int) []float64 {
	x := m.Env.Features(s)
	if m.TimeFeature {
		x = append(append([]float64(nil), x...), float64(t)/float64(m.Env.Horizon()))
	}
	return x
}

func (m *MLP) forward(x []float64) (h, z []float64) {
	H, in := m.Hidden, m.in
	w1, b1 := m.params[:H*in], m.params[H*in:H*in+H]
	w2 := m.params[H*in+H : H*in+H+m.nA*H]
	b2 := m.params[H*in+H+m.nA*H:]
	h = make([]float64, H)
	for j := 0; j < H; j++ {
		s := b1[j]
		row := w1[j*in : (j+1)*in]
		for i, xi := range x {
			s += row[i] * xi
		}
		h[j] = math.Tanh(s)
	}
	z = make([]float64, m.nA)
	for a := 0; a < m.nA; a++ {
		s := b2[a]
		row := w2[a*H : (a+1)*H]
		for j, hj := range h {
			s += row[j] * hj
		}
		z[a] = s
	}
	return h, z
}

// Probs implements Policy.
func (m *MLP) Probs(s env.State, t int) []float64 {
	_, z := m.forward(m.input(s, t))
	return softmax(z, m.Env.Legal(s))
}

// AddGradLogProb implements Policy (backpropagation through the two layers).
func (m *MLP) AddGradLogProb(g []float64, s env.State, t, a int, coef float64) {
	x := m.input(s, t)
	h, z := m.forward(x)
	p := softmax(z, m.Env.Legal(s))
	H, in := m.Hidden, m.in
	oW2, oB2 := H*in+H, H*in+H+m.nA*H
	w2 := m.params[oW2:oB2]
	dh := make([]float64, H)
	for b := 0; b < m.nA; b++ {
		dz := -p[b]
		if b == a {
			dz++
		}
		dz *= coef
		if dz == 0 {
			continue
		}
		g[oB2+b] += dz
		for j := 0; j < H; j++ {
			g[oW2+b*H+j] += dz * h[j]
			dh[j] += dz * w2[b*H+j]
		}
	}
	for j := 0; j < H; j++ {
		da := dh[j] * (1 - h[j]*h[j])
		if da == 0 {
			continue
		}
		g[H*in+j] += da
		for i, xi := range x {
			g[j*in+i] += da * xi
		}
	}
}

// Params implements Policy.
func (m *MLP) Params() []float64 { return m.params }

// Dim implements Policy.
func (m *MLP) Dim() int { return len(m.params) }

// Kind implements Policy.
func (m *MLP) Kind() string { return "mlp" }

// Clone implements Policy.
func (m *MLP) Clone() Policy {
	c := *m
	c.params = append([]float64(nil), m.params...)
	return &c
}

// Entropy is the entropy of π(·|s, t) in nats.
func Entropy(p []float64) float64 {
	h := 0.0
	for _, x := range p {
		if x > 0 {
			h -= x * math.Log(x)
		}
	}
	return h
}

// Adam is the Adam optimiser over a parameter vector that may grow.
type Adam struct {
	LR, Beta1, Beta2, Eps float64
	m, v                  []float64
	step                  int
}

// NewAdam returns Adam with the usual β = (0.9, 0.999), ε = 1e-8.
func NewAdam(lr float64) *Adam { return &Adam{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8} }

// Step applies one descent step θ ← θ − lr·m̂/(√v̂+ε) for the gradient g of a loss.
func (o *Adam) Step(theta, g []float64) {
	for len(o.m) < len(theta) {
		o.m = append(o.m, 0)
		o.v = append(o.v, 0)
	}
	o.step++
	c1 := 1 - math.Pow(o.Beta1, float64(o.step))
	c2 := 1 - math.Pow(o.Beta2, float64(o.step))
	for i := range theta {
		gi := 0.0
		if i < len(g) {
			gi = g[i]
		}
		o.m[i] = o.Beta1*o.m[i] + (1-o.Beta1)*gi
		o.v[i] = o.Beta2*o.v[i] + (1-o.Beta2)*gi*gi
		theta[i] -= o.LR * (o.m[i] / c1) / (math.Sqrt(o.v[i]/c2) + o.Eps)
	}
}
