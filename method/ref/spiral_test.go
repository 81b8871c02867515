package ref

import (
	"testing"

	"github.com/credo-rl/credo/credit"

	"github.com/credo-rl/credo/rollout"
)

// A turn whose span ends with a masked token: its reward goes on the
// span's last token with a non-zero mask. Game rewards 1 (player 0) and
// -1 (player 1), no baseline, gamma 1: turn 0 (player 0, span [0, 3),
// mask 1 1 0) gets +1 on token 1, turn 1 (player 1, span [3, 5)) gets -1 on
// token 4. The response's token 2 (mask 0) gets nothing.
func TestSpiralRewardOnLastValidToken(t *testing.T) {
	b := &rollout.Batch{Trajectories: []*rollout.Trajectory{{
		ID: "game", Group: "g", Tokens: make([]int64, 5), Mask: []float64{1, 1, 0, 1, 1},
		Rewards: map[string]float64{"0": 1, "1": -1},
		Steps: []rollout.Step{
			{Start: 0, End: 3, Kind: "turn", Role: "0"},
			{Start: 3, End: 5, Kind: "turn", Role: "1"},
		},
	}}}
	if err := credit.Assign(b, "spiral.rae", "use_role_baseline=false"); err != nil {
		t.Fatal(err)
	}
	want := []float64{0, 1, 0, 0, -1}
	got := b.Trajectories[0].Advantages
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("advantages %v, want %v", got, want)
		}
	}
	// A rewarded turn with no valid token is an error naming the step.
	b.Trajectories[0].Mask = []float64{0, 0, 0, 1, 1}
	if err := credit.Assign(b, "spiral.rae", "use_role_baseline=false"); err == nil {
		t.Fatal("want an error for a rewarded turn without a valid token")
	}
}
