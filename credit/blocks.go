package credit

import (
	"fmt"

	"github.com/credo-rl/credo/rollout"
)

// Blocks orders a batch so that each group is a block of n consecutive rows,
// as OpenRLHF and PURE require (they find groups as index // n). It returns
// the row order (order[k] = trajectory index) and n, or an error when the
// groups differ in size.
func Blocks(b *rollout.Batch) (order []int, n int, err error) {
	ids, of := b.Groups()
	members := make([][]int, len(ids))
	for i, g := range of {
		members[g] = append(members[g], i)
	}
	n = len(members[0])
	for g, m := range members {
		if len(m) != n {
			return nil, 0, fmt.Errorf("every group needs the same number of trajectories (n_samples_per_prompt): group %q has %d, group %q has %d", ids[0], n, ids[g], len(m))
		}
		order = append(order, m...)
	}
	return order, n, nil
}

// Outcome returns the named outcome reward, or the sum of the token
// rewards when the channel is absent.
func Outcome(t *rollout.Trajectory, channel string) (float64, bool) {
	if r, ok := t.Rewards[channel]; ok {
		return r, true
	}
	if t.TokenRewards != nil {
		s := 0.0
		for _, x := range t.TokenRewards {
			s += x
		}
		return s, true
	}
	return 0, false
}

// InOutcome: an outcome reward per trajectory.
var InOutcome = Input{
	Name: "rewards.<reward>|token_level_rewards",
	Doc:  "the named outcome reward (or the sum of token-level rewards)",
	Has: func(t *rollout.Trajectory, v Values) bool {
		_, ok := Outcome(t, v.String("reward"))
		return ok
	},
}

// InKLLogProbs: the log-probs a KL penalty needs when kl_coef > 0.
var InKLLogProbs = Input{
	Name: "old_log_probs+ref_log_prob (when kl_coef > 0)",
	Doc:  "policy and reference log-probs for the KL penalty",
	Has: func(t *rollout.Trajectory, v Values) bool {
		return v.Float("kl_coef") <= 0 || (t.OldLogProbs != nil && t.RefLogProbs != nil)
	},
}

// k1 returns logp - logp_ref per token (zeros when kl is off).
func k1(t *rollout.Trajectory, on bool) []float64 {
	out := make([]float64, t.Len())
	if !on {
		return out
	}
	for i := range out {
		out[i] = t.OldLogProbs[i] - t.RefLogProbs[i]
	}
	return out
}
