package spiral

import (
	"encoding/json"
	"fmt"

	"github.com/credo-rl/credo/anchor/spiral"
	"github.com/credo-rl/credo/golden"
)

func init() {
	golden.Register("spiral.rae", rae)
}

type turn struct {
	// PlayerID is the seat (0 or 1); the reference records a fixed
	// opponent's turns under the opponent's name, which stands for the
	// seat that is not online_model_player.
	PlayerID    json.RawMessage `json:"player_id"`
	Turn        int             `json:"turn"`
	ResponseLen int             `json:"response_len"`
	Truncated   golden.Num      `json:"response_is_truncated"` // true/false or 0/1
}

type game struct {
	Rewards []golden.Num `json:"rewards"`
	Turns   []turn       `json:"turns"`
}

type gameOut struct {
	Trajectories []spiral.Trajectory  `json:"trajectories"`
	EMAAfter     *spiral.RoleBaseline `json:"ema_after"` // null without role baseline
}

func rae(c *golden.Case) (golden.Outputs, error) {
	var games []game
	if _, err := c.Decode("games", &games); err != nil {
		return nil, err
	}
	o := spiral.DefaultOptions()
	var err error
	if o.RewardScaling, err = c.Float("reward_scaling", o.RewardScaling); err != nil {
		return nil, err
	}
	if o.UseRoleBaseline, err = c.Bool("use_role_baseline", o.UseRoleBaseline); err != nil {
		return nil, err
	}
	if o.BaselineDecay, err = c.Float("role_baseline_ema_gamma", o.BaselineDecay); err != nil {
		return nil, err
	}
	if o.UseIntermediateRewards, err = c.Bool("use_intermediate_rewards", o.UseIntermediateRewards); err != nil {
		return nil, err
	}
	if o.Gamma, err = c.Float("gamma", o.Gamma); err != nil {
		return nil, err
	}
	if o.FilterZeroAdv, err = c.Bool("filter_zero_adv", o.FilterZeroAdv); err != nil {
		return nil, err
	}
	if o.IgnoreNoEOS, err = c.Bool("ignore_no_eos", o.IgnoreNoEOS); err != nil {
		return nil, err
	}
	fixed, err := c.String("fixed_opponent", "")
	if err != nil {
		return nil, err
	}
	o.FixedOpponent = fixed != "" // any opponent name trains the online seat only
	if o.OnlineModelPlayer, err = c.Int("online_model_player", 0); err != nil {
		return nil, err
	}

	var state spiral.RoleBaseline
	out := make([]gameOut, len(games))
	for g, gm := range games {
		in := spiral.Game{Turns: make([]spiral.Turn, len(gm.Turns))}
		if len(gm.Rewards) != 2 {
			return nil, fmt.Errorf("spiral.rae: game %d has %d rewards, want 2", g, len(gm.Rewards))
		}
		in.Rewards = [2]float64{float64(gm.Rewards[0]), float64(gm.Rewards[1])}
		for k, t := range gm.Turns {
			in.Turns[k] = spiral.Turn{Turn: t.Turn, ResponseLen: t.ResponseLen, Truncated: t.Truncated != 0}
			var name string
			if json.Unmarshal(t.PlayerID, &name) == nil {
				in.Turns[k].PlayerID = 1 - o.OnlineModelPlayer
			} else if err := json.Unmarshal(t.PlayerID, &in.Turns[k].PlayerID); err != nil {
				return nil, fmt.Errorf("spiral.rae: game %d turn %d: player_id: %w", g, k, err)
			}
		}
		trajs, next, err := spiral.RAE(in, state, o)
		if err != nil {
			return nil, err
		}
		state = next
		out[g].Trajectories = trajs
		if o.UseRoleBaseline {
			s := state
			out[g].EMAAfter = &s
		}
	}
	return golden.Outputs{"games": out}, nil
}
