package lmexp

import (
	"fmt"
	"math"
	"strconv"

	"github.com/credo-rl/credo/lab/lm"
	"github.com/credo-rl/credo/lab/textenv"
	"github.com/credo-rl/credo/rollout"
)

// attentionWindow is WAAD's distance cap W.
const attentionWindow = 10

// Extras are the per-token side inputs of one completion.
type extras struct {
	hidden  [][]float64 // final-layer features of the state before each token
	entropy []float64
	waad    []float64
	fai     []float64
	ref     []float64 // reference (warm-start) model log-probs
}

// tokenExtras runs one forward pass of prompt+completion under the current
// model (attention maps, entropies, hidden states) and one under ref.
//
// WAAD and FAI follow methods.md #6 (reconstructed definitions), averaged
// over all layers and heads: WAAD_t = Σ_{s<t} A[t,s]·min(t−s, W) over the
// query row of completion token t; FAI_s = mean over later completion
// positions t > s of A[t,s].
func (p *Policy) tokenExtras(t *textenv.Task, c *Completion, ref *lm.Model) (*extras, error) {
	pr, err := p.Prompt(t)
	if err != nil {
		return nil, err
	}
	seq := append(append([]int{}, pr...), c.Tokens...)
	st, err := p.M.Score(seq, len(pr))
	if err != nil {
		return nil, err
	}
	L, P := len(c.Tokens), len(pr)
	x := &extras{entropy: st.Entropy, waad: make([]float64, L), fai: make([]float64, L)}
	tr := st.Trace
	T := tr.T // = P+L−1 (the last token is not fed)
	for j := range L {
		x.hidden = append(x.hidden, append([]float64(nil), tr.Hidden(P-1+j)...))
	}
	nh := 0
	for l := range tr.Att {
		for h := range tr.Att[l] {
			nh++
			A := tr.Att[l][h]
			for j := range L {
				q := P + j // query position of completion token j
				if q >= T {
					continue
				}
				for s := 0; s < q; s++ {
					x.waad[j] += A[q*T+s] * float64(min(q-s, attentionWindow))
				}
				cnt := 0
				sum := 0.0
				for u := q + 1; u < T; u++ {
					sum += A[u*T+q]
					cnt++
				}
				if cnt > 0 {
					x.fai[j] += sum / float64(cnt)
				}
			}
		}
	}
	for j := range L {
		x.waad[j] /= float64(nh)
		x.fai[j] /= float64(nh)
	}
	if ref != nil {
		rs, err := ref.Score(seq, len(pr))
		if err != nil {
			return nil, err
		}
		x.ref = rs.LogProb
	}
	return x, nil
}

// planningTags marks HICRA's planning tokens in real text: the first token
// of every line (it decides what the line does: a step "v…", a filler
// "C…"/"R…", or the answer "#…") and, in an equation, the operator
// characters (the choice of the computation).
func planningTags(text string, n int) []int8 {
	tg := make([]int8, n)
	for j := 0; j < n && j < len(text); j++ {
		if j == 0 || text[j-1] == '\n' {
			tg[j] = 1
		}
		switch text[j] {
		case '+', '-', '*', '/':
			tg[j] = 1
		}
	}
	return tg
}

// trajectory converts a completion to an engine record. Lines become steps
// (kind "reasoning") with the PRM score ("prm") and the environment reward
// ("reward": the outcome on the last line); the EOS token joins the last line.
func trajectory(id string, t *textenv.Task, c *Completion, x *extras, values []float64, prm bool) *rollout.Trajectory {
	L := len(c.Tokens)
	tr := &rollout.Trajectory{ID: id, Group: t.ID, Probe: c.Probe,
		Tokens:      make([]int64, L),
		OldLogProbs: append([]float64(nil), c.LogP...),
		// "verified": the 0/1 verifier of PURE-VR (a correct final answer;
		// Countdown's 0.1 format score does not count)
		Rewards:  map[string]float64{rollout.DefaultReward: c.Out.Reward, "verified": verified(c.Out.Reward)},
		Features: map[string]any{"prompt": t.ID},
	}
	for j, tk := range c.Tokens {
		tr.Tokens[j] = int64(tk)
		if c.Obs[j] {
			if tr.Mask == nil {
				tr.Mask = make([]float64, L)
				for k := range tr.Mask {
					tr.Mask[k] = 1
				}
			}
			tr.Mask[j] = 0
		}
	}
	for k, ln := range c.Out.Lines {
		end := min(ln.End, L)
		if k == len(c.Out.Lines)-1 {
			end = L
		}
		if ln.Start >= end {
			continue
		}
		st := rollout.Step{Start: ln.Start, End: end, Kind: "reasoning", Rewards: map[string]float64{"reward": 0}}
		if prm {
			st.Rewards["prm"] = ln.PRM
		}
		tr.Steps = append(tr.Steps, st)
	}
	if len(tr.Steps) == 0 && L > 0 {
		tr.Steps = []rollout.Step{{Start: 0, End: L, Kind: "reasoning", Rewards: map[string]float64{"reward": 0}}}
		if prm {
			tr.Steps[0].Rewards["prm"] = 0
		}
	}
	if n := len(tr.Steps); n > 0 {
		tr.Steps[n-1].Rewards["reward"] = c.Out.Reward
	}
	tr.Tags = map[string][]int8{"planning": planningTags(c.Text(), L)}
	if x != nil {
		tr.RefLogProbs = x.ref
		tr.Scores = map[string][]float64{"waad": x.waad, "fai": x.fai, "entropy": x.entropy}
	}
	if values != nil {
		tr.Values = values
	}
	return tr
}

// valueHead is a ridge regression of the outcome on the model's final-layer
// features (the learned critic: it generalises across states because the
// features do). Fitted on a warm-up batch of the same policy, never on the
// scored batch.
type valueHead struct{ w []float64 }

func fitValueHead(feats [][]float64, y []float64, ridge float64) (*valueHead, error) {
	if len(feats) == 0 {
		return nil, fmt.Errorf("lmexp: value head: no training states")
	}
	d := len(feats[0]) + 1
	A := make([]float64, d*d)
	b := make([]float64, d)
	for i, f := range feats {
		row := append(append([]float64{}, f...), 1)
		for a := range d {
			b[a] += row[a] * y[i]
			for c := range d {
				A[a*d+c] += row[a] * row[c]
			}
		}
	}
	for a := range d - 1 {
		A[a*d+a] += ridge
	}
	w, err := solve(A, b, d)
	if err != nil {
		return nil, err
	}
	return &valueHead{w: w}, nil
}

func (v *valueHead) predict(f []float64) float64 {
	s := v.w[len(v.w)-1]
	for i, x := range f {
		s += v.w[i] * x
	}
	return s
}

// solve is Gaussian elimination with partial pivoting (A is d×d, symmetric
// positive definite with the ridge).
func solve(A, b []float64, d int) ([]float64, error) {
	A = append([]float64(nil), A...)
	b = append([]float64(nil), b...)
	for c := range d {
		p := c
		for r := c + 1; r < d; r++ {
			if math.Abs(A[r*d+c]) > math.Abs(A[p*d+c]) {
				p = r
			}
		}
		if math.Abs(A[p*d+c]) < 1e-12 {
			return nil, fmt.Errorf("lmexp: value head: singular system at column %d", c)
		}
		if p != c {
			for k := range d {
				A[c*d+k], A[p*d+k] = A[p*d+k], A[c*d+k]
			}
			b[c], b[p] = b[p], b[c]
		}
		for r := c + 1; r < d; r++ {
			f := A[r*d+c] / A[c*d+c]
			for k := c; k < d; k++ {
				A[r*d+k] -= f * A[c*d+k]
			}
			b[r] -= f * b[c]
		}
	}
	x := make([]float64, d)
	for r := d - 1; r >= 0; r-- {
		s := b[r]
		for k := r + 1; k < d; k++ {
			s -= A[r*d+k] * x[k]
		}
		x[r] = s / A[r*d+r]
	}
	return x, nil
}

func verified(r float64) float64 {
	if r >= 1 {
		return 1
	}
	return 0
}

func itoa(i int) string { return strconv.Itoa(i) }
