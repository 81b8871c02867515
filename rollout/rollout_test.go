package rollout

import (
	"errors"
	"strings"
	"testing"
)

func valid() *Trajectory {
	p := 0
	return &Trajectory{ID: "a", Group: "g", Tokens: []int64{1, 2, 3, 4}, Mask: []float64{1, 1, 0, 1},
		Steps: []Step{{Start: 0, End: 4, Kind: "turn"}, {Start: 1, End: 3, Parent: &p}},
		Tags:  map[string][]int8{"planning": {0, 1, 0, 0}}}
}

func TestValidateAcceptsNestedSteps(t *testing.T) {
	if err := valid().Validate(); err != nil {
		t.Fatal(err)
	}
	if got := valid().TopSteps(); len(got) != 1 || got[0] != 0 {
		t.Fatalf("TopSteps = %v", got)
	}
	if got := valid().LastValid(); got != 3 {
		t.Fatalf("LastValid = %d", got)
	}
}

func TestValidateErrors(t *testing.T) {
	one := 1
	cases := []struct {
		name  string
		edit  func(*Trajectory)
		field string
	}{
		{"child outside parent", func(t *Trajectory) { p := 1; t.Steps = append(t.Steps, Step{Start: 0, End: 4, Parent: &p}) }, "steps[2].parent"},
		{"self parent", func(t *Trajectory) { t.Steps[1].Parent = &one }, "steps[1].parent"},
		{"bad span", func(t *Trajectory) { t.Steps[0].End = 9 }, "steps[0]"},
		{"nan step reward", func(t *Trajectory) { t.Steps[0].Rewards = map[string]float64{"prm": nan()} }, "steps[0].rewards.prm"},
		{"values length", func(t *Trajectory) { t.Values = []float64{1} }, "values"},
		{"named log-probs length", func(t *Trajectory) { t.LogProbs = map[string][]float64{"phi": {1}} }, "log_probs.phi"},
		{"feature type", func(t *Trajectory) { t.Features = map[string]any{"x": []any{1}} }, "features.x"},
		{"parent link", func(t *Trajectory) { t.Parent = &Branch{Token: 1} }, "parent.traj_uid"},
	}
	for _, c := range cases {
		tr := valid()
		c.edit(tr)
		err := tr.Validate()
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != c.field {
			t.Errorf("%s: got %v, want an error on field %s", c.name, err, c.field)
		}
	}
}

func TestBatchValidate(t *testing.T) {
	a, b := valid(), valid()
	if err := (&Batch{Trajectories: []*Trajectory{a, b}}).Validate(); err == nil || !strings.Contains(err.Error(), "duplicate id") {
		t.Fatalf("duplicate ids: %v", err)
	}
	b.ID = "b"
	b.Parent = &Branch{Trajectory: "a", Token: 5}
	if err := (&Batch{Trajectories: []*Trajectory{a, b}}).Validate(); err == nil || !strings.Contains(err.Error(), "prefix of 5 tokens") {
		t.Fatalf("long prefix: %v", err)
	}
	b.Parent.Token = 2
	batch := &Batch{Trajectories: []*Trajectory{a, b}}
	if err := batch.Validate(); err != nil {
		t.Fatal(err)
	}
	ids, of := batch.Groups()
	if len(ids) != 1 || of[1] != 0 {
		t.Fatalf("Groups = %v %v", ids, of)
	}
}

func nan() float64 { z := 0.0; return z / z }

func TestValidateLinksRejectsCycles(t *testing.T) {
	mk := func(id, parent string) *Trajectory {
		tr := &Trajectory{ID: id, Group: "g", Tokens: []int64{1, 2}}
		if parent != "" {
			tr.Parent = &Branch{Trajectory: parent, Token: 1}
		}
		return tr
	}
	cases := []struct {
		name string
		b    []*Trajectory
		want string // "" = valid
	}{
		{"forest", []*Trajectory{mk("a", ""), mk("b", "a"), mk("c", "b"), mk("d", "a")}, ""},
		{"self", []*Trajectory{mk("a", "a")}, `"a" -> "a"`},
		{"two", []*Trajectory{mk("r", ""), mk("a", "b"), mk("b", "a")}, `"a" -> "b" -> "a"`},
		{"three behind a tail", []*Trajectory{mk("x", "c"), mk("c", "b"), mk("b", "a"), mk("a", "c")}, `"c" -> "b" -> "a" -> "c"`},
	}
	for _, c := range cases {
		err := (&Batch{Trajectories: c.b}).ValidateLinks()
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), "cycle") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want a cycle %s", c.name, err, c.want)
		}
	}
}

func TestParentCycle(t *testing.T) {
	if c := ParentCycle([]int{-1, 0, 1, 0}); c != nil {
		t.Errorf("tree: %v", c)
	}
	if c := ParentCycle([]int{2, 0, 1, -1}); len(c) != 3 || c[0] != 0 || c[1] != 2 || c[2] != 1 {
		t.Errorf("cycle 0->2->1->0: %v", c)
	}
}
