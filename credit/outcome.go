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
