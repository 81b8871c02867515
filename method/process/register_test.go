package process

import (
	"errors"
	"testing"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

func steps(spans [][2]int, set func(k int, s *rollout.Step)) []rollout.Step {
	out := make([]rollout.Step, len(spans))
	for k, sp := range spans {
		out[k] = rollout.Step{Start: sp[0], End: sp[1]}
		set(k, &out[k])
	}
	return out
}

func prmSteps(prm []float64, width int) []rollout.Step {
	spans := make([][2]int, len(prm))
	for k := range prm {
		spans[k] = [2]int{k * width, (k + 1) * width}
	}
	return steps(spans, func(k int, s *rollout.Step) { s.Rewards = map[string]float64{"prm": prm[k]} })
}

func run(t *testing.T, b *rollout.Batch, name string, sets ...string) {
	t.Helper()
	m, err := credit.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	v, err := m.Parse(sets)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Assign(b, v); err != nil {
		t.Fatal(err)
	}
}

func TestRegisteredMinForm(t *testing.T) {
	// Worked numbers at T = 0, steps of 2 tokens: r* = [0 0 -0.6 0] on tokens
	// 1 3 5 7; returns -0.6 up to token 5, then 0; separators (1 3 5 7) get 0.
	tr := &rollout.Trajectory{ID: "a", Group: "g", Tokens: make([]int64, 8), Steps: prmSteps(worked, 2)}
	b := &rollout.Batch{Trajectories: []*rollout.Trajectory{tr}}
	run(t, b, "pure.min_form", "temperature=0")
	checkVec(t, "advantages", tr.Advantages, []float64{-0.6, 0, -0.6, 0, -0.6, 0, 0, 0}, 1e-12)
	checkVec(t, "returns", tr.Returns, []float64{-0.6, -0.6, -0.6, -0.6, -0.6, -0.6, 0, 0}, 1e-12)
	// Sum form through a registered estimator (OpenRLHF's cumulative
	// returns, gamma 1) and without separator masking: [1.8 1.8 0.9 0.9 0.1
	// 0.1 0.7 0.7].
	run(t, b, "pure.min_form", "form=sum", "mask_separator=false", "base=openrlhf.cumulative_returns", "write_token_rewards=true")
	checkVec(t, "sum-form advantages", tr.Advantages, []float64{1.8, 1.8, 0.9, 0.9, 0.1, 0.1, 0.7, 0.7}, 1e-12)
	checkVec(t, "token rewards", tr.TokenRewards, []float64{0, 0.9, 0, 0.8, 0, -0.6, 0, 0.7}, 0)
	// estimator_params reach the estimator: gamma 0.5 on rewards
	// [0 0.9 0 0.8 0 -0.6 0 0.7]: G_7 = 0.7, G_6 = 0.35, G_5 = -0.425,
	// G_4 = -0.2125, G_3 = 0.69375, G_2 = 0.346875, G_1 = 1.0734375,
	// G_0 = 0.53671875.
	run(t, b, "pure.min_form", "form=sum", "mask_separator=false", "estimator=openrlhf.cumulative_returns", "estimator_params=gamma=0.5")
	checkVec(t, "gamma 0.5", tr.Advantages, []float64{0.53671875, 1.0734375, 0.346875, 0.69375, -0.2125, -0.425, 0.35, 0.7}, 1e-12)
	m, _ := credit.Lookup("pure.min_form")
	v, _ := m.Parse([]string{"base=clip_delta"})
	if err := m.Assign(b, v); err == nil {
		t.Error("a stage accepted as estimator")
	}
	// Scope: the built-in returns are per trajectory; a whitening estimator
	// is batch-wide; so is clip_delta's batch-mean eta.
	if s := m.ScopeFor(nil); s != credit.ScopeGroup {
		t.Errorf("default scope %s", s)
	}
	v, _ = m.Parse([]string{"base=verl.reinforce_plus_plus"})
	if s := m.ScopeFor(v); s != credit.ScopeBatch {
		t.Errorf("scope with a whitening estimator: %s", s)
	}
	cd, _ := credit.Lookup("clip_delta")
	v, _ = cd.Parse([]string{"eta_mode=batch_mean"})
	if s := cd.ScopeFor(v); s != credit.ScopeBatch {
		t.Errorf("clip_delta batch_mean scope: %s", s)
	}
}

func TestRegisteredClipDelta(t *testing.T) {
	// prm [0.9 0.5 0.7], one token per step, eta 0.8, clip_delta: [0.3 -0.2
	// -0.1] plus the outcome 1 on token 2: rewards [0.3 -0.2 0.9], returns
	// [1.0 0.7 0.9].
	tr := &rollout.Trajectory{ID: "a", Group: "g", Tokens: make([]int64, 3), Steps: prmSteps([]float64{0.9, 0.5, 0.7}, 1),
		Rewards: map[string]float64{"outcome": 1}}
	run(t, &rollout.Batch{Trajectories: []*rollout.Trajectory{tr}}, "clip_delta", "eta=0.8")
	checkVec(t, "advantages", tr.Advantages, []float64{1.0, 0.7, 0.9}, 1e-12)
	// eta from the batch mean (0.7): clip [0 -0.2 0] -> delta [0.2 -0.2 0].
	run(t, &rollout.Batch{Trajectories: []*rollout.Trajectory{tr}}, "clip_delta", "eta_mode=batch_mean", "outcome_coef=0")
	checkVec(t, "batch-mean eta", tr.Advantages, []float64{0, -0.2, 0}, 1e-12)
}

func TestRegisteredVSRM(t *testing.T) {
	// acc [0.2 0.5], init 0.2, decay 0.5: d = [0 0.3], r = [0.15 0.3] on
	// tokens 1 and 3, outcome 0: returns [0.45 0.45 0.3 0.3].
	tr := &rollout.Trajectory{ID: "a", Group: "g", Tokens: make([]int64, 4), Rewards: map[string]float64{"outcome": 0},
		Features: map[string]any{"mc_init": 0.2},
		Steps: steps([][2]int{{0, 2}, {2, 4}}, func(k int, s *rollout.Step) {
			s.Values = map[string]float64{"mc": []float64{0.2, 0.5}[k]}
		})}
	run(t, &rollout.Batch{Trajectories: []*rollout.Trajectory{tr}}, "vsrm", "decay=0.5")
	checkVec(t, "advantages", tr.Advantages, []float64{0.45, 0.45, 0.3, 0.3}, 1e-12)
}

func TestRegisteredTPGRPO(t *testing.T) {
	lab := func(c ...bool) func(int, *rollout.Step) {
		return func(k int, s *rollout.Step) {
			x := 0.0
			if c[k] {
				x = 1
			}
			s.Labels = map[string]float64{"correct": x}
		}
	}
	b := &rollout.Batch{Trajectories: []*rollout.Trajectory{
		{ID: "a", Group: "g", Tokens: make([]int64, 4), Rewards: map[string]float64{"outcome": 1},
			Steps: steps([][2]int{{0, 1}, {1, 2}, {2, 3}}, lab(true, false, true))},
		{ID: "b", Group: "g", Tokens: make([]int64, 3), Rewards: map[string]float64{"outcome": 0},
			Steps: steps([][2]int{{0, 2}, {2, 3}}, lab(true, false))},
	}}
	run(t, b, "tp_grpo", "norm_adv_by_std_in_grpo=false")
	checkVec(t, "row 0", b.Trajectories[0].Advantages, []float64{0.5, 0.375, 0.5, 0.5}, 1e-12)
	checkVec(t, "row 1", b.Trajectories[1].Advantages, []float64{-0.375, -0.375, -0.5}, 1e-12)
}

func TestRegisteredLabels(t *testing.T) {
	mcSteps := func(mc []float64, tool map[int]float64) []rollout.Step {
		spans := make([][2]int, len(mc))
		for k := range mc {
			spans[k] = [2]int{k, k + 1}
		}
		return steps(spans, func(k int, s *rollout.Step) {
			s.Values = map[string]float64{"mc": mc[k]}
			if x, ok := tool[k]; ok {
				s.Labels = map[string]float64{"tool": x}
			}
		})
	}
	tr := &rollout.Trajectory{ID: "a", Group: "g", Tokens: make([]int64, 4), Steps: mcSteps([]float64{0.5, 0.25, 0, 0}, nil)}
	in := tr.Steps
	run(t, &rollout.Batch{Trajectories: []*rollout.Trajectory{tr}}, "omegaprm.labels")
	for k, want := range []float64{1, 1, 0, -1} {
		got, ok := tr.Steps[k].Labels["prm"]
		if want < 0 && ok || want >= 0 && (!ok || got != want) {
			t.Fatalf("step %d label %v %v, want %v", k, got, ok, want)
		}
	}
	if in[0].Labels != nil {
		t.Fatal("the input steps were modified")
	}
	g := &rollout.Trajectory{ID: "b", Group: "g", Tokens: make([]int64, 3), Steps: mcSteps([]float64{0.25, 0.75, 0.4}, map[int]float64{0: 1, 1: 0})}
	run(t, &rollout.Batch{Trajectories: []*rollout.Trajectory{g}}, "groundedprm.labels")
	for k, want := range []float64{1, 0, 0} {
		if got := g.Steps[k].Labels["prm"]; got != want {
			t.Fatalf("step %d hybrid label %v, want %v", k, got, want)
		}
	}
}

func TestRegisteredMissingInputs(t *testing.T) {
	for _, c := range []struct{ name, input string }{
		{"pure.min_form", "steps[].rewards.prm"},
		{"clip_delta", "steps[].rewards.prm"},
		{"vsrm", "steps[].values.<value_key>"},
		{"omegaprm.labels", "steps[].values.<value_key>"},
		{"groundedprm.labels", "steps[].values.<value_key>"},
		{"tp_grpo", "rewards.<reward>|token_level_rewards"},
	} {
		tr := &rollout.Trajectory{ID: "x", Group: "g", Tokens: make([]int64, 2), Steps: []rollout.Step{{Start: 0, End: 2}}}
		m, err := credit.Lookup(c.name)
		if err != nil {
			t.Fatal(err)
		}
		err = m.Assign(&rollout.Batch{Trajectories: []*rollout.Trajectory{tr}}, nil)
		var ie *credit.InputError
		if !errors.As(err, &ie) || ie.Input.Name != c.input {
			t.Errorf("%s: err = %v, want an InputError for %s", c.name, err, c.input)
		}
	}
	// tp_grpo with an outcome but no labels.
	tr := &rollout.Trajectory{ID: "x", Group: "g", Tokens: make([]int64, 2), Rewards: map[string]float64{"outcome": 1}, Steps: []rollout.Step{{Start: 0, End: 2}}}
	m, _ := credit.Lookup("tp_grpo")
	var ie *credit.InputError
	if err := m.Assign(&rollout.Batch{Trajectories: []*rollout.Trajectory{tr}}, nil); !errors.As(err, &ie) || ie.Input.Name != "steps[].labels.<label_key>" {
		t.Errorf("tp_grpo without labels: %v", err)
	}
}
