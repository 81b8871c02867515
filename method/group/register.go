package group

// Shared helpers of the registry bindings. Each method's binding (its
// credit.Register call and run function) is in <estimator>_register.go,
// beside the file of its estimator.

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Bindings of the package's estimators to credo's method registry.

// KnapsackMethod is the registered name of Knapsack RL's stateful helper.
const KnapsackMethod = "knapsack.grpo"

var (
	pBase = credit.BaseParam("verl.grpo", "method that turns the transformed reward into advantages (it reads the transformed reward as its rewards.<reward>)")
	// pBaseParams: the base's parameters; the stage's old epsilon and
	// norm_adv_by_std_in_grpo, which passed to the base under the same
	// names, are deprecated aliases.
	pBaseParams = credit.BaseParamsParam(credit.PassThrough("epsilon"), credit.PassThrough("norm_adv_by_std_in_grpo"))
	pEpsilon    = credit.FloatParam{Param: credit.Param{Name: "epsilon", Kind: credit.Float, Default: 1e-6, Doc: "added to the group standard deviation (passed to the base method when it has it)", Origin: credit.FromReference("volcengine/verl verl/trainer/ppo/core_algos.py::compute_grpo_outcome_advantage (epsilon=1e-6), the GRPO part"), Range: credit.NonNeg}}
	pNormStd    = credit.BoolParam{Param: credit.Param{Name: "norm_adv_by_std_in_grpo", Kind: credit.Bool, Default: true, Doc: "divide by the group std (passed to the base method when it has it)", Origin: credit.FromReference("volcengine/verl verl/trainer/ppo/core_algos.py::compute_grpo_outcome_advantage (norm_adv_by_std_in_grpo=True)")}}
	pThresh     = credit.FloatParam{Param: credit.Param{Name: "threshold", Kind: credit.Float, Default: 0.5, Doc: "a response is correct when its outcome >= threshold", Origin: credit.ByCredo("0/1 outcomes: correct when outcome >= threshold, the convention for outcome correctness across credo (docs/methods.md)")}}
	pThink      = credit.StringParam{Param: credit.Param{Name: "thinking", Kind: credit.String, Default: "thinking", Doc: "reward channel of the thinking-quality reward model", Origin: credit.Channel}}
)

// featureText renders a feature value as text (numbers in shortest form,
// so 2 and 2.0 are the same key).
func featureText(x any) (string, bool) {
	switch v := x.(type) {
	case string:
		return v, true
	case bool:
		return strconv.FormatBool(v), true
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64), true
	case float32:
		return strconv.FormatFloat(float64(v), 'g', -1, 32), true
	case int:
		return strconv.Itoa(v), true
	case int64:
		return strconv.FormatInt(v, 10), true
	case json.Number:
		if f, err := v.Float64(); err == nil {
			return strconv.FormatFloat(f, 'g', -1, 64), true
		}
		return v.String(), true
	}
	return "", false
}

// keyOf resolves a trajectory key spec: "uid" (the group id),
// "features.<name>", "steps" (number of top-level steps) or "steps.<kind>"
// (number of steps of that kind).
func keyOf(t *rollout.Trajectory, spec string) (string, bool) {
	switch {
	case spec == "uid":
		return t.Group, true
	case strings.HasPrefix(spec, "features."):
		x, ok := t.Features[strings.TrimPrefix(spec, "features.")]
		if !ok {
			return "", false
		}
		return featureText(x)
	case spec == "steps":
		return strconv.Itoa(len(t.TopSteps())), true
	case strings.HasPrefix(spec, "steps."):
		kind := strings.TrimPrefix(spec, "steps.")
		c := 0
		for _, s := range t.Steps {
			if s.Kind == kind {
				c++
			}
		}
		return strconv.Itoa(c), true
	}
	return "", false
}

func keyInput(p credit.StringParam, doc string) credit.Input {
	return credit.Input{Name: "<" + p.Name + ">", Doc: doc,
		Has: func(t *rollout.Trajectory, v credit.Values) bool {
			_, ok := keyOf(t, p.Get(v))
			return ok
		}}
}

func checkKeySpec(param, spec string) error {
	if spec == "uid" || spec == "steps" || (strings.HasPrefix(spec, "features.") && len(spec) > len("features.")) ||
		(strings.HasPrefix(spec, "steps.") && len(spec) > len("steps.")) {
		return nil
	}
	return fmt.Errorf("parameter %s = %q: want uid, features.<name>, steps or steps.<kind>", param, spec)
}

// scoreRows are verl's GRPO scores: the sum of token_level_rewards, or the
// outcome channel when they are absent.
func scoreRows(b *rollout.Batch, ch string) ([]float64, [][]float64, error) {
	r, err := credit.TokenRewards(b, ch)
	if err != nil {
		return nil, nil, err
	}
	m := credit.Masks(b)
	s, err := rowSums("scores", r, m)
	return s, m, err
}
