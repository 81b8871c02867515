package credit

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/credo-rl/credo/rollout"
)

// Stages. A stage method transforms rewards or advantages and hands the
// rest to a base method. Every stage composes the same way: parameter
// "base" names the base method and "base_params" holds the base's own
// parameters as comma-separated key=value (the base's defaults otherwise).
// Nothing passes implicitly from the stage to its base, except the reward
// channel that the stage itself hands over.

// passKey holds the settings given through deprecated pass-through aliases
// (a stage's old same-name parameters); BaseValues applies them before
// base_params, so base_params wins.
const passKey = "base_params (deprecated pass-through)"

// BaseParam declares a stage's "base" parameter with its default base
// method; aliases are the stage's old names for it.
func BaseParam(def, doc string, aliases ...Alias) StringParam {
	return StringParam{Param: Param{Name: "base", Kind: String, Default: def, Doc: doc, Aliases: aliases,
		Origin: ByCredo("the estimator the stage's paper trains with; any registered method can be named")}}
}

// BaseParamsParam declares a stage's "base_params" parameter; aliases are
// old names (estimator_params) and deprecated pass-throughs (PassThrough).
func BaseParamsParam(aliases ...Alias) StringParam {
	return StringParam{Param: Param{Name: "base_params", Kind: String, Default: "",
		Doc:     "parameters of the base method as comma-separated key=value (empty = the base's defaults)",
		Origin:  ByCredo("empty: the base method's own defaults"),
		Aliases: aliases, Validate: validKVList}}
}

// The handles through which the stage machinery reads every stage's base
// and base_params (each stage declares them with BaseParam and
// BaseParamsParam).
var (
	pBase       = BaseParam("", "")
	pBaseParams = BaseParamsParam()
)

// PassThrough is a deprecated alias for a parameter that a stage used to
// pass to its base under the same name; name=value now goes to base_params.
func PassThrough(name string) Alias {
	return Alias{Name: name, Deprecated: true,
		Note: "deprecated: use base_params=" + name + "=VALUE (passed to the base method)",
		Apply: func(v Values, raw string) error {
			if strings.ContainsAny(raw, ",=") {
				return fmt.Errorf("value %q may not contain ',' or '='", raw)
			}
			prev, _ := v[passKey].(string)
			if prev != "" {
				prev += ","
			}
			v[passKey] = prev + name + "=" + strings.TrimSpace(raw)
			return nil
		}}
}

func validKVList(x any) error {
	for _, kv := range SplitList(x.(string)) {
		if k, _, ok := strings.Cut(kv, "="); !ok || strings.TrimSpace(k) == "" {
			return fmt.Errorf("%q is not key=value", kv)
		}
	}
	return nil
}

// SplitList splits a comma-separated list, trimming blanks and dropping
// empty items.
func SplitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// ParseFloats parses a comma-separated list of finite numbers ("" = nil);
// what names the parameter in errors.
func ParseFloats(what, s string) ([]float64, error) {
	items := SplitList(s)
	if len(items) == 0 {
		return nil, nil
	}
	out := make([]float64, len(items))
	for i, x := range items {
		f, err := strconv.ParseFloat(x, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("parameter %s: %q is not a finite number", what, x)
		}
		out[i] = f
	}
	return out, nil
}

// BaseValues resolves a stage's base method and the base's parameter
// values: the base's defaults, then preset (what the stage hands over, e.g.
// its reward channel; keys the base lacks are skipped), then the deprecated
// pass-through settings, then base_params. A stage cannot be its own base.
func BaseValues(stage string, v Values, preset Values) (*Method, Values, error) {
	name := pBase.Get(v)
	if name == stage {
		return nil, nil, fmt.Errorf("base %q: a stage cannot be its own base", name)
	}
	m, err := Lookup(name)
	if err != nil {
		return nil, nil, fmt.Errorf("base: %w", err)
	}
	bv := m.Defaults()
	for k, x := range preset {
		if _, ok := bv[k]; ok {
			bv[k] = x
		}
	}
	for _, src := range []struct{ param, list string }{{"base_params (from deprecated pass-through parameters)", v.String(passKey)}, {"base_params", pBaseParams.Get(v)}} {
		for _, kv := range SplitList(src.list) {
			k, val, ok := strings.Cut(kv, "=")
			if !ok {
				return nil, nil, fmt.Errorf("%s: %q is not key=value", src.param, kv)
			}
			if err := m.Set(bv, strings.TrimSpace(k), strings.TrimSpace(val)); err != nil {
				return nil, nil, fmt.Errorf("%s: %w", src.param, err)
			}
		}
	}
	return m, bv, nil
}

// StageScope is the ScopeOf of a stage: its base method's scope under the
// base's values (ScopeBatch when the base cannot be resolved; the run then
// fails with the proper error).
func StageScope(v Values) Scope {
	m, bv, err := BaseValues("", v, nil)
	if err != nil {
		return ScopeBatch
	}
	return m.ScopeFor(bv)
}

// StageChannel is the reward channel through which a stage hands its
// reward to the base method, in a private copy of the batch.
const StageChannel = "credo.stage_reward"

// RunBase hands one reward per trajectory to a stage's base method (see
// BaseValues): the base runs on a private copy of b whose only reward is
// r[i] (token_level_rewards removed, so the reward sits on the last valid
// token), and its advantages, returns and loss weights are copied back.
// The user's rewards are not modified.
func RunBase(stage string, b *rollout.Batch, v Values, r []float64) error {
	if len(r) != len(b.Trajectories) {
		return fmt.Errorf("%s: %d rewards for %d trajectories", stage, len(r), len(b.Trajectories))
	}
	for i, x := range r {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			t := b.Trajectories[i]
			return fmt.Errorf("trajectory %d (traj_uid %q): the stage's reward is %v, want a finite number", i, t.ID, x)
		}
	}
	m, bv, err := BaseValues(stage, v, nil)
	if err != nil {
		return err
	}
	if !Reward.Has(bv) {
		return fmt.Errorf("base method %s reads no outcome reward channel (it has no parameter \"reward\")", m.Name)
	}
	Reward.Set(bv, StageChannel)
	shadow := &rollout.Batch{Trajectories: make([]*rollout.Trajectory, len(b.Trajectories))}
	for i, t := range b.Trajectories {
		c := *t
		c.Rewards = map[string]float64{StageChannel: r[i]}
		c.TokenRewards = nil
		c.Advantages, c.Returns, c.LossWeights = nil, nil, nil
		shadow.Trajectories[i] = &c
	}
	if err := m.Assign(shadow, bv); err != nil {
		return fmt.Errorf("base method: %w", err)
	}
	for i, t := range b.Trajectories {
		s := shadow.Trajectories[i]
		t.Advantages, t.Returns, t.LossWeights = s.Advantages, s.Returns, s.LossWeights
	}
	return nil
}

// Outcomes returns each trajectory's outcome: the named reward channel, or
// the sum of its token rewards (see Outcome).
func Outcomes(b *rollout.Batch, channel string) ([]float64, error) {
	out := make([]float64, len(b.Trajectories))
	for i, t := range b.Trajectories {
		r, ok := Outcome(t, channel)
		if !ok {
			return nil, fmt.Errorf("trajectory %d (traj_uid %q): no rewards.%s and no token_level_rewards", i, t.ID, channel)
		}
		out[i] = r
	}
	return out, nil
}

// ChannelValues returns each trajectory's value of the named reward channel.
func ChannelValues(b *rollout.Batch, name string) ([]float64, error) {
	out := make([]float64, len(b.Trajectories))
	for i, t := range b.Trajectories {
		r, ok := t.Rewards[name]
		if !ok {
			return nil, fmt.Errorf("trajectory %d (traj_uid %q): no rewards.%s", i, t.ID, name)
		}
		out[i] = r
	}
	return out, nil
}

// ChannelInput requires the reward channels named by the string parameter
// p (a comma-separated list; empty means the input is not used).
func ChannelInput(p StringParam, doc string) Input {
	return Input{Name: "rewards.<" + p.Name + ">", Doc: doc,
		Has: func(t *rollout.Trajectory, v Values) bool {
			for _, name := range SplitList(p.Get(v)) {
				if _, ok := t.Rewards[name]; !ok {
					return false
				}
			}
			return true
		}}
}
