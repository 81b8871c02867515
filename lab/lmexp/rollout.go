package lmexp

import (
	"math"
	"math/rand/v2"
	"strings"

	"github.com/credo-rl/credo/lab/lm"
	"github.com/credo-rl/credo/lab/textenv"
)

// rollN finishes n continuations of prefix (already fed into c; lp = the
// log-probs after it) in one lockstep batch (lm.Batch: the prefix's keys
// and values are shared, not cloned) and returns each one's reward. Every
// sequence follows roll's rules exactly: draw a token, stop after
// end-of-sequence, MaxNew tokens or a full context, and insert the
// environment's observations as tokens the policy does not choose. When
// exclude ≥ 0 the first token is drawn from π(· | prefix) restricted to
// the other tokens (renormalised).
func (p *Policy) rollN(t *textenv.Task, c *lm.Cache, lp []float64, prefix []int, exclude, n int, rng *rand.Rand) ([]float64, error) {
	rs, _, err := p.rollSeqs(t, c, lp, prefix, exclude, n, rng)
	return rs, err
}

// rollSeqs is rollN that also returns each continuation's tokens (prefix
// included). With n = 1 and exclude < 0 it draws exactly as roll does
// (one uniform per policy token, the same log-probs), so both give the
// same completion from the same random stream (TestRollNMatchesRoll).
func (p *Policy) rollSeqs(t *textenv.Task, c *lm.Cache, lp []float64, prefix []int, exclude, n int, rng *rand.Rand) ([]float64, [][]int, error) {
	type seq struct {
		toks    []int
		text    strings.Builder
		pending []int // observation tokens still to feed
		lp      []float64
		done    bool
	}
	maxT := p.M.Cfg.MaxT
	first := lp
	if exclude >= 0 {
		first = append([]float64(nil), lp...)
		first[exclude] = math.Inf(-1)
	}
	pre := p.voc.Decode(prefix)
	ss := make([]*seq, n)
	for i := range ss {
		s := &seq{toks: append(make([]int, 0, t.MaxNew), prefix...), lp: first}
		s.text.WriteString(pre)
		ss[i] = s
	}
	rewards := make([]float64, n)
	finish := func(i int) {
		s := ss[i]
		s.done = true
		ended := len(s.toks) > 0 && s.toks[len(s.toks)-1] == lm.EOS
		rewards[i] = t.Score(p.voc.Decode(s.toks), ended).Reward
	}
	b := c.Fork(n)
	live := make([]int, n) // batch row → sequence
	for i := range live {
		live[i] = i
	}
	ctxLen := c.Len()
	for len(live) > 0 {
		feed := make([]int, 0, len(live))
		keep := make([]bool, len(live))
		var next []int
		for r, i := range live {
			s := ss[i]
			if len(s.pending) > 0 && len(s.toks) < t.MaxNew && ctxLen < maxT {
				tk := s.pending[0]
				s.pending = s.pending[1:]
				s.toks = append(s.toks, tk)
				feed, keep[r], next = append(feed, tk), true, append(next, i)
				continue
			}
			s.pending = nil
			if len(s.toks) >= t.MaxNew {
				finish(i)
				continue
			}
			tk := lm.Draw(s.lp, 1, rng)
			s.toks = append(s.toks, tk)
			if tk == lm.EOS || len(s.toks) == t.MaxNew || ctxLen >= maxT {
				finish(i)
				continue
			}
			s.text.WriteString(p.voc.Token(tk))
			if o := t.Observe(s.text.String()); o != "" {
				ids, err := p.voc.Encode(o)
				if err != nil {
					return nil, nil, err
				}
				s.pending = ids
				s.text.WriteString(o)
			}
			feed, keep[r], next = append(feed, tk), true, append(next, i)
		}
		if err := b.Keep(keep); err != nil {
			return nil, nil, err
		}
		live = next
		if len(live) == 0 {
			break
		}
		lps, err := b.Step(feed)
		if err != nil {
			return nil, nil, err
		}
		ctxLen++
		for r, i := range live {
			ss[i].lp = lps[r]
		}
	}
	toks := make([][]int, n)
	for i, s := range ss {
		toks[i] = s.toks
	}
	return rewards, toks, nil
}
