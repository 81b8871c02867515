package process

// Shared helpers of the registry bindings. Each method's binding (its
// credit.Register call and run function) is in <estimator>_register.go,
// beside the file of its estimator.

import (
	"fmt"
	"maps"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Registry bindings. Steps are the trajectory's top-level steps (no
// parent), in order; a step's reward is placed on its last token.

// stages are the methods of this package that shape token rewards; they
// cannot be each other's estimator.
var stages = map[string]bool{"pure.min_form": true, "clip_delta": true, "vsrm": true}

// pEstimator is the stages' "base": their own built-in returns or a
// registered method.
var pEstimator = func() credit.StringParam {
	p := credit.BaseParam("returns", "turns the shaped token rewards into advantages: returns (undiscounted reverse sum, advantage = return·mask) or a registered method that reads token_level_rewards (with base_params)",
		credit.Deprecated("estimator", "base"))
	p.Origin = credit.ByCredo("the papers sum the shaped rewards into undiscounted returns (PURE's reference, Clip/Delta's REINFORCE-style training); a registered method can be named")
	return p
}()

// pPRMLabelKey is the step label that the PRM label builders
// (omegaprm.labels, groundedprm.labels) write.
var pPRMLabelKey = credit.StringParam{Param: credit.Param{Name: "label_key", Kind: credit.String, Default: "prm", Doc: "step label written", Origin: credit.Channel}}

// pOutcomeCoef and pMaskSeparator are declared by each stage with its own
// default (WithDefault).
var (
	pOutcomeCoef   = credit.FloatParam{Param: credit.Param{Name: "outcome_coef", Kind: credit.Float, Doc: "weight of rewards.<reward> added on the last token with a non-zero mask (0 = process reward only)"}}
	pMaskSeparator = credit.BoolParam{Param: credit.Param{Name: "mask_separator", Kind: credit.Bool, Doc: "zero the advantage on each step's last (separator) token, as PURE does"}}
)

var pEstimatorParams = credit.BaseParamsParam(credit.Deprecated("estimator_params", "base_params"))

// stageReads: the built-in returns read own; a registered base adds the
// arrays it reads.
func stageReads(own credit.Arrays) func(credit.Values) credit.Arrays {
	base := credit.StageReads(own)
	return func(v credit.Values) credit.Arrays {
		if pEstimator.Get(v) == "returns" {
			return own
		}
		return base(v)
	}
}

// stageScope: the built-in returns are per trajectory (group scope); a
// registered estimator brings its own scope; batch-wide parameters widen it.
func stageScope(batchWide func(v credit.Values) bool) func(credit.Values) credit.Scope {
	return func(v credit.Values) credit.Scope {
		if batchWide != nil && batchWide(v) {
			return credit.ScopeBatch
		}
		if pEstimator.Get(v) == "returns" {
			return credit.ScopeGroup
		}
		return credit.StageScope(v)
	}
}

var pWriteTokenRewards = credit.BoolParam{Param: credit.Param{Name: "write_token_rewards", Kind: credit.Bool, Default: false, Origin: credit.ByCredo("the input's token rewards are kept unless asked for"),
	Doc: "also store the shaped rewards as token_level_rewards (replacing the input's)"}}

// inStepSignal requires every top-level step to carry a named number.
func inStepSignal(name, doc string, get func(s rollout.Step, v credit.Values) bool) credit.Input {
	return credit.Input{Name: name, Doc: doc, Has: func(t *rollout.Trajectory, v credit.Values) bool {
		top := t.TopSteps()
		if len(top) == 0 {
			return false
		}
		for _, k := range top {
			if !get(t.Steps[k], v) {
				return false
			}
		}
		return true
	}}
}

var inOutcomeIfCoef = credit.Input{Name: "rewards.<reward> (outcome_coef != 0)", Doc: "the outcome reward",
	Has: func(t *rollout.Trajectory, v credit.Values) bool {
		if pOutcomeCoef.Get(v) == 0 {
			return true
		}
		_, ok := t.Rewards[credit.Reward.Get(v)]
		return ok
	}}

func stepSpans(t *rollout.Trajectory) [][2]int {
	top := t.TopSteps()
	out := make([][2]int, len(top))
	for k, i := range top {
		out[k] = [2]int{t.Steps[i].Start, t.Steps[i].End}
	}
	return out
}

func stepReward(t *rollout.Trajectory, key string) []float64 {
	top := t.TopSteps()
	out := make([]float64, len(top))
	for k, i := range top {
		out[k] = t.Steps[i].Rewards[key]
	}
	return out
}

func stepValue(t *rollout.Trajectory, key string) []float64 {
	top := t.TopSteps()
	out := make([]float64, len(top))
	for k, i := range top {
		out[k] = t.Steps[i].Values[key]
	}
	return out
}

// runStage builds a stage from a per-trajectory step-reward function:
// step rewards on step-end tokens, outcome_coef × outcome on the last valid
// token, then the estimator.
func runStage(stepRewards func(t *rollout.Trajectory, v credit.Values) ([]float64, error)) func(*rollout.Batch, credit.Values) error {
	return func(b *rollout.Batch, v credit.Values) error {
		shaped := make([][]float64, len(b.Trajectories))
		for i, t := range b.Trajectories {
			r, err := stepRewards(t, v)
			if err != nil {
				return fmt.Errorf("trajectory %d (traj_uid %q): %w", i, t.ID, err)
			}
			if shaped[i], err = tokenRewards(t, r, v); err != nil {
				return fmt.Errorf("trajectory %d (traj_uid %q): %w", i, t.ID, err)
			}
		}
		return estimate(b, v, shaped)
	}
}

func tokenRewards(t *rollout.Trajectory, stepRewards []float64, v credit.Values) ([]float64, error) {
	row, err := PlaceStepRewards(t.Len(), stepSpans(t), stepRewards)
	if err != nil {
		return nil, err
	}
	if c := pOutcomeCoef.Get(v); c != 0 {
		last := t.LastValid()
		if last < 0 {
			return nil, fmt.Errorf("no token with a non-zero mask to carry the outcome reward")
		}
		row[last] += c * t.Rewards[credit.Reward.Get(v)]
	}
	return row, nil
}

// estimate turns shaped token rewards into advantages with the estimator,
// then applies the separator mask.
func estimate(b *rollout.Batch, v credit.Values, shaped [][]float64) error {
	est := pEstimator.Get(v)
	if est == "returns" {
		for i, t := range b.Trajectories {
			ret := Returns(shaped[i])
			adv := make([]float64, len(ret))
			for u, g := range ret {
				adv[u] = g * t.MaskAt(u)
			}
			t.Advantages, t.Returns = adv, ret
		}
	} else {
		if stages[est] {
			return fmt.Errorf("base %q is itself a reward-shaping stage", est)
		}
		m, ev, err := credit.BaseValues("", v, nil)
		if err != nil {
			return err
		}
		cb := &rollout.Batch{Trajectories: make([]*rollout.Trajectory, len(b.Trajectories))}
		for i, t := range b.Trajectories {
			c := *t
			c.TokenRewards = shaped[i]
			c.Advantages, c.Returns = nil, nil
			cb.Trajectories[i] = &c
		}
		if err := m.Assign(cb, ev); err != nil {
			return fmt.Errorf("base %s: %w", est, err)
		}
		for i, t := range b.Trajectories {
			t.Advantages, t.Returns = cb.Trajectories[i].Advantages, cb.Trajectories[i].Returns
		}
	}
	for i, t := range b.Trajectories {
		if pMaskSeparator.Get(v) && t.Advantages != nil {
			adv := append([]float64(nil), t.Advantages...)
			for _, s := range stepSpans(t) {
				if s[1] > 0 && s[1] <= len(adv) {
					adv[s[1]-1] = 0
				}
			}
			t.Advantages = adv
		}
		if pWriteTokenRewards.Get(v) {
			t.TokenRewards = shaped[i]
		}
	}
	return nil
}

// setLabel writes a step label into a fresh copy of the step's label map.
func setLabel(s *rollout.Step, key string, x float64) {
	m := make(map[string]float64, len(s.Labels)+1)
	maps.Copy(m, s.Labels)
	m[key] = x
	s.Labels = m
}
