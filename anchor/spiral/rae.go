package spiral

import (
	"fmt"
	"math"
)

// RoleBaseline is the per-role baseline state of RAE: the current value of
// the exponential moving average of player 0's and player 1's rewards. The
// zero value is the reference's initial state (both EMAs at 0.0). It is a
// plain value: save it between batches and pass it back to continue.
type RoleBaseline [2]float64

// Update returns the state after role player observed reward r:
//
//	b <- decay*b + (1-decay)*r.
func (b RoleBaseline) Update(player int, r, decay float64) RoleBaseline {
	b[player] = decay*b[player] + (1-decay)*r
	return b
}

// Turn is one turn of a game, in play order.
type Turn struct {
	PlayerID    int  `json:"player_id"`             // 0 or 1: who played it
	Turn        int  `json:"turn"`                  // the game's turn counter
	ResponseLen int  `json:"response_len"`          // number of response tokens
	Truncated   bool `json:"response_is_truncated"` // the response hit the length cap (no EOS)
}

// Game is one finished game: the final reward of each player and the turns.
type Game struct {
	Rewards [2]float64 `json:"rewards"`
	Turns   []Turn     `json:"turns"`
}

// Trajectory is one emitted training sample (one turn of a trained player).
type Trajectory struct {
	PlayerID int `json:"player_id"`
	Turn     int `json:"turn"`
	// Rewards are the dense token rewards of the response: all 0 except the
	// last token, which carries DiscountedTurnReward.
	Rewards []float64 `json:"rewards"`
	// LossMask is false for truncated responses when IgnoreNoEOS is set.
	LossMask bool `json:"loss_mask"`
	// FinalReward is the player's scaled reward minus the role baseline.
	FinalReward float64 `json:"final_reward"`
	// DiscountedTurnReward is FinalReward * gamma^(turns remaining after
	// this one) with UseIntermediateRewards, FinalReward otherwise.
	DiscountedTurnReward float64 `json:"discounted_turn_reward"`
}

// Options are the hyper-parameters of RAE. The zero value is not the
// reference default; start from DefaultOptions.
type Options struct {
	// RewardScaling multiplies the game reward (default 1.0).
	RewardScaling float64
	// UseRoleBaseline subtracts the per-role EMA baseline (default true).
	UseRoleBaseline bool
	// BaselineDecay is the EMA decay, role_baseline_ema_gamma (default 0.95).
	BaselineDecay float64
	// UseIntermediateRewards discounts earlier turns by Gamma^(steps from the
	// player's last turn) (default true).
	UseIntermediateRewards bool
	// Gamma is the per-turn discount (default 1.0).
	Gamma float64
	// FilterZeroAdv drops turns whose discounted reward is exactly 0
	// (default true).
	FilterZeroAdv bool
	// IgnoreNoEOS sets LossMask=false on truncated responses (default false,
	// oat's ignore_no_eos).
	IgnoreNoEOS bool
	// FixedOpponent trains only OnlineModelPlayer (the other seat is played
	// by a fixed agent whose turns are not emitted and whose baseline is not
	// updated); otherwise both players are trained (default false).
	FixedOpponent bool
	// OnlineModelPlayer is the trained seat with FixedOpponent, 0 or 1
	// (default 0; the reference uses actor_id % 2).
	OnlineModelPlayer int
}

// DefaultOptions returns the reference defaults: RewardScaling 1,
// UseRoleBaseline true, BaselineDecay 0.95, UseIntermediateRewards true,
// Gamma 1, FilterZeroAdv true, IgnoreNoEOS false, no fixed opponent.
func DefaultOptions() Options {
	return Options{RewardScaling: 1, UseRoleBaseline: true, BaselineDecay: 0.95,
		UseIntermediateRewards: true, Gamma: 1, FilterZeroAdv: true}
}

// RAE computes the role-conditioned advantages of one game and returns the
// emitted trajectories (the trained players in order 0, 1 — or only
// OnlineModelPlayer — each player's turns in play order) and the baseline
// state after the game.
//
// For each trained player p with n turns:
//
//	r = Rewards[p] * RewardScaling
//	if UseRoleBaseline:  b = baseline[p] (read BEFORE the update);
//	                     baseline[p] <- decay*baseline[p] + (1-decay)*r;  r <- r - b
//	turn i (0-based) gets  d_i = r * Gamma^(n-1-i)  (UseIntermediateRewards) or r,
//
// placed on the last of its ResponseLen tokens (the others are 0). With
// FilterZeroAdv a turn with d_i == 0 is dropped; LossMask = !Truncated with
// IgnoreNoEOS, true otherwise. A response with no tokens is rejected (the
// reference fails indexing the last token, filtered or not). On error the
// input baseline is returned unchanged.
//
// Games must be processed in order: the baseline carries over from one game
// to the next, so pass the returned state to the next call.
//
// Paper: "SPIRAL: Self-Play on Zero-Sum Games Incentivizes Reasoning via
// Multi-Agent Multi-Turn Reinforcement Learning" (Liu et al.,
// arXiv:2506.24119).
// Reference: spiral-rl/spiral@a02d0ed8d11c57e0ee4a4096e9881866d69a052b
// train_spiral.py::SelfPlayActor.prepare_trajectories (+ spiral/utils.py::EMA).
func RAE(game Game, baseline RoleBaseline, opts Options) ([]Trajectory, RoleBaseline, error) {
	const est = "spiral.rae"
	in := baseline
	for _, x := range []float64{opts.RewardScaling, opts.BaselineDecay, opts.Gamma} {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, in, fmt.Errorf("%s: reward scaling, baseline decay and gamma must be finite", est)
		}
	}
	for p, r := range game.Rewards {
		if math.IsNaN(r) || math.IsInf(r, 0) {
			return nil, in, fmt.Errorf("%s: reward of player %d is %v, want a finite number", est, p, r)
		}
	}
	players := []int{0, 1}
	if opts.FixedOpponent {
		if opts.OnlineModelPlayer != 0 && opts.OnlineModelPlayer != 1 {
			return nil, in, fmt.Errorf("%s: online model player is %d, want 0 or 1", est, opts.OnlineModelPlayer)
		}
		players = players[opts.OnlineModelPlayer : opts.OnlineModelPlayer+1]
	}
	var count [2]int
	for k, t := range game.Turns {
		if t.PlayerID != 0 && t.PlayerID != 1 {
			return nil, in, fmt.Errorf("%s: turn %d has player_id %d, want 0 or 1", est, k, t.PlayerID)
		}
		if t.ResponseLen < 0 {
			return nil, in, fmt.Errorf("%s: turn %d has response_len %d", est, k, t.ResponseLen)
		}
		count[t.PlayerID]++
	}
	var out []Trajectory
	for _, p := range players {
		r := game.Rewards[p] * opts.RewardScaling
		if opts.UseRoleBaseline {
			b := baseline[p]
			baseline = baseline.Update(p, r, opts.BaselineDecay)
			r -= b
		}
		i := 0
		for k, t := range game.Turns {
			if t.PlayerID != p {
				continue
			}
			d := r
			if opts.UseIntermediateRewards {
				d = r * math.Pow(opts.Gamma, float64(count[p]-1-i))
			}
			i++
			if t.ResponseLen == 0 {
				return nil, in, fmt.Errorf("%s: turn %d of player %d has an empty response: no last token to reward", est, k, p)
			}
			if opts.FilterZeroAdv && d == 0 {
				continue
			}
			dense := make([]float64, t.ResponseLen)
			dense[len(dense)-1] = d
			out = append(out, Trajectory{
				PlayerID:             p,
				Turn:                 t.Turn,
				Rewards:              dense,
				LossMask:             !(opts.IgnoreNoEOS && t.Truncated),
				FinalReward:          r,
				DiscountedTurnReward: d,
			})
		}
	}
	return out, baseline, nil
}
