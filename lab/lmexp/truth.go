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

// TruthOptions size PathTruth's Monte Carlo.
type TruthOptions struct {
	// Samples is the number of rollouts at a position whose alternative
	// mass 1 − π(c_j) is 1; a position gets ⌈Samples·(1 − π)⌉ rollouts
	// (Neyman allocation: its advantage's error scales with 1 − π), at
	// least MinSamples (default 4).
	Samples, MinSamples int
	// Eps: positions with 1 − π < Eps (default 0.005) are not sampled. Their
	// advantage is estimated as 0, and since rewards lie in [0, 1] its
	// error is at most 1 − π; that bound enters SE as a standard error.
	Eps float64
}

func (o TruthOptions) withDefaults() TruthOptions {
	if o.Samples <= 0 {
		o.Samples = 32
	}
	if o.MinSamples <= 0 {
		o.MinSamples = 4
	}
	if o.Eps <= 0 {
		o.Eps = 0.005
	}
	return o
}

// TruthStats count PathTruth's work.
type TruthStats struct {
	Positions int // policy tokens of the completions
	Sampled   int // distinct (prefix, token) states whose off-path value was sampled
	Rollouts  int
}

// PathTruth estimates the per-token advantage of each completion by Monte
// Carlo along its own path, with the sampled token's branch taken exactly.
// With π_j = π(c_j | prefix_j), V(prefix_j) = π_j·V(prefix_{j+1}) +
// (1 − π_j)·W_j, where W_j = E[reward | prefix_j, first token ≠ c_j], so
//
//	A_j = V(prefix_{j+1}) − V(prefix_j) = (1 − π_j)·(V(prefix_{j+1}) − W_j)
//
// and V(prefix_L) is the completion's own reward. Only the W_j are sampled:
// rollouts whose first token is drawn from π(· | prefix_j) without c_j
// (lm.Batch, one lockstep batch per position). A token the policy was
// nearly sure of has a small advantage with a proportionally small error,
// so the rollouts go where the credit is decided (TruthOptions). This is a
// Rao–Blackwellised form of the plain estimator (MCTruth): both are
// unbiased for the same V. On ArithChain, where no wrong token is
// recovered from, every W_j after a slip is exactly 0, so a canonical
// completion gets ExactTruth's values with zero variance and a wrong one
// is uncertain only at its first wrong token (TestPathTruth).
// SE[j] is the standard error of A[j] (sampling error of W_j and of every
// later W on the path, propagated through the recursion).
func (p *Policy) PathTruth(ts []*textenv.Task, cs []*Completion, opt TruthOptions, rng *rand.Rand) ([]Truth, TruthStats, error) {
	opt = opt.withDefaults()
	type est struct{ mean, se float64 }
	memo := map[string]est{}
	var st TruthStats
	out := make([]Truth, len(cs))
	for i, c := range cs {
		t := ts[c.Task]
		cache, lp, err := p.prompted(ts, c.Task)
		if err != nil {
			return nil, st, err
		}
		L := len(c.Tokens)
		alt := make([]float64, L)  // 1 − π_j
		w := make([]est, L)        // W_j
		sampled := make([]bool, L) // W_j estimated (else bounded)
		for j := range L {
			if !c.Obs[j] {
				st.Positions++
				alt[j] = -math.Expm1(lp[c.Tokens[j]])
				if alt[j] >= opt.Eps {
					k := prefixKey(c.Task, c.Tokens[:j+1])
					e, ok := memo[k]
					if !ok {
						n := max(opt.MinSamples, int(math.Ceil(float64(opt.Samples)*alt[j])))
						rs, err := p.rollN(t, cache, lp, c.Tokens[:j], c.Tokens[j], n, rng)
						if err != nil {
							return nil, st, err
						}
						var s, s2 float64
						for _, r := range rs {
							s += r
							s2 += r * r
						}
						mean := s / float64(n)
						va := math.Max(0, s2/float64(n)-mean*mean) * float64(n) / float64(n-1)
						// n equal rewards must not claim zero error: the
						// variance is floored at a Bernoulli's with the
						// add-half mean (an upper bound for rewards in [0, 1]
						// with that mean)
						mt := (s + 0.5) / float64(n+1)
						va = math.Max(va, mt*(1-mt))
						e = est{mean, math.Sqrt(va / float64(n))}
						memo[k] = e
						st.Sampled++
						st.Rollouts += n
					}
					w[j], sampled[j] = e, true
				}
			}
			if j == L-1 {
				break
			}
			if lp, err = cache.Step(c.Tokens[j]); err != nil {
				return nil, st, err
			}
		}
		V := make([]float64, L+1)
		v2 := make([]float64, L+1) // squared standard error of V
		V[L] = c.Out.Reward
		tr := Truth{V: V, A: make([]float64, L), SE: make([]float64, L)}
		for j := L - 1; j >= 0; j-- {
			if c.Obs[j] { // the environment writes this token: V is unchanged, A = 0
				V[j], v2[j] = V[j+1], v2[j+1]
				continue
			}
			a, pi := alt[j], 1-alt[j]
			if sampled[j] {
				V[j] = pi*V[j+1] + a*w[j].mean
				v2[j] = pi*pi*v2[j+1] + a*a*w[j].se*w[j].se
				tr.A[j] = a * (V[j+1] - w[j].mean)
				tr.SE[j] = a * math.Sqrt(v2[j+1]+w[j].se*w[j].se)
			} else { // W_j taken as V(prefix_{j+1}): error ≤ 1 − π_j (rewards in [0, 1])
				V[j] = V[j+1]
				v2[j] = pi*pi*v2[j+1] + a*a
				tr.SE[j] = a * math.Sqrt(v2[j+1]+1)
			}
		}
		out[i] = tr
	}
	return out, st, nil
}

// EnumTruth computes the exact A^π per token for a task whose rewarded
// completions are a known finite set (textenv.Task.Rewarded, each ending
// with end-of-sequence; every other completion earns 0):
// V(prefix) = Σ_{r ∈ Rewarded, r extends prefix} π(rest of r | prefix),
// one forward pass per rewarded completion. ExactTruth is the case of a
// single rewarded completion.
func (p *Policy) EnumTruth(t *textenv.Task, cs []*Completion) ([]Truth, error) {
	pr, err := p.Prompt(t)
	if err != nil {
		return nil, err
	}
	type path struct {
		toks []int
		S    []float64 // S[j] = π(toks[j:] | prompt + toks[:j])
	}
	var rs []path
	for _, r := range t.Rewarded {
		ids, err := p.voc.Encode(r)
		if err != nil {
			return nil, err
		}
		toks := append(ids, lm.EOS)
		st, err := p.M.Score(append(append([]int{}, pr...), toks...), len(pr))
		if err != nil {
			return nil, err
		}
		S := make([]float64, len(toks)+1)
		S[len(toks)] = 1
		for j := len(toks) - 1; j >= 0; j-- {
			S[j] = S[j+1] * math.Exp(st.LogProb[j])
		}
		rs = append(rs, path{toks, S})
	}
	out := make([]Truth, len(cs))
	for i, c := range cs {
		L := len(c.Tokens)
		V := make([]float64, L+1)
		for _, r := range rs {
			for j := 0; j <= L && j <= len(r.toks); j++ {
				V[j] += r.S[j]
				if j < L && (j == len(r.toks) || r.toks[j] != c.Tokens[j]) {
					break
				}
			}
		}
		V[L] = c.Out.Reward // terminal: a completion cut short earns its own reward
		tr := Truth{V: V, A: make([]float64, L), SE: make([]float64, L), Exact: true}
		for j := range L {
			tr.A[j] = V[j+1] - V[j]
		}
		out[i] = tr
	}
	return out, nil
}
