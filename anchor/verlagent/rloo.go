package verlagent

import (
	"github.com/credo-rl/credo/internal/groups"
)

// RLOOOptions are the hyper-parameters of RLOO. The reference also takes an
// epsilon, which it never reads.
type RLOOOptions struct {
	// CrossSteps: see GRPOOptions.CrossSteps (default true).
	CrossSteps bool
}

// DefaultRLOOOptions returns the reference defaults: CrossSteps true.
func DefaultRLOOOptions() RLOOOptions { return RLOOOptions{CrossSteps: true} }

// RLOO computes verl-agent's multi-turn REINFORCE leave-one-out advantage.
//
// With s_i the row score (sum over all positions), μ_g the mean of the n
// entries collected for the prompt group (every step row with CrossSteps,
// one row per trajectory otherwise):
//
//	A_i = s_i*n/(n-1) - μ_g*n/(n-1)   when n > 1   (= s_i - mean of the others)
//	A_i = s_i                         when n == 1  (raw score kept)
//	advantages[i][t] = A_i * responseMask[i][t]
//
// Quirk reproduced: n counts collected entries, so in the default cross-steps
// mode it is the number of step rows of the group, not of trajectories, and
// rows that were not collected (dedup mode) still get s_i - ... with the
// group's n. The returns of the reference equal the advantages.
//
// Paper: "Buy 4 REINFORCE Samples, Get a Baseline for Free!" (Kool et al.,
// 2019) and "Back to Basics" (Ahmadian et al., arXiv:2402.14740).
// Reference: xlan156/verl-agent@8ca3a467ba4fc21eb4969a2e2b1097323ca09a53
// verl/trainer/ppo/core_algos.py::compute_rloo_outcome_advantage.
func RLOO(tokenLevelRewards, responseMask [][]float64, index, trajIndex []string, opts RLOOOptions) ([][]float64, error) {
	const est = "verl_agent.rloo"
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
		if n := float64(st.n[k]); st.n[k] > 1 {
			s[i] = s[i]*n/(n-1) - st.mean[k]*n/(n-1)
		}
	}
	out := newLike(responseMask)
	if err := broadcast(est, out, s, responseMask); err != nil {
		return nil, err
	}
	return out, nil
}
