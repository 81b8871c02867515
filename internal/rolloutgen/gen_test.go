package rolloutgen_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/internal/rolloutgen"
	"github.com/credo-rl/credo/rollout"
)

// A stand-in method that reads an outcome channel named by a parameter and
// a per-step value.
var probe = &credit.Method{
	Name:   "rolloutgen.probe",
	Params: []credit.Param{{Name: "reward", Kind: credit.String, Default: "my_score"}},
	Inputs: []credit.Input{
		{Name: "rewards.<reward>", Has: func(t *rollout.Trajectory, v credit.Values) bool { _, ok := t.Rewards[v.String("reward")]; return ok }},
		{Name: "steps[].values.mc", Has: func(t *rollout.Trajectory, _ credit.Values) bool { return len(t.Steps) > 0 && t.Steps[0].Values != nil }},
	},
	Run: func(*rollout.Batch, credit.Values) error { return nil },
}

func TestBatchIsValidDeterministicAndLinked(t *testing.T) {
	b1, err := rolloutgen.Batch(7, probe, nil, rolloutgen.Config{})
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := rolloutgen.Batch(7, probe, nil, rolloutgen.Config{})
	if !reflect.DeepEqual(b1, b2) {
		t.Fatal("the same seed gave two batches")
	}
	if err := b1.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(b1.Trajectories) != 12 {
		t.Fatalf("%d trajectories, want 3 groups of 4", len(b1.Trajectories))
	}
	links := 0
	for _, tr := range b1.Trajectories {
		if _, ok := tr.Rewards["my_score"]; !ok {
			t.Fatal("the channel named by the parameter is missing")
		}
		if len(tr.Steps) != 3 || tr.Steps[0].Start != 0 || tr.Steps[2].End != tr.Len() {
			t.Fatalf("%s: steps %+v do not tile %d tokens", tr.ID, tr.Steps, tr.Len())
		}
		if tr.Parent != nil {
			links++
		}
	}
	if links == 0 {
		t.Fatal("no parent links")
	}
	// Clone shares nothing: changing the copy leaves the original.
	c := rolloutgen.Clone(b1)
	c.Trajectories[0].Mask[0] = 9
	c.Trajectories[0].Steps[0].Values["mc"] = 9
	c.Trajectories[0].Rewards["outcome"] = 9
	if reflect.DeepEqual(c, b1) || b1.Trajectories[0].Mask[0] == 9 || b1.Trajectories[0].Steps[0].Values["mc"] == 9 {
		t.Fatal("Clone aliases the original")
	}
}

func ExampleBatch() {
	m, _ := credit.Lookup("rolloutgen.probe")
	b, err := rolloutgen.Batch(1, m, nil, rolloutgen.Config{Groups: 2, PerGroup: 3})
	if err != nil {
		panic(err)
	}
	fmt.Println(len(b.Trajectories), b.Trajectories[0].Group, b.Trajectories[3].Group)
	// Output: 6 g0 g1
}

func init() { credit.Register(probe) }
