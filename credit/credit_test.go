package credit_test

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/credo-rl/credo/credit"
	_ "github.com/credo-rl/credo/method/ref" // the reference profiles the tests look up
	"github.com/credo-rl/credo/rollout"
)

func traj(id, group string, reward float64, n int) *rollout.Trajectory {
	return &rollout.Trajectory{ID: id, Group: group, Tokens: make([]int64, n), Rewards: map[string]float64{"outcome": reward}}
}

func TestParse(t *testing.T) {
	m, err := credit.Lookup("verl.grpo")
	if err != nil {
		t.Fatal(err)
	}
	v, err := m.Parse([]string{"epsilon=0.5", "norm_adv_by_std_in_grpo=false"})
	if err != nil {
		t.Fatal(err)
	}
	if v.Float("epsilon") != 0.5 || v.Bool("norm_adv_by_std_in_grpo") {
		t.Fatalf("parsed %v", v)
	}
	for set, want := range map[string]string{
		"nope=1":                       `has no parameter "nope"`,
		"epsilon=x":                    "want a number",
		"norm_adv_by_std_in_grpo=kind": "want true or false",
		"epsilon":                      "want key=value",
	} {
		if _, err := m.Parse([]string{set}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want error containing %q", set, err, want)
		}
	}
	g, _ := credit.Lookup("verl_agent.gigpo")
	if _, err := g.Parse([]string{"mode=other"}); err == nil || !strings.Contains(err.Error(), "want one of mean_norm, mean_std_norm") {
		t.Errorf("choice not checked: %v", err)
	}
}

func TestLookupSuggests(t *testing.T) {
	_, err := credit.Lookup("gigpo")
	if err == nil || !strings.Contains(err.Error(), "verl_agent.gigpo") {
		t.Fatalf("Lookup(gigpo) = %v", err)
	}
}

func TestMissingInputIsNamed(t *testing.T) {
	b := &rollout.Batch{Trajectories: []*rollout.Trajectory{traj("a", "g", 1, 2), {ID: "b", Group: "g", Tokens: make([]int64, 2)}}}
	err := credit.Assign(b, "verl.grpo")
	var ie *credit.InputError
	if !errors.As(err, &ie) || ie.Trajectory != 1 || ie.ID != "b" || !strings.Contains(err.Error(), "token_level_rewards|rewards.<reward>") {
		t.Fatalf("err = %v", err)
	}
	b.Trajectories[1].Rewards = map[string]float64{"outcome": 0}
	if err := credit.Assign(b, "verl.gae"); err == nil || !strings.Contains(err.Error(), "needs input values") {
		t.Fatalf("verl.gae without values: %v", err)
	}
}

// TestOutcomeOnLastValidToken: the outcome reward is placed on the last
// token whose mask is non-zero, so verl.grpo's score is the outcome.
// Rewards 1 and 0 in a group of two: mean 1/2, unbiased std sqrt(1/2).
func TestOutcomeOnLastValidToken(t *testing.T) {
	a, b := traj("a", "g", 1, 3), traj("b", "g", 0, 3)
	a.Mask = []float64{1, 1, 0}
	batch := &rollout.Batch{Trajectories: []*rollout.Trajectory{a, b}}
	r, err := credit.TokenRewards(batch, "outcome")
	if err != nil {
		t.Fatal(err)
	}
	if r[0][1] != 1 || r[0][2] != 0 {
		t.Fatalf("token rewards %v", r[0])
	}
	if err := credit.Assign(batch, "verl.grpo"); err != nil {
		t.Fatal(err)
	}
	want := 0.5 / (math.Sqrt(0.5) + 1e-6)
	if math.Abs(a.Advantages[0]-want) > 1e-12 || a.Advantages[2] != 0 || math.Abs(b.Advantages[2]+want) > 1e-12 {
		t.Fatalf("advantages %v %v, want ±%v with the masked token 0", a.Advantages, b.Advantages, want)
	}
	a.Advantages[0] = 42
	if a.Returns[0] == 42 {
		t.Fatal("advantages and returns share storage")
	}
}

func TestStateRoundTrip(t *testing.T) {
	s := credit.NewState()
	a := s.For("m1")
	if err := a.Put("k", []float64{1, 2}); err != nil {
		t.Fatal(err)
	}
	b, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	s2 := credit.NewState()
	if err := json.Unmarshal(b, s2); err != nil {
		t.Fatal(err)
	}
	var got []float64
	ok, err := s2.For("m1").Get("k", &got)
	if !ok || err != nil || len(got) != 2 || got[1] != 2 {
		t.Fatalf("got %v %v %v", got, ok, err)
	}
	if ok, _ := s2.For("m2").Get("k", &got); ok {
		t.Fatal("state leaked across methods")
	}
}

func TestEveryMethodIsDescribed(t *testing.T) {
	for _, m := range credit.All() {
		if m.Summary == "" || m.Provenance.Paper == "" || len(m.Outputs) == 0 || m.Scope == "" {
			t.Errorf("%s: summary, paper, outputs and scope are required", m.Name)
		}
		seen := map[string]bool{}
		for _, p := range m.Params {
			if seen[p.Name] {
				t.Errorf("%s: parameter %s twice", m.Name, p.Name)
			}
			seen[p.Name] = true
			if p.Doc == "" {
				t.Errorf("%s: parameter %s has no doc", m.Name, p.Name)
			}
		}
	}
}

func TestBaseScope(t *testing.T) {
	base, params := credit.BaseParam("verl.grpo", "d"), credit.BaseParamsParam()
	stage := &credit.Method{Name: "test.stage", Scope: credit.ScopeGroup, ScopeOf: credit.BaseScope(base, params),
		Params: credit.Params(base, params)}
	for _, c := range []struct {
		sets []string
		want credit.Scope
	}{
		{nil, credit.ScopeGroup},
		{[]string{"base=verl.gae"}, credit.ScopeBatch},
		{[]string{"base=no.such"}, credit.ScopeBatch},
		{[]string{"base=verl.grpo", "base_params=epsilon=0.1"}, credit.ScopeGroup},
	} {
		v, err := stage.Parse(c.sets)
		if err != nil {
			t.Fatal(err)
		}
		if got := stage.ScopeFor(v); got != c.want {
			t.Errorf("%v: scope %s, want %s", c.sets, got, c.want)
		}
	}
}
