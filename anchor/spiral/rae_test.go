package spiral

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"testing"
)

// p0 plays turns 0 and 2, p1 turn 1; player 0 wins.
var game = Game{Rewards: [2]float64{1, -1}, Turns: []Turn{
	{PlayerID: 0, Turn: 0, ResponseLen: 2},
	{PlayerID: 1, Turn: 1, ResponseLen: 1},
	{PlayerID: 0, Turn: 2, ResponseLen: 3},
}}

func opts() Options {
	o := DefaultOptions()
	o.BaselineDecay, o.Gamma = 0.5, 0.5
	return o
}

func TestRAEBaselineAcrossGames(t *testing.T) {
	// Game 1, baselines start at 0: p0 r=1-0=1, EMA0 = 0.5*0+0.5*1 = 0.5;
	// its 2 turns get 1*0.5^1 = 0.5 and 1. p1 r=-1, EMA1 = -0.5, one turn -1.
	tr, st, err := RAE(game, RoleBaseline{}, opts())
	if err != nil {
		t.Fatal(err)
	}
	want := []Trajectory{
		{PlayerID: 0, Turn: 0, Rewards: []float64{0, 0.5}, LossMask: true, FinalReward: 1, DiscountedTurnReward: 0.5},
		{PlayerID: 0, Turn: 2, Rewards: []float64{0, 0, 1}, LossMask: true, FinalReward: 1, DiscountedTurnReward: 1},
		{PlayerID: 1, Turn: 1, Rewards: []float64{-1}, LossMask: true, FinalReward: -1, DiscountedTurnReward: -1},
	}
	if !reflect.DeepEqual(tr, want) || st != (RoleBaseline{0.5, -0.5}) {
		t.Fatalf("game 1: %+v %v", tr, st)
	}
	// Game 2 with the carried state: p0 r = 1-0.5 = 0.5, EMA0 = 0.25+0.5 = 0.75;
	// p1 r = -1+0.5 = -0.5, EMA1 = -0.75. Turns: 0.25, 0.5 | -0.5.
	tr, st, err = RAE(game, st, opts())
	if err != nil {
		t.Fatal(err)
	}
	got := []float64{}
	for _, x := range tr {
		got = append(got, x.DiscountedTurnReward)
	}
	if fmt.Sprint(got) != "[0.25 0.5 -0.5]" || st != (RoleBaseline{0.75, -0.75}) {
		t.Fatalf("game 2: %v %v", got, st)
	}
}

func TestRAEStateRoundTrip(t *testing.T) {
	// The state saved between batches (here as JSON) continues exactly.
	_, st, _ := RAE(game, RoleBaseline{}, opts())
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var restored RoleBaseline
	if err := json.Unmarshal(b, &restored); err != nil {
		t.Fatal(err)
	}
	a1, s1, _ := RAE(game, st, opts())
	a2, s2, _ := RAE(game, restored, opts())
	if !reflect.DeepEqual(a1, a2) || s1 != s2 {
		t.Fatalf("restored state diverges: %v vs %v", s1, s2)
	}
}

func TestRAENoBaselineNoDiscount(t *testing.T) {
	o := DefaultOptions()
	o.UseRoleBaseline, o.UseIntermediateRewards, o.RewardScaling = false, false, 2
	tr, st, err := RAE(game, RoleBaseline{0.3, 0.3}, o)
	if err != nil {
		t.Fatal(err)
	}
	// every turn of p0 gets 2*1 = 2, p1 gets -2; the state is untouched.
	if len(tr) != 3 || tr[0].DiscountedTurnReward != 2 || tr[1].DiscountedTurnReward != 2 || tr[2].DiscountedTurnReward != -2 || st != (RoleBaseline{0.3, 0.3}) {
		t.Fatalf("%+v %v", tr, st)
	}
}

func TestRAEFilterAndLossMask(t *testing.T) {
	draw := Game{Rewards: [2]float64{0, 0}, Turns: []Turn{
		{PlayerID: 0, ResponseLen: 1, Truncated: true}, {PlayerID: 1, Turn: 1, ResponseLen: 1}}}
	// With zero baselines a draw gives d = 0 everywhere: all dropped.
	tr, _, err := RAE(draw, RoleBaseline{}, DefaultOptions())
	if err != nil || len(tr) != 0 {
		t.Fatalf("filtered draw: %+v %v", tr, err)
	}
	o := DefaultOptions()
	o.FilterZeroAdv, o.IgnoreNoEOS = false, true
	tr, _, err = RAE(draw, RoleBaseline{}, o)
	if err != nil || len(tr) != 2 || tr[0].LossMask || !tr[1].LossMask {
		t.Fatalf("unfiltered draw: %+v %v", tr, err)
	}
}

func TestRAEFixedOpponent(t *testing.T) {
	o := opts()
	o.FixedOpponent, o.OnlineModelPlayer = true, 1
	tr, st, err := RAE(game, RoleBaseline{0.2, 0}, o)
	if err != nil {
		t.Fatal(err)
	}
	// only player 1 is trained; player 0's baseline is not updated.
	if len(tr) != 1 || tr[0].PlayerID != 1 || st != (RoleBaseline{0.2, -0.5}) {
		t.Fatalf("%+v %v", tr, st)
	}
}

func TestRAEErrors(t *testing.T) {
	empty := Game{Rewards: [2]float64{1, -1}, Turns: []Turn{{PlayerID: 0, ResponseLen: 0}}}
	if _, st, err := RAE(empty, RoleBaseline{0.1, 0.2}, DefaultOptions()); err == nil || st != (RoleBaseline{0.1, 0.2}) {
		t.Errorf("empty response: err %v, state %v (want an error and the input state)", err, st)
	}
	bad := Game{Rewards: [2]float64{math.NaN(), 0}}
	if _, _, err := RAE(bad, RoleBaseline{}, DefaultOptions()); err == nil {
		t.Error("NaN reward: want an error")
	}
	seat := Game{Turns: []Turn{{PlayerID: 2, ResponseLen: 1}}}
	if _, _, err := RAE(seat, RoleBaseline{}, DefaultOptions()); err == nil {
		t.Error("player 2: want an error")
	}
}

func ExampleRAE() {
	o := DefaultOptions()
	o.BaselineDecay = 0.5
	var state RoleBaseline // both role baselines start at 0
	games := []Game{
		{Rewards: [2]float64{1, -1}, Turns: []Turn{{PlayerID: 0, ResponseLen: 2}, {PlayerID: 1, Turn: 1, ResponseLen: 2}}},
		{Rewards: [2]float64{1, -1}, Turns: []Turn{{PlayerID: 0, ResponseLen: 2}, {PlayerID: 1, Turn: 1, ResponseLen: 2}}},
	}
	for _, g := range games {
		trajs, next, _ := RAE(g, state, o)
		state = next
		for _, tr := range trajs {
			fmt.Println(tr.PlayerID, tr.Rewards)
		}
		fmt.Println("baseline", state)
	}
	// Output:
	// 0 [0 1]
	// 1 [0 -1]
	// baseline [0.5 -0.5]
	// 0 [0 0.5]
	// 1 [0 -0.5]
	// baseline [0.75 -0.75]
}
