package ref

import (
	"strings"
	"testing"

	"github.com/credo-rl/credo/rollout"
)

func traj(id, group string, reward float64, n int) *rollout.Trajectory {
	return &rollout.Trajectory{ID: id, Group: group, Tokens: make([]int64, n), Rewards: map[string]float64{"outcome": reward}}
}

func TestBlocksNeedEqualGroups(t *testing.T) {
	b := &rollout.Batch{Trajectories: []*rollout.Trajectory{traj("a", "g", 1, 1), traj("b", "g", 1, 1), traj("c", "h", 1, 1)}}
	if _, _, err := Blocks(b); err == nil || !strings.Contains(err.Error(), `group "h" has 1`) {
		t.Fatalf("Blocks = %v", err)
	}
}
