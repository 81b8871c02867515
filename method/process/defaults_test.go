package process

import (
	"math"
	"testing"

	"github.com/credo-rl/credo/rollout"
)

// Defect 3 of issue 8: with its defaults clip_delta must not null the
// process reward of a PRM that scores in [0, 1]. A fixed η = 0 clips every
// such score to min(r − 0, 0) = 0.
func TestClipDeltaDefaultKeepsUnitPRMSignal(t *testing.T) {
	// prm [0.9 0.2 0.6] (one token per step), no outcome reward. The default
	// η is the batch's mean step score, 1.7/3. Clip: [0, 0.2 − 1.7/3, 0]
	// (0.6 − 1.7/3 > 0 is clipped to 0); Delta: [c0 − c1, c1 − c2, c2] =
	// [0.366…, −0.366…, 0]; returns (reverse sums): [0, 0.2 − 1.7/3, 0].
	tr := &rollout.Trajectory{ID: "a", Group: "g", Tokens: make([]int64, 3), Steps: prmSteps([]float64{0.9, 0.2, 0.6}, 1),
		Rewards: map[string]float64{"outcome": 0}}
	run(t, &rollout.Batch{Trajectories: []*rollout.Trajectory{tr}}, "clip_delta", "outcome_coef=0")
	c1 := 0.2 - 1.7/3
	checkVec(t, "advantages", tr.Advantages, []float64{0, c1, 0}, 1e-12)
	nonzero := false
	for _, a := range tr.Advantages {
		nonzero = nonzero || a != 0
	}
	if !nonzero {
		t.Fatal("clip_delta's defaults zeroed every process reward of a [0, 1] PRM")
	}
}

// One correctness convention (issue 8): a response is correct when its
// outcome is >= threshold, also at equality. Group of two with outcomes
// [0.5, 0]: GRPO gives ±0.25/(s + 1e-6) with s = √(2·0.25²) (unbiased);
// the first response counts as correct, so p = 1/2 and its wrong thought
// (second step) is scaled by 1 − α·p = 0.75; its correct thought keeps 1.
// The other response (wrong, wrong thought) keeps weight 1.
func TestTPGRPOThresholdIsInclusive(t *testing.T) {
	lab := func(c []float64) []rollout.Step {
		return steps([][2]int{{0, 1}, {1, 2}}, func(k int, s *rollout.Step) { s.Labels = map[string]float64{"correct": c[k]} })
	}
	a := &rollout.Trajectory{ID: "a", Group: "g", Tokens: make([]int64, 2), Steps: lab([]float64{1, 0}), Rewards: map[string]float64{"outcome": 0.5}}
	b := &rollout.Trajectory{ID: "b", Group: "g", Tokens: make([]int64, 2), Steps: lab([]float64{0, 0}), Rewards: map[string]float64{"outcome": 0}}
	run(t, &rollout.Batch{Trajectories: []*rollout.Trajectory{a, b}}, "tp_grpo")
	base := 0.25 / (math.Sqrt(2*0.25*0.25) + 1e-6)
	checkVec(t, "correct response", a.Advantages, []float64{base, 0.75 * base}, 1e-12)
	checkVec(t, "wrong response", b.Advantages, []float64{-base, -base}, 1e-12)
	// the deprecated name still parses
	run(t, &rollout.Batch{Trajectories: []*rollout.Trajectory{a, b}}, "tp_grpo", "correct_threshold=0.5")
	checkVec(t, "alias", a.Advantages, []float64{base, 0.75 * base}, 1e-12)
}
