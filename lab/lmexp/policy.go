package lmexp

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/credo-rl/credo/lab/lm"
	"github.com/credo-rl/credo/lab/policy"
	"github.com/credo-rl/credo/lab/textenv"
)

// Policy is a language model acting on text tasks.
type Policy struct {
	M   *lm.Model
	voc lm.Vocab
	// pre caches each task's prompt prefill; Invalidate clears it after a
	// parameter update.
	pre map[int]prefill
}

type prefill struct {
	m  *lm.Model // the model the prefill was computed with
	c  *lm.Cache
	lp []float64
}

// Invalidate drops cached prompt prefills (call after changing parameters
// in place; a prefill computed with another model than p.M is never used).
func (p *Policy) Invalidate() { p.pre = nil }

// prompted returns a fresh cache holding task ti's prompt and the log-probs after it.
func (p *Policy) prompted(ts []*textenv.Task, ti int) (*lm.Cache, []float64, error) {
	if f, ok := p.pre[ti]; ok && f.m == p.M {
		return f.c.Clone(), f.lp, nil
	}
	pr, err := p.Prompt(ts[ti])
	if err != nil {
		return nil, nil, err
	}
	c := p.M.NewCache()
	lp, err := c.Feed(pr)
	if err != nil {
		return nil, nil, err
	}
	if p.pre == nil {
		p.pre = map[int]prefill{}
	}
	p.pre[ti] = prefill{p.M, c.Clone(), lp}
	return c, lp, nil
}

// NewPolicy builds a model sized by cfg for tasks (MaxT covers the longest
// prompt plus completion).
func NewPolicy(cfg lm.Config, tasks []*textenv.Task, seed uint64) (*Policy, error) {
	cfg.Vocab = lm.CharVocab
	need := 0
	for _, t := range tasks {
		need = max(need, 1+len(t.Prompt)+t.MaxNew)
	}
	if cfg.MaxT < need {
		cfg.MaxT = need
	}
	m, err := lm.New(cfg, seed)
	if err != nil {
		return nil, err
	}
	return &Policy{M: m}, nil
}

// Prompt is the token sequence of a task's prompt (EOS as the start token).
func (p *Policy) Prompt(t *textenv.Task) ([]int, error) {
	ids, err := p.voc.Encode(t.Prompt)
	if err != nil {
		return nil, fmt.Errorf("task %s prompt: %w", t.ID, err)
	}
	return append([]int{lm.EOS}, ids...), nil
}

// Completion is one sampled response.
type Completion struct {
	Task   int
	Tokens []int     // generated ids (EOS included when the policy ended)
	LogP   []float64 // behaviour log-probs (0 on observation tokens)
	Obs    []bool    // tokens inserted by the environment (not chosen by the policy)
	Ended  bool
	Out    textenv.Outcome
	// Parent/At: a tree or probe child shares the first At tokens of completion Parent (−1: none).
	Parent, At int
	Probe      bool
}

// Text is the completion's text (EOS excluded).
func (c *Completion) Text() string { return lm.Vocab{}.Decode(c.Tokens) }

func (p *Policy) finish(t *textenv.Task, c *Completion) {
	c.Ended = len(c.Tokens) > 0 && c.Tokens[len(c.Tokens)-1] == lm.EOS
	c.Out = t.Score(c.Text(), c.Ended)
}

// roll continues a completion (prefix already fed into c; lp = the
// log-probs after the last fed token) until end-of-sequence, MaxNew tokens
// or a full context, inserting the environment's observations (t.Observe)
// as tokens the policy does not choose (Obs, log-prob 0).
func (p *Policy) roll(t *textenv.Task, c *lm.Cache, lp []float64, toks []int, lps []float64, obs []bool, rng *rand.Rand) ([]int, []float64, []bool, error) {
	var text strings.Builder
	text.WriteString(p.voc.Decode(toks))
	maxT := p.M.Cfg.MaxT
	for len(toks) < t.MaxNew {
		tk := lm.Draw(lp, 1, rng)
		toks, lps, obs = append(toks, tk), append(lps, lp[tk]), append(obs, false)
		if tk == lm.EOS || len(toks) == t.MaxNew || c.Len() >= maxT {
			break
		}
		var err error
		if lp, err = c.Step(tk); err != nil {
			return nil, nil, nil, err
		}
		text.WriteString(p.voc.Token(tk))
		if o := t.Observe(text.String()); o != "" {
			ids, err := p.voc.Encode(o)
			if err != nil {
				return nil, nil, nil, err
			}
			for _, id := range ids {
				if len(toks) == t.MaxNew || c.Len() >= maxT {
					break
				}
				toks, lps, obs = append(toks, id), append(lps, 0), append(obs, true)
				if lp, err = c.Step(id); err != nil {
					return nil, nil, nil, err
				}
			}
			text.WriteString(o)
		}
	}
	return toks, lps, obs, nil
}

// sampleFrom draws a completion of task ti continuing prefix from cache c.
func (p *Policy) sampleFrom(ts []*textenv.Task, ti int, c *lm.Cache, lp []float64, prefix *Completion, k int, rng *rand.Rand) (*Completion, error) {
	var toks []int
	var lps []float64
	var obs []bool
	if prefix != nil {
		toks = append(toks, prefix.Tokens[:k]...)
		lps = append(lps, prefix.LogP[:k]...)
		obs = append(obs, prefix.Obs[:k]...)
	}
	toks, lps, obs, err := p.roll(ts[ti], c, lp, toks, lps, obs, rng)
	if err != nil {
		return nil, err
	}
	out := &Completion{Task: ti, Tokens: toks, LogP: lps, Obs: obs, Parent: -1}
	p.finish(ts[ti], out)
	return out, nil
}

// Group samples n completions of task ti (one prompt prefill, cloned).
func (p *Policy) Group(ts []*textenv.Task, ti, n int, rng *rand.Rand) ([]*Completion, error) {
	c0, lp, err := p.prompted(ts, ti)
	if err != nil {
		return nil, err
	}
	var out []*Completion
	for range n {
		c, err := p.sampleFrom(ts, ti, c0.Clone(), lp, nil, 0, rng)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// Continue samples one completion that shares the first k tokens of parent.
func (p *Policy) Continue(ts []*textenv.Task, parent *Completion, k int, rng *rand.Rand) (*Completion, error) {
	cs, err := p.ContinueN(ts, parent, k, 1, rng)
	if err != nil {
		return nil, err
	}
	return cs[0], nil
}

// ContinueN samples n completions that share the first k tokens of parent.
func (p *Policy) ContinueN(ts []*textenv.Task, parent *Completion, k, n int, rng *rand.Rand) ([]*Completion, error) {
	ti := parent.Task
	c, lp, err := p.prompted(ts, ti)
	if err != nil {
		return nil, err
	}
	prefix := parent.Tokens[:k]
	for _, tk := range prefix {
		if lp, err = c.Step(tk); err != nil {
			return nil, err
		}
	}
	var out []*Completion
	for range n {
		if k >= ts[ti].MaxNew || (k > 0 && prefix[k-1] == lm.EOS) {
			o := &Completion{Task: ti, Tokens: append([]int{}, prefix...), LogP: append([]float64{}, parent.LogP[:k]...),
				Obs: append([]bool{}, parent.Obs[:k]...), Parent: -1}
			p.finish(ts[ti], o)
			out = append(out, o)
			continue
		}
		o, err := p.sampleFrom(ts, ti, c.Clone(), lp, parent, k, rng)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// Supervise is the supervised warm start: Adam on −mean log p(demo
// tokens) over minibatches of demonstrations (every demo ends with EOS).
// Returns the final mean NLL.
func (p *Policy) Supervise(ts []*textenv.Task, steps, batch int, lr float64, rng *rand.Rand) (float64, error) {
	nll, _, err := p.SuperviseUntil(ts, steps, batch, lr, rng, 0, nil)
	return nll, err
}

// SuperviseUntil is Supervise with a stopping rule: after every every-th
// step (and after the last) it calls stop(steps done) and ends the warm
// start when it says so.
// It returns the final mean NLL and the number of steps taken.
func (p *Policy) SuperviseUntil(ts []*textenv.Task, steps, batch int, lr float64, rng *rand.Rand, every int, stop func(done int) (bool, error)) (float64, int, error) {
	type demo struct {
		seq  []int
		from int
		obs  []bool // per completion token
	}
	var demos []demo
	for _, t := range ts {
		pr, err := p.Prompt(t)
		if err != nil {
			return 0, 0, err
		}
		for _, d := range t.Demos {
			ids, err := p.voc.Encode(d)
			if err != nil {
				return 0, 0, fmt.Errorf("task %s demo: %w", t.ID, err)
			}
			seq := append(append(append([]int{}, pr...), ids...), lm.EOS)
			demos = append(demos, demo{seq, len(pr), append(t.ObsMask(d), false)})
		}
	}
	opt := policy.NewAdam(lr)
	nll := math.NaN()
	done := 0
	for done < steps {
		g := make([]float64, p.M.Dim())
		pick := make([]demo, batch)
		n := 0
		for b := range pick {
			pick[b] = demos[rng.IntN(len(demos))]
			for _, o := range pick[b].obs {
				if !o {
					n++
				}
			}
		}
		tot := 0.0
		for _, d := range pick {
			gl := make([]float64, len(d.seq)-d.from)
			for j := range gl {
				if !d.obs[j] { // the environment's observations are not the policy's to learn
					gl[j] = -1 / float64(n) // minimise the mean NLL per policy token
				}
			}
			lps, err := p.M.AddGrad(d.seq, d.from, gl, g)
			if err != nil {
				return 0, 0, err
			}
			for j, v := range lps {
				if !d.obs[j] {
					tot -= v
				}
			}
		}
		nll = tot / float64(n)
		// g = ∇ Σ gl·log p = ∇(mean NLL): Adam descends on it.
		opt.Step(p.M.Params(), g)
		p.Invalidate()
		done++
		if stop != nil && every > 0 && (done%every == 0 || done == steps) {
			end, err := stop(done)
			if err != nil {
				return 0, 0, err
			}
			if end {
				break
			}
		}
	}
	return nll, done, nil
}

func prefixKey(ti int, toks []int) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%d|", ti)
	sb.WriteString(lm.Vocab{}.Decode(toks))
	for _, t := range toks {
		if t == lm.EOS {
			sb.WriteString("<eos>")
		}
	}
	return sb.String()
}
