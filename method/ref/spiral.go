package ref

import (
	"fmt"

	"github.com/credo-rl/credo/credit"

	"github.com/credo-rl/credo/anchor/spiral"
	"github.com/credo-rl/credo/rollout"
)

// Binding of SPIRAL's role-conditioned advantage estimation (anchor/spiral).
// One trajectory is one two-player game: its top-level steps are the turns
// in play order, steps[].role is the acting player ("0" or "1"), and
// rewards["0"], rewards["1"] are the players' final rewards. The EMA
// baseline is kept per game kind (features.game, default "default") and per
// role in the method state, so it persists across batches (assign --state).
// Each trained turn's reward goes on the last token of its span whose
// response_mask is non-zero (SPIRAL's last token of the turn's response);
// other tokens get 0. Games are processed in batch order.

// Parameters of spiral.rae.
var (
	pSpiralRewardScaling          = credit.FloatParam{Param: credit.Param{Name: "reward_scaling", Kind: credit.Float, Default: 1.0, Doc: "multiplies the game reward", Origin: credit.FromReference("spiral-rl/spiral train_spiral.py::args.reward_scaling (1.0)")}}
	pSpiralUseRoleBaseline        = credit.BoolParam{Param: credit.Param{Name: "use_role_baseline", Kind: credit.Bool, Default: true, Doc: "subtract the per-role EMA baseline", Origin: credit.FromReference("spiral-rl/spiral train_spiral.py::args.use_role_baseline (True)")}}
	pSpiralRoleBaselineEmaGamma   = credit.FloatParam{Param: credit.Param{Name: "role_baseline_ema_gamma", Kind: credit.Float, Default: 0.95, Doc: "EMA decay of the baseline", Origin: credit.FromReference("spiral-rl/spiral train_spiral.py::args.role_baseline_ema_gamma (0.95)"), Range: credit.Unit}}
	pSpiralUseIntermediateRewards = credit.BoolParam{Param: credit.Param{Name: "use_intermediate_rewards", Kind: credit.Bool, Default: true, Doc: "discount earlier turns by gamma^(turns to the player's last)", Origin: credit.FromReference("spiral-rl/spiral train_spiral.py::args.use_intermediate_rewards (True)")}}
	pSpiralFilterZeroAdv          = credit.BoolParam{Param: credit.Param{Name: "filter_zero_adv", Kind: credit.Bool, Default: true, Doc: "turns with zero reward get no credit", Origin: credit.FromReference("spiral-rl/spiral train_spiral.py::args.filter_zero_adv (True)")}}
	pSpiralFixedOpponent          = credit.BoolParam{Param: credit.Param{Name: "fixed_opponent", Kind: credit.Bool, Default: false, Doc: "train only online_model_player", Origin: credit.FromReference("spiral-rl/spiral train_spiral.py::args.fixed_opponent (off: both seats trained)")}}
	pSpiralOnlineModelPlayer      = credit.IntParam{Param: credit.Param{Name: "online_model_player", Kind: credit.Int, Default: 0, Doc: "the trained seat with fixed_opponent", Origin: credit.FromReference("spiral-rl/spiral train_spiral.py::args.online_model_player (0)"), Range: credit.AtLeast(0)}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "spiral.rae",
		Summary: "SPIRAL role-conditioned advantage: reward minus an EMA baseline per (game, role), kept across batches",
		Params: credit.Params(
			pSpiralRewardScaling,
			pSpiralUseRoleBaseline,
			pSpiralRoleBaselineEmaGamma,
			pSpiralUseIntermediateRewards,
			pGamma.From(credit.FromReference("spiral-rl/spiral train_spiral.py::args.gamma (1.0)")),
			pSpiralFilterZeroAdv,
			pSpiralFixedOpponent,
			pSpiralOnlineModelPlayer,
		),
		Inputs: []credit.Input{
			{Name: "steps[].role in {0,1}", Doc: "turns with the acting player", Has: func(t *rollout.Trajectory, _ credit.Values) bool {
				top := t.TopSteps()
				for _, k := range top {
					if r := t.Steps[k].Role; r != "0" && r != "1" {
						return false
					}
				}
				return len(top) > 0
			}},
			{Name: "rewards.0+rewards.1", Doc: "final reward of each player", Has: func(t *rollout.Trajectory, _ credit.Values) bool {
				_, a := t.Rewards["0"]
				_, b := t.Rewards["1"]
				return a && b
			}},
		},
		Reads:      credit.ReadsMask,
		Outputs:    []string{"advantages", "returns"},
		Scope:      credit.ScopeBatch,
		Provenance: credit.Provenance{Paper: "SPIRAL: Self-Play on Zero-Sum Games Incentivizes Reasoning via Multi-Agent Multi-Turn Reinforcement Learning", ArXiv: "2506.24119", SpecRow: 88, Reference: "spiral-rl/spiral@a02d0ed8d11c57e0ee4a4096e9881866d69a052b train_spiral.py::SelfPlayActor.prepare_trajectories"},
		Notes:      "stateful: the EMA per (features.game, role) is read before its update; loss masks of truncated turns are not changed (advantages only)",
		RunState:   runRAE,
		PerRecord:  true, // runRAE reads and updates the EMA trajectory by trajectory
	})
}

func runRAE(b *rollout.Batch, v credit.Values, st *credit.State) error {
	o := spiral.DefaultOptions()
	o.RewardScaling = pSpiralRewardScaling.Get(v)
	o.UseRoleBaseline = pSpiralUseRoleBaseline.Get(v)
	o.BaselineDecay = pSpiralRoleBaselineEmaGamma.Get(v)
	o.UseIntermediateRewards = pSpiralUseIntermediateRewards.Get(v)
	o.Gamma = pGamma.Get(v)
	o.FilterZeroAdv = pSpiralFilterZeroAdv.Get(v)
	o.FixedOpponent = pSpiralFixedOpponent.Get(v)
	o.OnlineModelPlayer = pSpiralOnlineModelPlayer.Get(v)
	for _, t := range b.Trajectories {
		game := "default"
		if g, ok := t.Features["game"].(string); ok && g != "" {
			game = g
		}
		key := "ema/" + game
		var base spiral.RoleBaseline
		if _, err := st.Get(key, &base); err != nil {
			return err
		}
		top := t.TopSteps()
		g := spiral.Game{Rewards: [2]float64{t.Rewards["0"], t.Rewards["1"]}}
		for j, k := range top {
			s := t.Steps[k]
			p := 0
			if s.Role == "1" {
				p = 1
			}
			tr, _ := s.Labels["truncated"]
			g.Turns = append(g.Turns, spiral.Turn{PlayerID: p, Turn: j, ResponseLen: s.End - s.Start, Truncated: tr != 0})
		}
		out, next, err := spiral.RAE(g, base, o)
		if err != nil {
			return fmt.Errorf("trajectory %q: %w", t.ID, err)
		}
		if err := st.Put(key, next); err != nil {
			return err
		}
		adv := make([]float64, t.Len())
		for _, e := range out {
			s := t.Steps[top[e.Turn]]
			// The reference rewards the last token of the turn's own
			// response; in a record the turn's span may end with tokens
			// the policy did not generate (mask 0), so the reward goes on
			// the span's last token whose mask is non-zero.
			last := -1
			for u := s.End - 1; u >= s.Start; u-- {
				if t.MaskAt(u) != 0 {
					last = u
					break
				}
			}
			if last < 0 {
				return fmt.Errorf("trajectory %q: steps[%d] (turn %d) has reward %v but no token with a non-zero response_mask to carry it", t.ID, top[e.Turn], e.Turn, e.DiscountedTurnReward)
			}
			adv[last] = e.DiscountedTurnReward
		}
		t.Advantages = adv
		t.Returns = append([]float64(nil), adv...)
	}
	return nil
}
