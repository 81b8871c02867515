package lmexp

import (
	"math"
	"math/rand/v2"

	"github.com/credo-rl/credo/lab/lm"
	"github.com/credo-rl/credo/lab/textenv"
)

// Truth is the ground-truth per-token advantage of one completion:
// A[j] = V(prefix + token j) − V(prefix), with V(x) = E_π[reward | x]
// (deterministic transitions, reward at the end, γ = 1), and its standard
// error (0 when exact). V[j] is the value before token j (len L+1; V[L]
// is the completion's own reward).
type Truth struct {
	A, SE, V []float64
	Exact    bool
}

// ExactTruth computes the exact A^π per token for tasks with a strict
// canonical chain (textenv.Task.Canonical): the only rewarded completion
// is canonical+EOS, so V(prefix) = Π_{i ≥ j} π(c_i | c_<i) when the prefix
// is the canonical one's first j tokens and 0 otherwise (environments.md
// §5.5: a wrong token is never recovered from). One forward pass of the
// canonical completion gives every value; the per-token state is
// (problem, position, whether the prefix is still canonical), the Markov
// token state of §5.5 for this policy.
func (p *Policy) ExactTruth(t *textenv.Task, cs []*Completion) ([]Truth, error) {
	pr, err := p.Prompt(t)
	if err != nil {
		return nil, err
	}
	ids, err := p.voc.Encode(t.Canonical)
	if err != nil {
		return nil, err
	}
	canon := append(ids, lm.EOS)
	st, err := p.M.Score(append(append([]int{}, pr...), canon...), len(pr))
	if err != nil {
		return nil, err
	}
	S := make([]float64, len(canon)+1)
	S[len(canon)] = 1
	for j := len(canon) - 1; j >= 0; j-- {
		S[j] = S[j+1] * math.Exp(st.LogProb[j])
	}
	out := make([]Truth, len(cs))
	for i, c := range cs {
		L := len(c.Tokens)
		d := 0
		for d < L && d < len(canon) && c.Tokens[d] == canon[d] {
			d++
		}
		V := make([]float64, L+1)
		for j := 0; j <= L; j++ {
			if j <= d && j <= len(canon) {
				V[j] = S[j]
			}
		}
		if L < len(canon) || d < L {
			V[L] = 0 // a cut or wrong completion is unrewarded
		}
		tr := Truth{V: V, A: make([]float64, L), SE: make([]float64, L), Exact: true}
		for j := range L {
			tr.A[j] = V[j+1] - V[j]
		}
		out[i] = tr
	}
	return out, nil
}

// MCTruth estimates V at every prefix of each completion with m sampled
// continuations (identical prefixes are estimated once), the completion's
// own reward being V at its end; SE is the standard error of each A[j].
func (p *Policy) MCTruth(ts []*textenv.Task, cs []*Completion, m int, rng *rand.Rand) ([]Truth, error) {
	type est struct{ mean, se float64 }
	memo := map[string]est{}
	out := make([]Truth, len(cs))
	for i, c := range cs {
		t := ts[c.Task]
		cache, lp, err := p.prompted(ts, c.Task)
		if err != nil {
			return nil, err
		}
		L := len(c.Tokens)
		V := make([]float64, L+1)
		se := make([]float64, L+1)
		V[L] = c.Out.Reward
		for j := 0; j < L; j++ {
			if c.Obs[j] {
				// the environment writes this token: V is unchanged across it
				// (filled from the next policy token below)
			} else {
				k := prefixKey(c.Task, c.Tokens[:j])
				e, ok := memo[k]
				if !ok {
					var s, s2 float64
					for range m {
						toks, _, _, err := p.roll(t, cache.Clone(), lp, append([]int{}, c.Tokens[:j]...), make([]float64, j), make([]bool, j), rng)
						if err != nil {
							return nil, err
						}
						ended := len(toks) > 0 && toks[len(toks)-1] == lm.EOS
						r := t.Score(lm.Vocab{}.Decode(toks), ended).Reward
						s += r
						s2 += r * r
					}
					mean := s / float64(m)
					va := math.Max(0, s2/float64(m)-mean*mean) * float64(m) / math.Max(1, float64(m-1))
					e = est{mean, math.Sqrt(va / float64(m))}
					memo[k] = e
				}
				V[j], se[j] = e.mean, e.se
			}
			if j == L-1 {
				break // nothing to feed after the last token
			}
			if lp, err = cache.Step(c.Tokens[j]); err != nil {
				return nil, err
			}
		}
		for j := L - 1; j >= 0; j-- {
			if c.Obs[j] {
				V[j], se[j] = V[j+1], se[j+1]
			}
		}
		tr := Truth{V: V, A: make([]float64, L), SE: make([]float64, L)}
		for j := range L {
			if c.Obs[j] {
				continue // exactly 0: a deterministic environment transition
			}
			tr.A[j] = V[j+1] - V[j]
			tr.SE[j] = math.Sqrt(se[j]*se[j] + se[j+1]*se[j+1])
		}
		out[i] = tr
	}
	return out, nil
}
