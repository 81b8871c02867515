package token

import (
	"fmt"
	"math"

	"github.com/credo-rl/credo/anchor/verl"
	"github.com/credo-rl/credo/internal/arrays"
	"github.com/credo-rl/credo/internal/groups"
)

// CAPO: Credit Assignment Policy Optimization with an LLM as generative
// PRM (spec row #9).
//
// Paper: "CAPO: Towards Enhancing LLM Reasoning through Verifiable
// Generative Credit Assignment", Xie, Shi et al. (arXiv:2508.02298).
// No reference code was inspected; W values and the voting default were
// NOT FOUND in the spec ([recall]: W_whole = 2, W_process = 1,
// intersection or majority voting best).

// Voting rules that turn m critiques into a verdict per step.
const (
	// VoteMajority flags a step when more than half of the critiques do
	// (votes > m/2).
	VoteMajority = "majority"
	// VoteIntersection flags a step when every critique does (votes = m).
	VoteIntersection = "intersection"
	// VoteUnion flags a step when any critique does (votes ≥ 1).
	VoteUnion = "union"
	// VoteAtLeast flags a step when at least MinVotes critiques do.
	VoteAtLeast = "at_least"
	// VoteAverage penalises a step by the fraction of critiques that flag
	// it (votes/m): a soft verdict.
	VoteAverage = "average"
)

// CAPO advantage normalisations.
const (
	// CAPONormToken normalises the token rewards over all policy tokens of
	// the group (GRPO-style at token level).
	CAPONormToken = "token"
	// CAPONormOutcome group-normalises the outcome part (GRPO) and adds the
	// raw process penalty: W_whole·GRPO(R)_i − W_process·p_t.
	CAPONormOutcome = "outcome"
	// CAPONormNone uses the token rewards as advantages.
	CAPONormNone = "none"
)

// CAPOOptions are CAPO's hyper-parameters.
type CAPOOptions struct {
	// WWhole weighs the outcome reward on every token (default 2).
	WWhole float64
	// WProcess weighs the process penalty on flagged tokens (default 1).
	// WWhole > WProcess keeps a correct but flawed response above any
	// incorrect one for 0/1 outcomes (the paper's asymmetric shaping).
	WProcess float64
	// Voting is the voting rule (default VoteMajority).
	Voting string
	// MinVotes is VoteAtLeast's threshold (default 1).
	MinVotes int
	// Norm is the advantage normalisation (default CAPONormToken).
	Norm string
	// Epsilon is added to the standard deviation (default 1e-6, as verl).
	Epsilon float64
}

// DefaultCAPOOptions returns W_whole = 2, W_process = 1, majority voting,
// token-level group normalisation, ε = 1e-6.
func DefaultCAPOOptions() CAPOOptions {
	return CAPOOptions{WWhole: 2, WProcess: 1, Voting: VoteMajority, MinVotes: 1, Norm: CAPONormToken, Epsilon: 1e-6}
}

func (o CAPOOptions) check(est string) error {
	switch o.Voting {
	case VoteMajority, VoteIntersection, VoteUnion, VoteAtLeast, VoteAverage:
	default:
		return fmt.Errorf("%s: voting %q, want majority, intersection, union, at_least or average", est, o.Voting)
	}
	switch o.Norm {
	case CAPONormToken, CAPONormOutcome, CAPONormNone:
	default:
		return fmt.Errorf("%s: norm %q, want token, outcome or none", est, o.Norm)
	}
	for _, p := range []struct {
		n string
		x float64
	}{{"w_whole", o.WWhole}, {"w_process", o.WProcess}, {"epsilon", o.Epsilon}} {
		if err := checkParam(est, p.n, p.x); err != nil {
			return err
		}
	}
	if o.Voting == VoteAtLeast && o.MinVotes < 1 {
		return fmt.Errorf("%s: min_votes = %d, want >= 1", est, o.MinVotes)
	}
	return nil
}

// StepVotes is one reasoning step [Start, End) with the number of
// critiques (out of Critiques) that list it as wrong.
type StepVotes struct {
	Start, End int
	Votes      int
	Critiques  int
}

// Verdict applies the voting rule to votes out of m critiques and returns
// the step's penalty: 1 (flagged) or 0, or votes/m for VoteAverage.
func Verdict(votes, m int, opt CAPOOptions) (float64, error) {
	const est = "capo"
	if err := opt.check(est); err != nil {
		return 0, err
	}
	if m < 1 || votes < 0 || votes > m {
		return 0, fmt.Errorf("%s: %d wrong-step votes out of %d critiques, want 0 <= votes <= critiques and critiques >= 1", est, votes, m)
	}
	flag := false
	switch opt.Voting {
	case VoteMajority:
		flag = 2*votes > m
	case VoteIntersection:
		flag = votes == m
	case VoteUnion:
		flag = votes >= 1
	case VoteAtLeast:
		flag = votes >= opt.MinVotes
	case VoteAverage:
		return float64(votes) / float64(m), nil
	}
	if flag {
		return 1, nil
	}
	return 0, nil
}

// StepPenalties returns the per-token process penalty p_t ∈ [0, 1] of a
// response of length tokens: the verdict of the step containing token t
// (0 outside every step; the largest where steps overlap).
func StepPenalties(length int, steps []StepVotes, opt CAPOOptions) ([]float64, error) {
	out := make([]float64, length)
	for k, s := range steps {
		if s.Start < 0 || s.End < s.Start || s.End > length {
			return nil, fmt.Errorf("capo: step %d [%d, %d) is not inside the %d tokens", k, s.Start, s.End, length)
		}
		p, err := Verdict(s.Votes, s.Critiques, opt)
		if err != nil {
			return nil, fmt.Errorf("step %d: %w", k, err)
		}
		for t := s.Start; t < s.End; t++ {
			out[t] = math.Max(out[t], p)
		}
	}
	return out, nil
}

// CAPO turns outcome rewards and process penalties into token credit. For
// response i of group g(i) and each policy token t (mask ≠ 0):
//
//	r[i][t] = W_whole·R_i − W_process·p[i][t]
//
// and the advantage is, by opt.Norm:
//
//	token:   (r[i][t] − μ_g)/(σ_g + ε), μ_g and σ_g (unbiased) over all
//	         policy tokens of the group; a group with one policy token
//	         uses μ = 0, σ = 1 (verl's singleton rule)
//	outcome: W_whole·GRPO(R)_i − W_process·p[i][t]  (verl's GRPO on R)
//	none:    r[i][t]
//
// Masked tokens get 0 in both outputs; rewards (the second result) are the
// token rewards r. outcome[i] is R_i (e.g. 1 correct, 0 wrong); penalty
// rows (see StepPenalties) and mask (nil = all ones) have the shape of one
// another; index holds the group ids.
//
// Paper: arXiv:2508.02298, spec row #9. The normalisation of token rewards
// ("normalized GRPO-style ... per token") is credo's reading; the exact
// form was NOT FOUND.
func CAPO(outcome []float64, penalty, mask [][]float64, index []string, opt CAPOOptions) (advantages, rewards [][]float64, err error) {
	const est = "capo"
	if err := opt.check(est); err != nil {
		return nil, nil, err
	}
	if len(outcome) != len(penalty) || len(index) != len(penalty) {
		return nil, nil, fmt.Errorf("%s: outcome has %d entries, index %d, penalty %d rows; want one per response", est, len(outcome), len(index), len(penalty))
	}
	for i, r := range outcome {
		if !arrays.Finite(r) {
			return nil, nil, fmt.Errorf("%s: outcome row %d is %v, want a finite number", est, i, r)
		}
	}
	if err := checkFinite(est, "penalty", penalty); err != nil {
		return nil, nil, err
	}
	if err := checkRows(est, "mask", mask, "penalty", penalty, true); err != nil {
		return nil, nil, err
	}
	g, ng := groups.Index(index)
	rewards, advantages = allocLike(penalty), allocLike(penalty)
	for i, p := range penalty {
		for t := range p {
			if maskAt(mask, i, t) != 0 {
				rewards[i][t] = opt.WWhole*outcome[i] - opt.WProcess*p[t]
			}
		}
	}
	switch opt.Norm {
	case CAPONormNone:
		for i, r := range rewards {
			copy(advantages[i], r)
		}
	case CAPONormOutcome:
		ga, err := verl.GRPOScalar(outcome, g, ng, verl.GRPOOptions{Epsilon: opt.Epsilon, NormByStd: true})
		if err != nil {
			return nil, nil, err
		}
		for i, p := range penalty {
			for t := range p {
				if maskAt(mask, i, t) != 0 {
					advantages[i][t] = opt.WWhole*ga[i] - opt.WProcess*p[t]
				}
			}
		}
	case CAPONormToken:
		// Two-pass statistics per group: mean, then squared deviations.
		sum := make([]float64, ng)
		cnt := make([]float64, ng)
		for i, r := range rewards {
			for t, x := range r {
				if maskAt(mask, i, t) != 0 {
					sum[g[i]] += x
					cnt[g[i]]++
				}
			}
		}
		mean := make([]float64, ng)
		for k := range mean {
			if cnt[k] > 1 {
				mean[k] = sum[k] / cnt[k]
			}
		}
		ss := make([]float64, ng)
		for i, r := range rewards {
			for t, x := range r {
				if maskAt(mask, i, t) != 0 {
					d := x - mean[g[i]]
					ss[g[i]] += d * d
				}
			}
		}
		std := make([]float64, ng)
		for k := range std {
			std[k] = 1
			if cnt[k] > 1 {
				std[k] = math.Sqrt(ss[k] / (cnt[k] - 1))
			}
		}
		for i, r := range rewards {
			k := g[i]
			for t, x := range r {
				if maskAt(mask, i, t) != 0 {
					advantages[i][t] = (x - mean[k]) / (std[k] + opt.Epsilon)
				}
			}
		}
	}
	return advantages, rewards, nil
}
