package group

import (
	"fmt"
	"math"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/internal/arrays"
	"github.com/credo-rl/credo/internal/groups"
	"github.com/credo-rl/credo/rollout"
)

// TrustOptions are the hyper-parameters of Trust-GRPO's reward.
type TrustOptions struct {
	// Alpha is the coefficient of the thinking reward (the paper's α of
	// Eq. 4). Its value is not given in the material available; default 1.
	Alpha float64
	// Threshold splits a group into correct (outcome >= Threshold) and
	// incorrect responses (the paper's 0.5 of Eqs. 1-2). Default 0.5.
	Threshold float64
	// AnnealT is the time constant T of the annealing weight e^{-step/T};
	// 0 (or less) switches annealing off. Its value is not given in the
	// material available; default 0 (off) so that nothing is assumed.
	AnnealT float64
}

// DefaultTrustOptions returns Alpha 1, Threshold 0.5, AnnealT 0 (no annealing).
func DefaultTrustOptions() TrustOptions { return TrustOptions{Alpha: 1, Threshold: 0.5} }

// TrustWeights returns Trust-GRPO's trustworthiness weight γ of each
// trajectory's group:
//
//	μ_c = mean thinking reward of the group's correct responses (outcome >= threshold)
//	μ_w = mean thinking reward of its incorrect responses
//	γ   = 1 if μ_c >= μ_w, else exp(μ_c - μ_w)
//
// so a thinking reward model that scores wrong answers above right ones is
// trusted less. A group without correct or without incorrect responses gives
// no evidence either way and gets γ = 1.
//
// Paper: "SophiaVL-R1: Reinforcing MLLMs Reasoning with Thinking Reward"
// (arXiv:2505.17018), methods.md #40. Code: kxfan2002/SophiaVL-R1 (the trust
// weighting was not located in it; the formula is the catalogue's recalled
// form, marked "verify" there).
func TrustWeights(outcome, thinking []float64, index []string, threshold float64) ([]float64, error) {
	const est = "trust_grpo"
	if err := checkRows(est, "thinking", len(thinking), "outcome", len(outcome)); err != nil {
		return nil, err
	}
	if err := checkRows(est, "index", len(index), "outcome", len(outcome)); err != nil {
		return nil, err
	}
	if err := checkFinite(est, "outcome", outcome); err != nil {
		return nil, err
	}
	if err := checkFinite(est, "thinking", thinking); err != nil {
		return nil, err
	}
	g, n := groups.Index(index)
	sumC := make([]float64, n)
	sumW := make([]float64, n)
	nC := make([]int, n)
	nW := make([]int, n)
	for i, o := range outcome {
		if o >= threshold {
			sumC[g[i]] += thinking[i]
			nC[g[i]]++
		} else {
			sumW[g[i]] += thinking[i]
			nW[g[i]]++
		}
	}
	gamma := make([]float64, n)
	for k := range gamma {
		gamma[k] = 1
		if nC[k] > 0 && nW[k] > 0 {
			muC := sumC[k] / float64(nC[k])
			muW := sumW[k] / float64(nW[k])
			if muC < muW {
				gamma[k] = math.Exp(muC - muW)
			}
		}
	}
	out := make([]float64, len(outcome))
	for i := range out {
		out[i] = gamma[g[i]]
	}
	return out, nil
}

// TrustAnneal returns the annealing weight e^{-step/T} of the thinking
// reward at training step step (counted from 0); T <= 0 gives 1.
func TrustAnneal(step int, T float64) float64 {
	if T <= 0 {
		return 1
	}
	return math.Exp(-float64(step) / T)
}

// TrustRewards returns Trust-GRPO's combined reward at training step step:
//
//	R_i = R^o_i + α · e^{-step/T} · γ_{g(i)} · R^t_i
//
// with γ from TrustWeights. The advantage is then GRPO's normalisation of R.
//
// Paper: "SophiaVL-R1" (arXiv:2505.17018), methods.md #40.
func TrustRewards(outcome, thinking []float64, index []string, step int, opt TrustOptions) ([]float64, error) {
	if !arrays.Finite(opt.Alpha) || !arrays.Finite(opt.Threshold) || !arrays.Finite(opt.AnnealT) {
		return nil, fmt.Errorf("trust_grpo: alpha, threshold and anneal_T must be finite, got %v, %v, %v", opt.Alpha, opt.Threshold, opt.AnnealT)
	}
	if step < 0 {
		return nil, fmt.Errorf("trust_grpo: step is %d, want >= 0", step)
	}
	gamma, err := TrustWeights(outcome, thinking, index, opt.Threshold)
	if err != nil {
		return nil, err
	}
	w := opt.Alpha * TrustAnneal(step, opt.AnnealT)
	for i := range gamma {
		gamma[i] = outcome[i] + w*gamma[i]*thinking[i]
	}
	return gamma, nil
}

// trustStep is one call of trust_grpo: the annealing step is read from the
// state when the call begins, every group of the call uses it, and End
// advances it by one (one call = one training step), however the batch was
// split into groups.
type trustStep struct {
	v    credit.Values
	st   *credit.State
	step int
}

func beginTrust(v credit.Values, st *credit.State) (credit.Step, error) {
	step := pTrustGrpoStep.Get(v)
	if step < 0 {
		step = 0
		if _, err := st.Get("step", &step); err != nil {
			return nil, err
		}
	}
	return &trustStep{v: v, st: st, step: step}, nil
}

func (s *trustStep) Group(b *rollout.Batch) error {
	v := s.v
	o, err := credit.Outcomes(b, credit.Reward.Get(v))
	if err != nil {
		return err
	}
	th, err := credit.ChannelValues(b, pThink.Get(v))
	if err != nil {
		return err
	}
	r, err := TrustRewards(o, th, credit.GroupIDs(b), s.step, TrustOptions{Alpha: pTrustGrpoAlpha.Get(v), Threshold: pThresh.Get(v), AnnealT: pTrustGrpoAnnealT.Get(v)})
	if err != nil {
		return err
	}
	return credit.RunBase("trust_grpo", b, v, r)
}

func (s *trustStep) End() error { return s.st.Put("step", s.step+1) }
