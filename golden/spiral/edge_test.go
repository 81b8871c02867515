package spiral

import "testing"

func TestEdgeRAE(t *testing.T) {
	const est = "spiral.rae"
	runEdge(t, []edgeCase{
		// Game 1: player 1 has no turn; its EMA is still updated (the
		// reference updates the baseline before looping over the turns).
		// P0: b=0, EMA 0.5, r=1; 2 turns: 1*0.5^1, 1*0.5^0.
		// P1: b=0, EMA -0.5, nothing emitted.
		// Game 2: P0: b=0.5, EMA 0.75, r=0.5; one turn. P1: b=-0.5, EMA
		// -0.75, r=-0.5; truncated turn -> loss_mask false (ignore_no_eos).
		// Trajectories: player 0's turns first, then player 1's.
		{"player_without_turns", est, `{"params": {"reward_scaling": 1.0, "use_role_baseline": true,
			"role_baseline_ema_gamma": 0.5, "use_intermediate_rewards": true, "gamma": 0.5, "filter_zero_adv": false,
			"ignore_no_eos": true, "fixed_opponent": "", "online_model_player": 0},
			"inputs": {"games": [
				{"rewards": [1.0, -1.0], "turns": [
					{"player_id": 0, "turn": 0, "response_len": 2, "response_is_truncated": false},
					{"player_id": 0, "turn": 2, "response_len": 1, "response_is_truncated": false}]},
				{"rewards": [1.0, -1.0], "turns": [
					{"player_id": 1, "turn": 0, "response_len": 1, "response_is_truncated": true},
					{"player_id": 0, "turn": 1, "response_len": 3, "response_is_truncated": false}]}]},
			"outputs": {"games": [
				{"trajectories": [
					{"player_id": 0, "turn": 0, "rewards": [0.0, 0.5], "loss_mask": true, "final_reward": 1.0, "discounted_turn_reward": 0.5},
					{"player_id": 0, "turn": 2, "rewards": [1.0], "loss_mask": true, "final_reward": 1.0, "discounted_turn_reward": 1.0}],
				 "ema_after": [0.5, -0.5]},
				{"trajectories": [
					{"player_id": 0, "turn": 1, "rewards": [0.0, 0.0, 0.5], "loss_mask": true, "final_reward": 0.5, "discounted_turn_reward": 0.5},
					{"player_id": 1, "turn": 0, "rewards": [-0.5], "loss_mask": false, "final_reward": -0.5, "discounted_turn_reward": -0.5}],
				 "ema_after": [0.75, -0.75]}]}}`},
		// Draw with filter_zero_adv and no baseline: every turn has reward 0
		// and is dropped; then a win: player 1's 0 is dropped again.
		{"filter_zero_adv_draw", est, `{"params": {"reward_scaling": 1.0, "use_role_baseline": false,
			"role_baseline_ema_gamma": 0.95, "use_intermediate_rewards": true, "gamma": 1.0, "filter_zero_adv": true,
			"ignore_no_eos": false, "fixed_opponent": "", "online_model_player": 0},
			"inputs": {"games": [
				{"rewards": [0.0, 0.0], "turns": [
					{"player_id": 0, "turn": 0, "response_len": 2, "response_is_truncated": true},
					{"player_id": 1, "turn": 1, "response_len": 1, "response_is_truncated": false}]},
				{"rewards": [1.0, 0.0], "turns": [
					{"player_id": 0, "turn": 0, "response_len": 1, "response_is_truncated": true},
					{"player_id": 1, "turn": 1, "response_len": 1, "response_is_truncated": false}]}]},
			"outputs": {"games": [
				{"trajectories": [], "ema_after": null},
				{"trajectories": [
					{"player_id": 0, "turn": 0, "rewards": [1.0], "loss_mask": true, "final_reward": 1.0, "discounted_turn_reward": 1.0}],
				 "ema_after": null}]}}`},
		// Fixed opponent, online seat 1: only seat 1 is trained and has its
		// EMA updated (0.9*0 + (1-0.9)*1); the fixed agent's turn (player_id
		// is the opponent's name, empty response) is never read.
		{"fixed_opponent_online_1", est, `{"params": {"reward_scaling": 1.0, "use_role_baseline": true,
			"role_baseline_ema_gamma": 0.9, "use_intermediate_rewards": true, "gamma": 1.0, "filter_zero_adv": true,
			"ignore_no_eos": true, "fixed_opponent": "random", "online_model_player": 1},
			"inputs": {"games": [
				{"rewards": [-1.0, 1.0], "turns": [
					{"player_id": "random", "turn": 0, "response_len": 0, "response_is_truncated": true},
					{"player_id": 1, "turn": 1, "response_len": 2, "response_is_truncated": true}]}]},
			"outputs": {"games": [
				{"trajectories": [
					{"player_id": 1, "turn": 1, "rewards": [0.0, 1.0], "loss_mask": false, "final_reward": 1.0, "discounted_turn_reward": 1.0}],
				 "ema_after": [0.0, 0.09999999999999998]}]}}`},
		// A trained player's empty response: dense_rewards[-1] on an empty
		// list raises IndexError (before the filter is tested).
		{"empty_response_error", est, `{"params": {"reward_scaling": 1.0, "use_role_baseline": false,
			"role_baseline_ema_gamma": 0.95, "use_intermediate_rewards": true, "gamma": 1.0, "filter_zero_adv": true,
			"ignore_no_eos": true, "fixed_opponent": "", "online_model_player": 0},
			"inputs": {"games": [{"rewards": [0.0, 0.0], "turns": [
				{"player_id": 0, "turn": 0, "response_len": 0, "response_is_truncated": false}]}]},
			"outputs": {"error": "IndexError: list assignment index out of range"}}`},
	})
}
