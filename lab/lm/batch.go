package lm

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
)

// Batch decodes several continuations of one cached context in lockstep,
// e.g. the Monte Carlo rollouts that estimate a value from one prefix. The
// context's keys and values are shared, not copied (a Cache.Clone per
// rollout copies Layers·2·Len·D floats); each sequence keeps only its own
// suffix; and every layer's matrix products run over the batch's rows with
// the weight row outermost, so each weight is read once per step for the
// whole batch. Per sequence the arithmetic is Cache.Step's in the same
// order, so the log-probs are bit-identical to stepping a cloned Cache
// (TestBatchMatchesCache).
//
// All live sequences have the same length: each Step feeds exactly one
// token to every sequence; Keep drops finished ones.
type Batch struct {
	m      *Model
	n0     int         // shared context length
	pk, pv [][]float64 // per layer: the shared context's keys and values (n0×D, read only)
	seqs   []*batchSeq
	s      int // tokens fed to every sequence since the fork
}

type batchSeq struct{ k, v [][]float64 } // per layer: own keys/values (s×D)

// Fork returns a batch of n sequences that continue the context fed to c.
// The batch reads c's keys and values as they are now; c may go on being
// stepped (that appends and never rewrites them).
func (c *Cache) Fork(n int) *Batch {
	L := len(c.k)
	D := c.m.Cfg.D
	b := &Batch{m: c.m, n0: c.n, pk: make([][]float64, L), pv: make([][]float64, L)}
	for l := range L {
		b.pk[l] = c.k[l][: c.n*D : c.n*D]
		b.pv[l] = c.v[l][: c.n*D : c.n*D]
	}
	for range n {
		b.seqs = append(b.seqs, &batchSeq{k: make([][]float64, L), v: make([][]float64, L)})
	}
	return b
}

// Size is the number of live sequences.
func (b *Batch) Size() int { return len(b.seqs) }

// Len is every live sequence's context length (tokens fed, context included).
func (b *Batch) Len() int { return b.n0 + b.s }

// Keep drops the sequences i with keep[i] false; the survivors keep their
// order (sequence i of the result is the i-th kept one).
func (b *Batch) Keep(keep []bool) error {
	if len(keep) != len(b.seqs) {
		return fmt.Errorf("lm: Keep with %d flags for %d sequences", len(keep), len(b.seqs))
	}
	out := b.seqs[:0]
	for i, s := range b.seqs {
		if keep[i] {
			out = append(out, s)
		}
	}
	for i := len(out); i < len(b.seqs); i++ {
		b.seqs[i] = nil
	}
	b.seqs = out
	return nil
}

// Step feeds toks[i] to sequence i and returns each sequence's log-probs
// of the next token (rows of len Vocab).
func (b *Batch) Step(toks []int) ([][]float64, error) {
	m := b.m
	cf := m.Cfg
	B := len(b.seqs)
	if len(toks) != B {
		return nil, fmt.Errorf("lm: batch step with %d tokens for %d sequences", len(toks), B)
	}
	t := b.n0 + b.s
	if t >= cf.MaxT {
		return nil, fmt.Errorf("lm: context full (%d tokens)", cf.MaxT)
	}
	for i, tk := range toks {
		if tk < 0 || tk >= cf.Vocab {
			return nil, fmt.Errorf("lm: token %d (sequence %d) out of the vocabulary [0,%d)", tk, i, cf.Vocab)
		}
	}
	D, H, V := cf.D, cf.Heads, cf.Vocab
	hd := D / H
	scale := 1 / math.Sqrt(float64(hd))
	p := m.params
	x := make([]float64, B*D)
	for r, tk := range toks {
		for i := range D {
			x[r*D+i] = p[m.off.wte+tk*D+i] + p[m.off.wpe+t*D+i]
		}
	}
	mu, rs := make([]float64, B), make([]float64, B)
	h1 := make([]float64, B*D)
	qkv := make([]float64, B*3*D)
	y := make([]float64, B*D)
	o := make([]float64, B*D)
	xmid := make([]float64, B*D)
	h2 := make([]float64, B*D)
	u := make([]float64, B*4*D)
	mo := make([]float64, B*D)
	row := make([]float64, t+1)
	for li, lo := range m.off.layers {
		layerNorm(h1, mu, rs, x, p[lo.ln1g:], p[lo.ln1b:], B, D)
		linearRows(qkv, h1, p[lo.wqkv:], p[lo.bqkv:], B, D, 3*D)
		pk, pv := b.pk[li], b.pv[li]
		for r, sq := range b.seqs {
			q := qkv[r*3*D : r*3*D+D]
			sq.k[li] = append(sq.k[li], qkv[r*3*D+D:r*3*D+2*D]...)
			sq.v[li] = append(sq.v[li], qkv[r*3*D+2*D:r*3*D+3*D]...)
			sk, sv := sq.k[li], sq.v[li]
			for h := range H {
				off := h * hd
				attendRow(row, y[r*D+off:r*D+off+hd], q[off:off+hd], pk[min(off, len(pk)):], pv[min(off, len(pv)):], D, b.n0, sk[off:], sv[off:], D, scale)
			}
		}
		linearRows(o, y, p[lo.wo:], p[lo.bo:], B, D, D)
		for i := range xmid {
			xmid[i] = x[i] + o[i]
		}
		layerNorm(h2, mu, rs, xmid, p[lo.ln2g:], p[lo.ln2b:], B, D)
		linearRows(u, h2, p[lo.w1:], p[lo.b1:], B, D, 4*D)
		for i, v := range u {
			u[i] = gelu(v)
		}
		linearRows(mo, u, p[lo.w2:], p[lo.b2:], B, 4*D, D)
		for i := range x {
			x[i] = xmid[i] + mo[i]
		}
	}
	hf := make([]float64, B*D)
	layerNorm(hf, mu, rs, x, p[m.off.lnfg:], p[m.off.lnf:], B, D)
	wte := p[m.off.wte : m.off.wte+V*D]
	out := make([][]float64, B)
	for r := range B {
		lp := make([]float64, V)
		logitsRow(lp, hf[r*D:(r+1)*D], wte, D)
		logSoftmax(lp)
		out[r] = lp
	}
	b.s++
	return out, nil
}

// linearRows is linear with the loops reordered (weight row outermost):
// every out[t][j] still accumulates b[j] + Σ_i in[t][i]·W[i][j] in the same
// order of i, so the result is bit-identical to linear's.
func linearRows(out, in, w, b []float64, T, din, dout int) {
	for t := range T {
		copy(out[t*dout:(t+1)*dout], b[:dout])
	}
	for i := range din {
		wr := w[i*dout : (i+1)*dout]
		for t := range T {
			xi := in[t*din+i]
			if xi == 0 {
				continue
			}
			floats.AddScaled(out[t*dout:(t+1)*dout], xi, wr)
		}
	}
}
