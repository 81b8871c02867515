package lm

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
)

// Trace holds one sequence's forward activations (for Backward) and its
// outputs: the log-softmax of the next-token distribution at every position
// and the attention probabilities of every layer and head.
type Trace struct {
	T      int
	tokens []int
	// LogP[t*V + v] = log p(v | tokens[:t+1]).
	LogP []float64
	// Att[l][h][t*T + s] = attention of position t on position s ≤ t.
	Att [][][]float64

	x0     []float64
	layers []layerTrace
	xf     []float64 // residual after the last block
	hf     []float64 // final LayerNorm output
	mf, rf []float64
}

type layerTrace struct {
	xin    []float64 // residual stream entering the block
	h1     []float64
	m1, r1 []float64
	qkv    []float64
	y      []float64 // attention output before Wo
	xmid   []float64 // residual after attention
	h2     []float64
	m2, r2 []float64
	u      []float64 // MLP pre-activation
	a      []float64 // GELU(u)
}

// Forward runs the model over tokens (len ≤ MaxT, ids < Vocab).
func (m *Model) Forward(tokens []int) (*Trace, error) {
	c := m.Cfg
	T := len(tokens)
	if T == 0 || T > c.MaxT {
		return nil, fmt.Errorf("lm: sequence of %d tokens (want 1..%d)", T, c.MaxT)
	}
	for i, tk := range tokens {
		if tk < 0 || tk >= c.Vocab {
			return nil, fmt.Errorf("lm: token %d at position %d out of the vocabulary [0,%d)", tk, i, c.Vocab)
		}
	}
	D, H, V := c.D, c.Heads, c.Vocab
	hd := D / H
	p := m.params
	tr := &Trace{T: T, tokens: append([]int(nil), tokens...)}
	x := make([]float64, T*D)
	for t, tk := range tokens {
		e := p[m.off.wte+tk*D : m.off.wte+(tk+1)*D]
		pe := p[m.off.wpe+t*D : m.off.wpe+(t+1)*D]
		for i := range D {
			x[t*D+i] = e[i] + pe[i]
		}
	}
	tr.x0 = x
	scale := 1 / math.Sqrt(float64(hd))
	for _, lo := range m.off.layers {
		var L layerTrace
		L.xin = x
		L.h1, L.m1, L.r1 = make([]float64, T*D), make([]float64, T), make([]float64, T)
		layerNorm(L.h1, L.m1, L.r1, x, p[lo.ln1g:], p[lo.ln1b:], T, D)
		L.qkv = make([]float64, T*3*D)
		linear(L.qkv, L.h1, p[lo.wqkv:], p[lo.bqkv:], T, D, 3*D)
		L.y = make([]float64, T*D)
		att := make([][]float64, H)
		for h := range H {
			att[h] = make([]float64, T*T)
			attendHead(att[h], L.y, L.qkv, T, D, h*hd, hd, scale)
		}
		tr.Att = append(tr.Att, att)
		o := make([]float64, T*D)
		linear(o, L.y, p[lo.wo:], p[lo.bo:], T, D, D)
		L.xmid = make([]float64, T*D)
		for i := range o {
			L.xmid[i] = x[i] + o[i]
		}
		L.h2, L.m2, L.r2 = make([]float64, T*D), make([]float64, T), make([]float64, T)
		layerNorm(L.h2, L.m2, L.r2, L.xmid, p[lo.ln2g:], p[lo.ln2b:], T, D)
		L.u = make([]float64, T*4*D)
		linear(L.u, L.h2, p[lo.w1:], p[lo.b1:], T, D, 4*D)
		L.a = make([]float64, T*4*D)
		for i, v := range L.u {
			L.a[i] = gelu(v)
		}
		mo := make([]float64, T*D)
		linear(mo, L.a, p[lo.w2:], p[lo.b2:], T, 4*D, D)
		x = make([]float64, T*D)
		for i := range mo {
			x[i] = L.xmid[i] + mo[i]
		}
		tr.layers = append(tr.layers, L)
	}
	tr.xf = x
	tr.hf, tr.mf, tr.rf = make([]float64, T*D), make([]float64, T), make([]float64, T)
	layerNorm(tr.hf, tr.mf, tr.rf, x, p[m.off.lnfg:], p[m.off.lnf:], T, D)
	tr.LogP = make([]float64, T*V)
	wte := p[m.off.wte : m.off.wte+V*D]
	for t := range T {
		logitsRow(tr.LogP[t*V:(t+1)*V], tr.hf[t*D:(t+1)*D], wte, D)
		logSoftmax(tr.LogP[t*V : (t+1)*V])
	}
	return tr, nil
}

// attendHead computes one head's causal attention for all T queries. The
// query, key and value of position t are qkv[t·3D + {0, D, 2D} + off : +hd].
func attendHead(att, y, qkv []float64, T, D, off, hd int, scale float64) {
	ks, vs := qkv[D+off:], qkv[2*D+off:]
	for t := range T {
		q := qkv[t*3*D+off : t*3*D+off+hd]
		row := att[t*T : t*T+t+1]
		attendRow(row, y[t*D+off:t*D+off+hd], q, ks, vs, 3*D, t+1, nil, nil, 0, scale)
	}
}

// attendRow is one query's attention over positions 0..len(row)-1: the
// same arithmetic in the full forward, the cached step and the batch, so
// all three give bit-identical results. Positions s < n1 read their key
// and value at k1[s·stride1:], v1[s·stride1:]; later ones (the batch's own
// suffix) at k2[(s−n1)·stride2:], v2[(s−n1)·stride2:]; each hd = len(q) long.
func attendRow(row, out, q, k1, v1 []float64, stride1, n1 int, k2, v2 []float64, stride2 int, scale float64) {
	hd := len(q)
	at := func(s int) (int, []float64, []float64) {
		if s < n1 {
			return s * stride1, k1, v1
		}
		return (s - n1) * stride2, k2, v2
	}
	mx := math.Inf(-1)
	for s := range row {
		b, ks, _ := at(s)
		k := ks[b : b+hd]
		d := 0.0
		for i, qi := range q {
			d += qi * k[i]
		}
		row[s] = d * scale
		if row[s] > mx {
			mx = row[s]
		}
	}
	z := 0.0
	for s := range row {
		row[s] = math.Exp(row[s] - mx)
		z += row[s]
	}
	for i := range out {
		out[i] = 0
	}
	for s := range row {
		row[s] /= z
		b, _, vs := at(s)
		floats.AddScaled(out, row[s], vs[b:b+hd])
	}
}

func logitsRow(out, h, wte []float64, D int) {
	for v := range out {
		e := wte[v*D : (v+1)*D]
		out[v] = floats.Dot(h, e)
	}
}

func logSoftmax(x []float64) {
	mx := math.Inf(-1)
	for _, v := range x {
		mx = max(mx, v)
	}
	z := 0.0
	for _, v := range x {
		z += math.Exp(v - mx)
	}
	lz := mx + math.Log(z)
	for i := range x {
		x[i] -= lz
	}
}

// Backward accumulates into grad (len Dim) the gradient of a loss whose
// derivative with respect to the logits at each position is dLogits
// (T·V values; use DLogitsFromLogProb for losses on log-probs).
func (m *Model) Backward(tr *Trace, dLogits, grad []float64) {
	c := m.Cfg
	T, D, H, V := tr.T, c.D, c.Heads, c.Vocab
	hd := D / H
	p := m.params
	scale := 1 / math.Sqrt(float64(hd))
	wte := p[m.off.wte : m.off.wte+V*D]
	gwte := grad[m.off.wte : m.off.wte+V*D]
	dhf := make([]float64, T*D)
	for t := range T {
		dl := dLogits[t*V : (t+1)*V]
		h := tr.hf[t*D : (t+1)*D]
		dh := dhf[t*D : (t+1)*D]
		for v, g := range dl {
			if g == 0 {
				continue
			}
			floats.AddScaled(dh, g, wte[v*D:(v+1)*D])
			floats.AddScaled(gwte[v*D:(v+1)*D], g, h)
		}
	}
	dx := make([]float64, T*D)
	layerNormBack(dx, grad[m.off.lnfg:], grad[m.off.lnf:], dhf, tr.xf, tr.mf, tr.rf, p[m.off.lnfg:], T, D)
	for li := len(m.off.layers) - 1; li >= 0; li-- {
		lo, L := m.off.layers[li], tr.layers[li]
		// MLP: x = xmid + W2·gelu(W1·LN2(xmid))
		da := make([]float64, T*4*D)
		linearBack(da, grad[lo.w2:], grad[lo.b2:], dx, L.a, p[lo.w2:], T, 4*D, D)
		for i := range da {
			da[i] *= geluGrad(L.u[i])
		}
		dh2 := make([]float64, T*D)
		linearBack(dh2, grad[lo.w1:], grad[lo.b1:], da, L.h2, p[lo.w1:], T, D, 4*D)
		dxmid := append([]float64(nil), dx...)
		layerNormBack(dxmid, grad[lo.ln2g:], grad[lo.ln2b:], dh2, L.xmid, L.m2, L.r2, p[lo.ln2g:], T, D)
		// attention: xmid = xin + Wo·attn(LN1(xin))
		dy := make([]float64, T*D)
		linearBack(dy, grad[lo.wo:], grad[lo.bo:], dxmid, L.y, p[lo.wo:], T, D, D)
		dqkv := make([]float64, T*3*D)
		dp := make([]float64, T)
		for h := range H {
			att := tr.Att[li][h]
			off := h * hd
			for t := range T {
				row := att[t*T : t*T+t+1]
				dyt := dy[t*D+off : t*D+off+hd]
				// dP[s] = dy·v_s ; dV_s += P[s]·dy
				dot := 0.0
				for s := range row {
					vb := s*3*D + 2*D + off
					d := floats.Dot(dyt, L.qkv[vb:vb+hd])
					floats.AddScaled(dqkv[vb:vb+hd], row[s], dyt)
					dp[s] = d
					dot += row[s] * d
				}
				qb := t*3*D + off
				for s := range row {
					ds := row[s] * (dp[s] - dot) * scale
					if ds == 0 {
						continue
					}
					kb := s*3*D + D + off
					floats.AddScaled(dqkv[qb:qb+hd], ds, L.qkv[kb:kb+hd])
					floats.AddScaled(dqkv[kb:kb+hd], ds, L.qkv[qb:qb+hd])
				}
			}
		}
		dh1 := make([]float64, T*D)
		linearBack(dh1, grad[lo.wqkv:], grad[lo.bqkv:], dqkv, L.h1, p[lo.wqkv:], T, D, 3*D)
		dx = dxmid
		layerNormBack(dx, grad[lo.ln1g:], grad[lo.ln1b:], dh1, L.xin, L.m1, L.r1, p[lo.ln1g:], T, D)
	}
	for t, tk := range tr.tokens {
		for i := range D {
			grad[m.off.wte+tk*D+i] += dx[t*D+i]
			grad[m.off.wpe+t*D+i] += dx[t*D+i]
		}
	}
}

// DLogitsFromLogProb converts ∂loss/∂log p(target_t) at each position t
// (gl[t], 0 to skip) into ∂loss/∂logits: gl·(onehot − softmax).
func (tr *Trace) DLogitsFromLogProb(targets []int, gl []float64, V int) []float64 {
	d := make([]float64, tr.T*V)
	for t, g := range gl {
		if g == 0 {
			continue
		}
		lp := tr.LogP[t*V : (t+1)*V]
		for v := range V {
			d[t*V+v] = -g * math.Exp(lp[v])
		}
		d[t*V+targets[t]] += g
	}
	return d
}

// Hidden is the final LayerNorm output at position t (the features the
// output head reads; a value head can be fitted on them).
func (tr *Trace) Hidden(t int) []float64 {
	D := len(tr.hf) / tr.T
	return tr.hf[t*D : (t+1)*D]
}
