package reward

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/internal/groups"
	"github.com/credo-rl/credo/rollout"
)

var (
	pBase       = credit.BaseParam("verl.grpo", "method that turns the stage's reward into advantages (it reads the stage's reward as its rewards.<reward>)")
	pBaseParams = credit.BaseParamsParam()
	pThresh     = credit.FloatParam{Param: credit.Param{Name: "threshold", Kind: credit.Float, Default: 0.5, Doc: "a response is correct when its outcome >= threshold",
		Origin: credit.ByCredo("0/1 outcomes: correct when outcome >= threshold, the convention for outcome correctness across credo (docs/methods.md)")}}
	pStep = credit.IntParam{Param: credit.Param{Name: "step", Kind: credit.Int, Default: -1, Doc: "training step of the schedule; -1 = the step counter kept in the method state (one call = one step)",
		Origin: credit.ByCredo("-1 reads the step counter kept in the method state (one call = one training step)"), Range: credit.AtLeast(-1)}}
	stageOutputs = []string{"advantages", "returns (as the base method writes them)"}
	inBase       = credit.Input{Name: "inputs of the base method", Doc: "checked when the base runs"}
)

// lengths returns each trajectory's length: its tokens with a non-zero mask.
func lengths(b *rollout.Batch) []float64 {
	out := make([]float64, len(b.Trajectories))
	for i, t := range b.Trajectories {
		for j := 0; j < t.Len(); j++ {
			if t.MaskAt(j) != 0 {
				out[i]++
			}
		}
	}
	return out
}

// correct maps outcomes to 0/1 correctness (outcome >= threshold).
func correct(o []float64, threshold float64) []float64 {
	c := make([]float64, len(o))
	for i, x := range o {
		if x >= threshold {
			c[i] = 1
		}
	}
	return c
}

// groupMean returns, per row, the mean of x over the row's group.
func groupMean(x []float64, index []string) []float64 {
	g, n := groups.Index(index)
	sum := make([]float64, n)
	cnt := make([]float64, n)
	for i, v := range x {
		sum[g[i]] += v
		cnt[g[i]]++
	}
	out := make([]float64, len(x))
	for i := range x {
		out[i] = sum[g[i]] / cnt[g[i]]
	}
	return out
}

// checkFinite rejects NaN and ±Inf in a per-row input.
func checkFinite(est, name string, xs []float64) error {
	for i, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%s: %s row %d is %v, want a finite number", est, name, i, x)
		}
	}
	return nil
}

// checkRows verifies that a per-row input has n values.
func checkRows(est, name string, got, n int) error {
	if got != n {
		return fmt.Errorf("%s: %s has %d values, want %d (one per response)", est, name, got, n)
	}
	return nil
}

// featureLabel reads a two-valued feature: it returns true for the "on"
// label (onNames, case-insensitive, brackets stripped: "[Hard]" = "hard"),
// false for the "off" label, and an error otherwise. Booleans and the
// numbers 0 and 1 are accepted too (true/1 = on).
func featureLabel(t *rollout.Trajectory, i int, feature string, on, off string) (bool, error) {
	x, ok := t.Features[feature]
	if !ok {
		return false, fmt.Errorf("trajectory %d (traj_uid %q): no features.%s (want %q or %q)", i, t.ID, feature, on, off)
	}
	switch y := x.(type) {
	case bool:
		return y, nil
	case float64:
		if y == 0 || y == 1 {
			return y == 1, nil
		}
	case int:
		if y == 0 || y == 1 {
			return y == 1, nil
		}
	case string:
		s := strings.ToLower(strings.Trim(strings.TrimSpace(y), "[]<>"))
		switch s {
		case on:
			return true, nil
		case off:
			return false, nil
		}
		if b, err := strconv.ParseBool(s); err == nil {
			return b, nil
		}
	}
	return false, fmt.Errorf("trajectory %d (traj_uid %q): features.%s is %v, want %q or %q (or true/false, 1/0)", i, t.ID, feature, x, on, off)
}

// featureInput requires the feature named by the string parameter p.
func featureInput(p credit.StringParam, doc string) credit.Input {
	return credit.Input{Name: "features.<" + p.Name + ">", Doc: doc,
		Has: func(t *rollout.Trajectory, v credit.Values) bool {
			_, ok := t.Features[p.Get(v)]
			return ok
		}}
}

// stepCounter reads the schedule's step: the parameter when >= 0, else the
// counter in the state.
func stepCounter(v credit.Values, st *credit.State) (int, error) {
	step := pStep.Get(v)
	if step >= 0 {
		return step, nil
	}
	step = 0
	if _, err := st.Get("step", &step); err != nil {
		return 0, err
	}
	if step < 0 {
		return 0, fmt.Errorf("state: step %d, want >= 0", step)
	}
	return step, nil
}
