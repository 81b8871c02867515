package train

import (
	"math"

	"github.com/credo-rl/credo/lab/policy"
	"github.com/credo-rl/credo/lab/sample"
	"github.com/credo-rl/credo/lab/score"
	"github.com/credo-rl/credo/loss"
)

// EstimatedGradient is the method's policy-gradient estimate from the
// advantages in b: minus the gradient of the engine's REINFORCE loss
// (loss.PolicyLossGPG, seq-mean-token-sum: Σ_tokens Â·∇log π / #trajectories),
// keyed like Oracle.ExactGradient.
func EstimatedGradient(pol *policy.Tabular, b *sample.Built) (map[string][]float64, error) {
	u := Update{Loss: Reinforce, Config: loss.DefaultVerlPolicyConfig()}
	u.Config.AggMode = loss.SeqMeanTokenSum
	res, err := LossGrad(pol, b, u)
	if err != nil {
		return nil, err
	}
	g := map[string][]float64{}
	for i, row := range res.GradLogProb {
		for j, gl := range row {
			if gl == 0 {
				continue
			}
			tok := b.Tokens[i][j]
			p := pol.Probs(tok.S, tok.T)
			key := pol.Key(tok.S, tok.T)
			r := g[key]
			if r == nil {
				r = make([]float64, len(p))
				g[key] = r
			}
			for a := range p {
				d := -p[a]
				if a == tok.A {
					d++
				}
				r[a] += -gl * d
			}
		}
	}
	return g, nil
}

// GradVariance is the total variance Σ_k Var(g_k) of gradient estimates
// across batches, divided by the squared norm of their mean (a relative,
// scale-free variance).
func GradVariance(gs []map[string][]float64) (total, relative float64) {
	if len(gs) < 2 {
		return math.NaN(), math.NaN()
	}
	mean := map[string][]float64{}
	var keys []string
	for _, g := range gs {
		for _, k := range score.SortedKeys(g) {
			v := g[k]
			m := mean[k]
			if m == nil {
				m = make([]float64, len(v))
				mean[k] = m
				keys = append(keys, k)
			}
			for i, x := range v {
				m[i] += x / float64(len(gs))
			}
		}
	}
	for _, g := range gs {
		for _, k := range keys {
			m := mean[k]
			v := g[k]
			for i := range m {
				x := 0.0
				if v != nil {
					x = v[i]
				}
				total += (x - m[i]) * (x - m[i]) / float64(len(gs)-1)
			}
		}
	}
	n := score.Norm(mean)
	return total, total / (n*n + 1e-12)
}
