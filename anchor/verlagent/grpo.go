package verlagent

import (
	"github.com/credo-rl/credo/internal/groups"
)

// GRPOOptions are the hyper-parameters of GRPO. The zero value is not the
// reference default; start from DefaultGRPOOptions.
type GRPOOptions struct {
	// Epsilon is added to the group standard deviation (default 1e-6).
	Epsilon float64
	// NormByStd divides by the group standard deviation (default true);
	// false gives the Dr.GRPO advantage s - mean (norm_adv_by_std_in_grpo).
	NormByStd bool
	// CrossSteps lets every step row of every trajectory enter the group
	// statistics (default true, verl-agent's compute_mean_std_cross_steps).
	// When false only the first row, in batch order, of each
	// (index, trajIndex) pair enters: the per-episode statistics of plain
	// GRPO. The advantage is still computed for, and broadcast to, every row.
	CrossSteps bool
}

// DefaultGRPOOptions returns the reference defaults: Epsilon 1e-6,
// NormByStd true, CrossSteps true.
func DefaultGRPOOptions() GRPOOptions {
	return GRPOOptions{Epsilon: 1e-6, NormByStd: true, CrossSteps: true}
}

// GRPO computes verl-agent's multi-turn GRPO outcome advantage.
//
// With s_i = Σ_t tokenLevelRewards[i][t] (the sum over ALL positions of the
// row, masked or not) and, over the rows of prompt group g(i) that enter the
// statistics (see GRPOOptions.CrossSteps), the mean μ_g and the unbiased
// standard deviation σ_g (torch.std):
//
//	A_i = (s_i - μ_g)/(σ_g + ε)   (NormByStd)
//	A_i =  s_i - μ_g              (otherwise, Dr.GRPO)
//	advantages[i][t] = A_i * responseMask[i][t]
//
// Quirks reproduced: a group with a single collected entry uses μ=0, σ=1, so
// its rows keep their raw score s_i/(1+ε); in the default cross-steps mode a
// trajectory with more step rows weighs more in μ_g and σ_g; an all-equal
// group gets A=0. The returns of the reference equal the advantages.
//
// Paper: DeepSeekMath (Shao et al., arXiv:2402.03300); multi-turn variant of
// GiGPO (Feng et al., arXiv:2505.10978).
// Reference: xlan156/verl-agent@8ca3a467ba4fc21eb4969a2e2b1097323ca09a53
// verl/trainer/ppo/core_algos.py::compute_grpo_outcome_advantage.
func GRPO(tokenLevelRewards, responseMask [][]float64, index, trajIndex []string, opts GRPOOptions) ([][]float64, error) {
	const est = "verl_agent.grpo"
	if err := checkRows(est, tokenLevelRewards, responseMask, namedIDs{"index", index}, namedIDs{"traj_index", trajIndex}); err != nil {
		return nil, err
	}
	s, err := rowScores(est, tokenLevelRewards)
	if err != nil {
		return nil, err
	}
	g, ng := groups.Index(index)
	st := meanStd(s, g, ng, contributing(g, trajIndex, opts.CrossSteps))
	for i, k := range g {
		mean, std := st.mean[k], st.std[k]
		if st.n[k] == 1 {
			mean, std = 0, 1
		}
		if opts.NormByStd {
			s[i] = (s[i] - mean) / (std + opts.Epsilon)
		} else {
			s[i] -= mean
		}
	}
	out := newLike(responseMask)
	if err := broadcast(est, out, s, responseMask); err != nil {
		return nil, err
	}
	return out, nil
}
