package spiral

import (
	"math"
	"math/rand/v2"
	"testing"
)

// With EMA decay 0 the baseline after a game is that game's reward, so RAE's
// baseline for a role is the role's previous reward: every game's final
// reward is r_k - r_{k-1} (r_0 baseline = 0).
func TestRAEDecayZeroIsPreviousReward(t *testing.T) {
	o := DefaultOptions()
	o.BaselineDecay = 0
	o.FilterZeroAdv = false
	rng := rand.New(rand.NewPCG(1, 2))
	var base RoleBaseline
	prev := [2]float64{}
	for k := 0; k < 20; k++ {
		r0 := float64(rng.IntN(3) - 1)
		g := Game{Rewards: [2]float64{r0, -r0}, Turns: []Turn{{PlayerID: 0, Turn: 0, ResponseLen: 1}, {PlayerID: 1, Turn: 1, ResponseLen: 1}}}
		out, next, err := RAE(g, base, o)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range out {
			want := g.Rewards[e.PlayerID] - prev[e.PlayerID]
			if math.Abs(e.FinalReward-want) > 1e-15 {
				t.Fatalf("game %d player %d: %v, want %v", k, e.PlayerID, e.FinalReward, want)
			}
		}
		prev = g.Rewards
		base = next
	}
}
