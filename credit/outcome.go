package credit

import (
	"github.com/credo-rl/credo/rollout"
)

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
		_, ok := Outcome(t, Reward.Get(v))
		return ok
	},
}

// KLLogProbs is the input a KL penalty reads when the method's KL
// coefficient kl is positive: the policy's and the reference's log-probs.
func KLLogProbs(kl FloatParam) Input {
	return Input{
		Name: "old_log_probs+ref_log_prob (when " + kl.Name + " > 0)",
		Doc:  "policy and reference log-probs for the KL penalty",
		Has: func(t *rollout.Trajectory, v Values) bool {
			return kl.Get(v) <= 0 || (t.OldLogProbs != nil && t.RefLogProbs != nil)
		},
	}
}
