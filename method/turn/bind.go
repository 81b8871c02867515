package turn

import (
	"fmt"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Helpers mapping rollout.Batch onto the estimators' arrays.

// turnsOf returns the indices and spans of t's top-level steps, checking
// that they are in order and disjoint.
func turnsOf(t *rollout.Trajectory, i int) ([]int, []Span, error) {
	idx := t.TopSteps()
	spans := make([]Span, len(idx))
	prev := 0
	for k, si := range idx {
		s := t.Steps[si]
		if s.Start < prev || s.End < s.Start || s.End > t.Len() {
			return nil, nil, fmt.Errorf("trajectory %d (traj_uid %q): top-level step %d [%d, %d) overlaps the previous turn or leaves the %d tokens; turn methods need ordered, disjoint turns", i, t.ID, si, s.Start, s.End, t.Len())
		}
		spans[k] = Span{Start: s.Start, End: s.End}
		prev = s.End
	}
	return idx, spans, nil
}

// spread writes vals[k] to every token of spans[k] whose mask is non-zero.
// storeSpread writes per-turn advantages (and returns, when ret is not nil)
// onto the turns' tokens of every trajectory.
func storeSpread(b *rollout.Batch, spans [][]Span, adv, ret [][]float64) {
	for i, t := range b.Trajectories {
		t.Advantages = spread(t, spans[i], adv[i])
		t.Returns = nil
		if ret != nil {
			t.Returns = spread(t, spans[i], ret[i])
		}
	}
}

func spread(t *rollout.Trajectory, spans []Span, vals []float64) []float64 {
	out := make([]float64, t.Len())
	for k, s := range spans {
		for j := s.Start; j < s.End; j++ {
			if t.MaskAt(j) != 0 {
				out[j] = vals[k]
			}
		}
	}
	return out
}

// fill writes x to every token whose mask is non-zero.
func fill(t *rollout.Trajectory, x float64) []float64 {
	out := make([]float64, t.Len())
	for j := range out {
		if t.MaskAt(j) != 0 {
			out[j] = x
		}
	}
	return out
}

func trajErr(i int, t *rollout.Trajectory, err error) error {
	return fmt.Errorf("trajectory %d (traj_uid %q): %w", i, t.ID, err)
}

// inTurns: at least one top-level step.
var inTurns = credit.Input{Name: "steps", Doc: "turns as top-level token spans (at least one)",
	Has: func(t *rollout.Trajectory, _ credit.Values) bool { return len(t.TopSteps()) > 0 }}

// everyTurn is an input every top-level step must provide.
func everyTurn(name, doc string, has func(s *rollout.Step, v credit.Values) bool) credit.Input {
	return credit.Input{Name: name, Doc: doc, Has: func(t *rollout.Trajectory, v credit.Values) bool {
		for _, k := range t.TopSteps() {
			if !has(&t.Steps[k], v) {
				return false
			}
		}
		return true
	}}
}

// critic marks an input as a learned critic's output (credit.Input.Critic).
func critic(in credit.Input) credit.Input {
	in.Critic = true
	return in
}

// stepReward reads the named reward of every turn.
func stepRewards(t *rollout.Trajectory, idx []int, channel string) []float64 {
	out := make([]float64, len(idx))
	for k, si := range idx {
		out[k] = t.Steps[si].Rewards[channel]
	}
	return out
}

// bootstrapOf returns the optional values.v_next of the last turn (0 when
// absent: the episode ended).
func bootstrapOf(t *rollout.Trajectory, idx []int) float64 {
	if len(idx) == 0 {
		return 0
	}
	return t.Steps[idx[len(idx)-1]].Values["v_next"]
}

var pStepReward = credit.StringParam{Param: credit.Param{Name: "step_reward", Kind: credit.String, Default: "reward",
	Doc: "per-turn environment reward channel (steps[].rewards.<step_reward>)", Origin: credit.Channel}}

func inStepReward() credit.Input {
	return everyTurn("steps[].rewards.<step_reward>", "environment reward of every turn",
		func(s *rollout.Step, v credit.Values) bool { _, ok := s.Rewards[pStepReward.Get(v)]; return ok })
}

var (
	pNormByStd = credit.BoolParam{Param: credit.Param{Name: "norm_adv_by_std_in_grpo", Kind: credit.Bool, Default: true, Doc: "divide by the comparison set's (unbiased) std", Aliases: []credit.Alias{credit.Deprecated("norm_by_std", "norm_adv_by_std_in_grpo")}, Origin: credit.ByCredo("z-score (mean and std), as GRPO normalises; false only centres")}}
	pEpsilon   = credit.FloatParam{Param: credit.Param{Name: "epsilon", Kind: credit.Float, Default: 1e-6, Doc: "added to the standard deviation", Origin: credit.FromReference("volcengine/verl verl/trainer/ppo/core_algos.py::compute_grpo_outcome_advantage (epsilon=1e-6)"), Range: credit.NonNeg}}
)

// pReturnGamma is the turn discount of the turn-return methods (calm, lare;
// returnOptions).
var pReturnGamma = credit.FloatParam{Param: credit.Param{Name: "gamma", Kind: credit.Float, Default: 1.0, Doc: "turn discount of the returns", Origin: credit.ByCredo("undiscounted turn returns"), Range: credit.Unit}}

// pNorm is the comparison set of the turn-return methods (returnOptions);
// each method declares it through normParam with its own default.
var pNorm = credit.StringParam{Param: credit.Param{Name: "norm", Kind: credit.String, Choices: []string{"batch", "group", "none"}}}

func normParam(def Norm, doc string, o credit.Origin) credit.StringParam {
	p := pNorm.WithDefault(string(def), o)
	p.Doc = doc
	return p
}

// groupIndex returns dense group numbers of the batch's trajectories.
func groupIndex(b *rollout.Batch) ([]int, int) {
	ids, of := b.Groups()
	return of, len(ids)
}
