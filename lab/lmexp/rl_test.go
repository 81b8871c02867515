package lmexp

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/credo-rl/credo/lab/lm"
	"github.com/credo-rl/credo/lab/sample"
	"github.com/credo-rl/credo/lab/textenv"
	"github.com/credo-rl/credo/lab/train"
	"github.com/credo-rl/credo/loss"
	"github.com/credo-rl/credo/rollout"
)

// TestPolicyGradientChain: the parameter gradient the trainer builds (the
// engine's ∂loss/∂log π chained through the transformer's backward pass)
// equals central finite differences of the engine's PPO-clip loss with the
// log-probs recomputed by the model at perturbed parameters.
func TestPolicyGradientChain(t *testing.T) {
	ts, err := textenv.Pool("countdown", 2, textenv.Config{}, 3)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPolicy(lm.Config{D: 8, Heads: 2, Layers: 1}, ts, 3)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(4, 4))
	var cs []*Completion
	for ti := range ts {
		g, err := p.Group(ts, ti, 3, rng)
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, g...)
	}
	// distinct rewards so that GRPO's advantages are non-zero
	for i, c := range cs {
		c.Out.Reward = float64(i%3) / 2
	}
	b := &rollout.Batch{}
	for i, c := range cs {
		b.Trajectories = append(b.Trajectories, trajectory("t"+itoa(i), ts[c.Task], c, nil, nil, false))
	}
	tm, err := train.NewMethod("verl.grpo", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := tm.Assign(&sample.Built{Batch: b}); err != nil {
		t.Fatal(err)
	}
	lossAt := func() (loss.PolicyResult, [][]float64) {
		pb := loss.PolicyBatch{}
		var lps [][]float64
		for i, c := range cs {
			pr, _ := p.Prompt(ts[c.Task])
			st, err := p.M.Score(append(append([]int{}, pr...), c.Tokens...), len(pr))
			if err != nil {
				t.Fatal(err)
			}
			lps = append(lps, st.LogProb)
			tr := b.Trajectories[i]
			m := make([]float64, tr.Len())
			for j := range m {
				m[j] = train.Weight(tr, j)
			}
			pb.OldLogProb = append(pb.OldLogProb, tr.OldLogProbs)
			pb.LogProb = append(pb.LogProb, st.LogProb)
			pb.Advantages = append(pb.Advantages, tr.Advantages)
			pb.ResponseMask = append(pb.ResponseMask, m)
		}
		r, err := loss.PolicyLossVanilla(pb, loss.DefaultVerlPolicyConfig())
		if err != nil {
			t.Fatal(err)
		}
		return r, lps
	}
	// move off the behaviour policy so that the ratio is not 1 everywhere
	for i := range p.M.Params() {
		p.M.Params()[i] += 0.01 * math.Sin(float64(i))
	}
	r0, _ := lossAt()
	g := make([]float64, p.M.Dim())
	for i, c := range cs {
		pr, _ := p.Prompt(ts[c.Task])
		if _, err := p.M.AddGrad(append(append([]int{}, pr...), c.Tokens...), len(pr), r0.GradLogProb[i], g); err != nil {
			t.Fatal(err)
		}
	}
	const eps = 1e-6
	checked := 0
	for i := 0; i < p.M.Dim(); i += 97 {
		old := p.M.Params()[i]
		p.M.Params()[i] = old + eps
		up, _ := lossAt()
		p.M.Params()[i] = old - eps
		dn, _ := lossAt()
		p.M.Params()[i] = old
		num := (up.Loss - dn.Loss) / (2 * eps)
		if d := math.Abs(num - g[i]); d > 1e-6*math.Max(1, math.Abs(num)) {
			t.Errorf("param %d: chained %.9g, numeric %.9g", i, g[i], num)
		}
		if math.Abs(num) > 1e-9 {
			checked++
		}
	}
	if checked < 5 {
		t.Fatalf("only %d parameters with a non-zero gradient checked", checked)
	}
}
