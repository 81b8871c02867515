package credit

import (
	"encoding/json"
	"fmt"

	"github.com/credo-rl/credo/rollout"
)

// Shared inputs and the helpers that turn a batch into estimator arrays.

// Reward is the parameter naming the outcome reward channel.
var Reward = StringParam{Param: Param{Name: "reward", Kind: String, Default: rollout.DefaultReward, Origin: Channel,
	Doc: "outcome reward channel used when token_level_rewards is absent; it is placed on the last token whose mask is non-zero"}}

// RewardParam is Reward's declaration, for a Params list written out as a
// []Param (bindings list the handle, Params(..., Reward)).
var RewardParam = Reward.Param

// InTokenRewards: token-level rewards, or the outcome reward placed on the last valid token.
var InTokenRewards = Input{
	Name: "token_level_rewards|rewards.<reward>",
	Doc:  "token-level rewards, or the named outcome reward",
	Has: func(t *rollout.Trajectory, v Values) bool {
		if t.TokenRewards != nil {
			return true
		}
		_, ok := t.Rewards[Reward.Get(v)]
		return ok
	},
}

// InValues: critic values per token.
var InValues = Input{Name: "values", Doc: "critic values per token", Critic: true,
	Has: func(t *rollout.Trajectory, _ Values) bool { return t.Values != nil }}

// InOldLogProbs: behaviour log-probs per token.
var InOldLogProbs = Input{Name: "old_log_probs", Doc: "behaviour-policy log-probs per token",
	Has: func(t *rollout.Trajectory, _ Values) bool { return t.OldLogProbs != nil }}

// InGroup: the group id (always present in valid data).
var InGroup = Input{Name: "uid", Doc: "group id of the prompt"}

// TokenRewards returns per-row token rewards: token_level_rewards when given,
// otherwise the outcome reward on the last valid token.
func TokenRewards(b *rollout.Batch, channel string) ([][]float64, error) {
	out := make([][]float64, len(b.Trajectories))
	for i, t := range b.Trajectories {
		if t.TokenRewards != nil {
			out[i] = t.TokenRewards
			continue
		}
		r, ok := t.Rewards[channel]
		if !ok {
			return nil, fmt.Errorf("trajectory %d (traj_uid %q): no token_level_rewards and no rewards.%s", i, t.ID, channel)
		}
		row := make([]float64, t.Len())
		if last := t.LastValid(); last >= 0 {
			row[last] = r
		} else if r != 0 {
			return nil, fmt.Errorf("trajectory %d (traj_uid %q): reward %v but no token with a non-zero mask to carry it", i, t.ID, r)
		}
		out[i] = row
	}
	return out, nil
}

// Masks returns per-row loss masks (ones where absent).
func Masks(b *rollout.Batch) [][]float64 {
	out := make([][]float64, len(b.Trajectories))
	for i, t := range b.Trajectories {
		if t.Mask != nil {
			out[i] = t.Mask
			continue
		}
		row := make([]float64, t.Len())
		for j := range row {
			row[j] = 1
		}
		out[i] = row
	}
	return out
}

// GroupIDs returns each trajectory's group id.
func GroupIDs(b *rollout.Batch) []string {
	out := make([]string, len(b.Trajectories))
	for i, t := range b.Trajectories {
		out[i] = t.Group
	}
	return out
}

// TokenValues returns each trajectory's critic values (nil where absent).
func TokenValues(b *rollout.Batch) [][]float64 {
	out := make([][]float64, len(b.Trajectories))
	for i, t := range b.Trajectories {
		out[i] = t.Values
	}
	return out
}

// OldLogProbs returns each trajectory's behaviour log-probs (nil where absent).
func OldLogProbs(b *rollout.Batch) [][]float64 {
	out := make([][]float64, len(b.Trajectories))
	for i, t := range b.Trajectories {
		out[i] = t.OldLogProbs
	}
	return out
}

// Store writes advantages (and returns when non-nil) into the trajectories.
func Store(b *rollout.Batch, adv, ret [][]float64) {
	for i, t := range b.Trajectories {
		t.Advantages = adv[i]
		if ret != nil {
			if len(ret[i]) > 0 && len(adv[i]) > 0 && &ret[i][0] == &adv[i][0] {
				// The estimator returned one array twice; give each field its own.
				ret[i] = append([]float64(nil), ret[i]...)
			}
			t.Returns = ret[i]
		} else {
			t.Returns = nil
		}
	}
}

// NumericFeature reads a numeric trajectory feature: a float64 or int set
// from Go, or a json.Number or float64 from the readers. It is the one
// numeric feature lookup of the method packages.
func NumericFeature(t *rollout.Trajectory, name string) (float64, bool) {
	switch v := t.Features[name].(type) {
	case float64:
		return v, true
	case int:
		return float64(v), true
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	}
	return 0, false
}
