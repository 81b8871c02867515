package train

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/lab/critic"
	"github.com/credo-rl/credo/lab/policy"
	"github.com/credo-rl/credo/lab/sample"
	"github.com/credo-rl/credo/loss"
	"github.com/credo-rl/credo/rollout"
)

// Loss kinds.
const (
	PPO       = "ppo"       // loss.PolicyLossVanilla (clip 0.2, dual clip 3)
	Reinforce = "reinforce" // loss.PolicyLossGPG: −A·log π
)

// Method is a registered credit method with resolved parameter values.
type Method struct {
	M      *credit.Method
	Values credit.Values
	State  *credit.State // carried across calls (stateful methods)
}

// NewMethod looks a method up and applies "key" → value overrides over its
// defaults (unknown keys are ignored, so one override table can serve
// several methods). Values must have the parameter's type.
func NewMethod(name string, set map[string]any) (*Method, error) {
	m, err := credit.Lookup(name)
	if err != nil {
		return nil, err
	}
	v := m.Defaults()
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		// Names the method does not have are skipped (a profile may set
		// gamma for every method); names and aliases are checked by kind
		// and range.
		if p, _ := m.Param(k); p == nil {
			continue
		}
		if err := m.SetValue(v, k, set[k]); err != nil {
			return nil, err
		}
	}
	return &Method{M: m, Values: v, State: credit.NewState()}, nil
}

// Clone returns the method with a copy of its state (so that extra
// assignments do not advance the original's state).
func (m *Method) Clone() (*Method, error) {
	js, err := m.State.Marshal()
	if err != nil {
		return nil, err
	}
	st := credit.NewState()
	if err := json.Unmarshal(js, st); err != nil {
		return nil, err
	}
	if st.Methods == nil {
		st.Methods = map[string]map[string]json.RawMessage{}
	}
	return &Method{M: m.M, Values: m.Values, State: st}, nil
}

// Assign writes the method's advantages into b.Batch.
func (m *Method) Assign(b *sample.Built) error {
	for _, t := range b.Batch.Trajectories {
		t.Advantages, t.Returns, t.LossWeights = nil, nil, nil
	}
	if err := m.M.AssignState(b.Batch, m.Values, m.State); err != nil {
		return err
	}
	for i, t := range b.Batch.Trajectories {
		if len(t.Advantages) != t.Len() {
			return fmt.Errorf("method %s wrote %d advantages for trajectory %d of %d tokens", m.M.Name, len(t.Advantages), i, t.Len())
		}
		for j, a := range t.Advantages {
			if math.IsNaN(a) || math.IsInf(a, 0) {
				return fmt.Errorf("method %s wrote a non-finite advantage (%v) at trajectory %d token %d", m.M.Name, a, i, j)
			}
		}
	}
	return nil
}

// Update is one policy update's configuration.
type Update struct {
	Loss   string // PPO or Reinforce
	Epochs int    // passes over the batch (PPO; REINFORCE uses 1)
	Config loss.VerlPolicyConfig
}

// DefaultUpdate is PPO-clip with verl's defaults and 2 epochs.
func DefaultUpdate() Update {
	return Update{Loss: PPO, Epochs: 2, Config: loss.DefaultVerlPolicyConfig()}
}

// policyBatch assembles the engine loss inputs from a batch whose
// advantages are set; probe trajectories are masked out of the loss.
func policyBatch(pol policy.Policy, b *sample.Built) loss.PolicyBatch {
	n := len(b.Batch.Trajectories)
	pb := loss.PolicyBatch{OldLogProb: make([][]float64, n), LogProb: make([][]float64, n),
		Advantages: make([][]float64, n), ResponseMask: make([][]float64, n)}
	for i, t := range b.Batch.Trajectories {
		pb.OldLogProb[i] = t.OldLogProbs
		pb.Advantages[i] = t.Advantages
		m := make([]float64, t.Len())
		lp := make([]float64, t.Len())
		for j, tok := range b.Tokens[i] {
			if !t.Probe {
				m[j] = Weight(t, j)
			}
			lp[j] = math.Log(math.Max(pol.Probs(tok.S, tok.T)[tok.A], 1e-300))
		}
		pb.ResponseMask[i] = m
		pb.LogProb[i] = lp
	}
	return pb
}

// Weight is token j's loss weight: the mask times the method's
// loss_weights when it wrote any.
func Weight(t *rollout.Trajectory, j int) float64 {
	w := t.MaskAt(j)
	if t.LossWeights != nil {
		w *= t.LossWeights[j]
	}
	return w
}

// LossGrad evaluates the engine loss at the current policy and returns the
// loss and ∂loss/∂log π per token.
func LossGrad(pol policy.Policy, b *sample.Built, u Update) (loss.PolicyResult, error) {
	pb := policyBatch(pol, b)
	switch u.Loss {
	case PPO, "":
		return loss.PolicyLossVanilla(pb, u.Config)
	case Reinforce:
		return loss.PolicyLossGPG(pb, u.Config)
	}
	return loss.PolicyResult{}, fmt.Errorf("unknown loss %q (want %s or %s)", u.Loss, PPO, Reinforce)
}

// ParamGrad chains ∂loss/∂log π into the policy parameters.
func ParamGrad(pol policy.Policy, b *sample.Built, gradLogProb [][]float64) []float64 {
	g := make([]float64, pol.Dim())
	for i, row := range gradLogProb {
		for j, gl := range row {
			if gl == 0 {
				continue
			}
			tok := b.Tokens[i][j]
			pol.AddGradLogProb(g, tok.S, tok.T, tok.A, gl)
		}
	}
	return g
}

// Stats summarise one update.
type Stats struct {
	Loss, ClipFrac float64
	GradNorm       float64 // norm of the first epoch's parameter gradient
}

// Step applies u to pol with opt from the advantages already in b.
func Step(pol policy.Policy, opt *policy.Adam, b *sample.Built, u Update) (Stats, error) {
	epochs := u.Epochs
	if epochs < 1 || u.Loss == Reinforce {
		epochs = 1
	}
	var st Stats
	for ep := 0; ep < epochs; ep++ {
		res, err := LossGrad(pol, b, u)
		if err != nil {
			return st, err
		}
		g := ParamGrad(pol, b, res.GradLogProb)
		if ep == 0 {
			st.Loss, st.ClipFrac = res.Loss, res.ClipFrac
			s := 0.0
			for _, x := range g {
				s += x * x
			}
			st.GradNorm = math.Sqrt(s)
		}
		opt.Step(pol.Params(), g)
	}
	return st, nil
}

// CriticInputs lists each token's critic input.
func CriticInputs(b *sample.Built) [][]critic.Input {
	out := make([][]critic.Input, len(b.Tokens))
	for i, row := range b.Tokens {
		out[i] = make([]critic.Input, len(row))
		for j, tok := range row {
			out[i][j] = critic.Input{S: tok.S, T: tok.T, Role: tok.Role, A: tok.A}
		}
	}
	return out
}

// MCReturns are the per-token Monte Carlo returns-to-go of the batch's
// trajectories (from their token rewards when present, else the outcome on
// the last token).
func MCReturns(b *sample.Built) [][]float64 {
	out := make([][]float64, len(b.Batch.Trajectories))
	for i, t := range b.Batch.Trajectories {
		r := make([]float64, t.Len())
		if t.TokenRewards != nil {
			copy(r, t.TokenRewards)
		} else if t.Len() > 0 {
			r[t.Len()-1] = t.Rewards["outcome"]
		}
		for j := len(r) - 2; j >= 0; j-- {
			r[j] += r[j+1]
		}
		out[i] = r
	}
	return out
}

// UpdateCritic regresses the critic for the given number of steps on the
// method's returns (methodReturns: GAE's λ-returns, advantages + values) or
// on the Monte Carlo returns-to-go.
func UpdateCritic(c critic.Critic, b *sample.Built, steps int, methodReturns bool) error {
	ins := CriticInputs(b)
	old := make([][]float64, len(ins))
	tg := make([][]float64, len(ins))
	mc := MCReturns(b)
	for i, t := range b.Batch.Trajectories {
		old[i] = make([]float64, len(ins[i]))
		for j, in := range ins[i] {
			old[i][j] = c.V(in.S, in.T, in.Role)
		}
		if methodReturns && t.Returns != nil {
			tg[i] = t.Returns
		} else {
			tg[i] = mc[i]
		}
	}
	for k := 0; k < steps; k++ {
		if _, err := c.Update(ins, old, tg); err != nil {
			return err
		}
	}
	return nil
}
