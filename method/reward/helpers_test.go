package reward

import (
	"math"
	"testing"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// recorderName is a base method, registered only in this package's tests,
// that records the reward it is handed (rewards.<reward> per trajectory)
// and writes zero advantages: the stages' rewards are read through the
// registry, the way a real base receives them.
const recorderName = "test.reward_recorder"

var recorded []float64

func init() {
	credit.Register(&credit.Method{
		Name:       recorderName,
		Summary:    "test base: records the stage's reward",
		Params:     []credit.Param{credit.RewardParam},
		Outputs:    []string{"advantages"},
		Scope:      credit.ScopeGroup,
		Provenance: credit.Provenance{Paper: "test"},
		Run: func(b *rollout.Batch, v credit.Values) error {
			recorded = recorded[:0]
			for _, t := range b.Trajectories {
				recorded = append(recorded, t.Rewards[v.String("reward")])
				t.Advantages = make([]float64, t.Len())
			}
			return nil
		},
	})
}

// stageRewards runs the stage with the recorder as base and returns the
// rewards it handed over.
func stageRewards(t *testing.T, b *rollout.Batch, stage string, st *credit.State, sets ...string) []float64 {
	t.Helper()
	m, err := credit.Lookup(stage)
	if err != nil {
		t.Fatal(err)
	}
	v, err := m.Parse(append([]string{"base=" + recorderName}, sets...))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.AssignState(b, v, st); err != nil {
		t.Fatal(err)
	}
	return append([]float64(nil), recorded...)
}

// traj builds a trajectory of n tokens (mask 1) with the given outcome.
func traj(id, group string, n int, outcome float64) *rollout.Trajectory {
	return &rollout.Trajectory{ID: id, Group: group, Tokens: make([]int64, n),
		Rewards: map[string]float64{"outcome": outcome}, Features: map[string]any{}}
}

func assertVec(t *testing.T, name string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %v, want %v", name, got, want)
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > tol {
			t.Fatalf("%s[%d]: got %.10g, want %.10g (all: %v)", name, i, got[i], want[i], got)
		}
	}
}
