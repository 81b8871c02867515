package lm

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Cache is a key/value cache for incremental decoding: Step feeds one token
// and returns the next-token log-probs at a cost linear in the context,
// instead of a full forward per generated token.
type Cache struct {
	m    *Model
	k, v [][]float64 // per layer: positions × D
	n    int
	// Last holds the log-probs after the last Step (len Vocab).
	Last []float64
}

// NewCache returns an empty cache.
func (m *Model) NewCache() *Cache {
	L := len(m.off.layers)
	return &Cache{m: m, k: make([][]float64, L), v: make([][]float64, L)}
}

// Len is the number of tokens fed.
func (c *Cache) Len() int { return c.n }

// Clone copies the cache (e.g. to branch several samples off one prompt).
func (c *Cache) Clone() *Cache {
	o := &Cache{m: c.m, n: c.n, k: make([][]float64, len(c.k)), v: make([][]float64, len(c.v))}
	for i := range c.k {
		o.k[i] = append([]float64(nil), c.k[i]...)
		o.v[i] = append([]float64(nil), c.v[i]...)
	}
	o.Last = append([]float64(nil), c.Last...)
	return o
}

// Step appends token tk and returns log p(· | all tokens fed so far).
func (c *Cache) Step(tk int) ([]float64, error) {
	m := c.m
	cf := m.Cfg
	if c.n >= cf.MaxT {
		return nil, fmt.Errorf("lm: context full (%d tokens)", cf.MaxT)
	}
	if tk < 0 || tk >= cf.Vocab {
		return nil, fmt.Errorf("lm: token %d out of the vocabulary [0,%d)", tk, cf.Vocab)
	}
	D, H, V := cf.D, cf.Heads, cf.Vocab
	hd := D / H
	scale := 1 / math.Sqrt(float64(hd))
	p := m.params
	t := c.n
	x := make([]float64, D)
	for i := range D {
		x[i] = p[m.off.wte+tk*D+i] + p[m.off.wpe+t*D+i]
	}
	one := []float64{0}
	for li, lo := range m.off.layers {
		h1 := make([]float64, D)
		layerNorm(h1, one, one, x, p[lo.ln1g:], p[lo.ln1b:], 1, D)
		qkv := make([]float64, 3*D)
		linear(qkv, h1, p[lo.wqkv:], p[lo.bqkv:], 1, D, 3*D)
		c.k[li] = append(c.k[li], qkv[D:2*D]...)
		c.v[li] = append(c.v[li], qkv[2*D:]...)
		y := make([]float64, D)
		row := make([]float64, t+1)
		for h := range H {
			off := h * hd
			attendRow(row, y[off:off+hd], qkv[off:off+hd], c.k[li][off:], c.v[li][off:], D, t+1, nil, nil, 0, scale)
		}
		o := make([]float64, D)
		linear(o, y, p[lo.wo:], p[lo.bo:], 1, D, D)
		xmid := make([]float64, D)
		for i := range D {
			xmid[i] = x[i] + o[i]
		}
		h2 := make([]float64, D)
		layerNorm(h2, one, one, xmid, p[lo.ln2g:], p[lo.ln2b:], 1, D)
		u := make([]float64, 4*D)
		linear(u, h2, p[lo.w1:], p[lo.b1:], 1, D, 4*D)
		for i, v := range u {
			u[i] = gelu(v)
		}
		mo := make([]float64, D)
		linear(mo, u, p[lo.w2:], p[lo.b2:], 1, 4*D, D)
		x = make([]float64, D)
		for i := range D {
			x[i] = xmid[i] + mo[i]
		}
	}
	hf := make([]float64, D)
	layerNorm(hf, one, one, x, p[m.off.lnfg:], p[m.off.lnf:], 1, D)
	lp := make([]float64, V)
	logitsRow(lp, hf, p[m.off.wte:m.off.wte+V*D], D)
	logSoftmax(lp)
	c.n++
	c.Last = lp
	return lp, nil
}

// Feed steps through toks and returns the log-probs after the last one.
func (c *Cache) Feed(toks []int) ([]float64, error) {
	var lp []float64
	var err error
	for _, tk := range toks {
		if lp, err = c.Step(tk); err != nil {
			return nil, err
		}
	}
	return lp, nil
}

// Draw samples a token from log-probs lp at temperature temp (temp ≤ 0:
// greedy, lowest id on ties), using one uniform draw from rng.
func Draw(lp []float64, temp float64, rng *rand.Rand) int {
	if temp <= 0 {
		best := 0
		for i, v := range lp {
			if v > lp[best] {
				best = i
			}
		}
		return best
	}
	mx := math.Inf(-1)
	for _, v := range lp {
		mx = max(mx, v)
	}
	w := make([]float64, len(lp))
	z := 0.0
	for i, v := range lp {
		w[i] = math.Exp((v - mx) / temp)
		z += w[i]
	}
	u := rng.Float64() * z
	for i, x := range w {
		u -= x
		if u < 0 {
			return i
		}
	}
	return len(lp) - 1
}

// Sample continues prompt by up to maxNew tokens (stopping after stop,
// which is included, when stop ≥ 0). It returns the generated tokens and
// their log-probs under the model at temperature 1 (the distribution the
// policy-gradient loss differentiates), whatever temp is used to draw.
func (m *Model) Sample(prompt []int, maxNew int, temp float64, stop int, rng *rand.Rand) ([]int, []float64, error) {
	c := m.NewCache()
	lp, err := c.Feed(prompt)
	if err != nil {
		return nil, nil, err
	}
	return c.Continue(lp, maxNew, temp, stop, rng)
}

// Continue samples from a cache whose last log-probs are lp.
func (c *Cache) Continue(lp []float64, maxNew int, temp float64, stop int, rng *rand.Rand) ([]int, []float64, error) {
	var toks []int
	var lps []float64
	for len(toks) < maxNew && c.n < c.m.Cfg.MaxT {
		tk := Draw(lp, temp, rng)
		toks = append(toks, tk)
		lps = append(lps, lp[tk])
		if tk == stop || len(toks) == maxNew || c.n == c.m.Cfg.MaxT {
			break
		}
		var err error
		if lp, err = c.Step(tk); err != nil {
			return nil, nil, err
		}
	}
	return toks, lps, nil
}

// Entropy of the distribution with log-probs lp, in nats.
func Entropy(lp []float64) float64 {
	h := 0.0
	for _, v := range lp {
		if v > -700 {
			h -= math.Exp(v) * v
		}
	}
	return h
}
