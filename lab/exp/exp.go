package exp

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/credo-rl/credo/lab/result"
	"github.com/credo-rl/credo/lab/run"
)

// Experiment is an experiment's description and the function that runs it.
type Experiment struct {
	result.Experiment
	// Run runs the experiment in x (seeds, size mode, workers).
	Run func(ctx context.Context, x *run.Ctx) (*result.Result, error) `json:"-"`
}

var experiments []Experiment

// register adds an experiment (from the init function of its file).
func register(e result.Experiment, f func(ctx context.Context, x *run.Ctx) (*result.Result, error)) {
	experiments = append(experiments, Experiment{Experiment: e, Run: f})
}

// All lists the lab's experiments in their canonical order.
func All() []Experiment {
	out := append([]Experiment(nil), experiments...)
	sort.SliceStable(out, func(i, j int) bool { return order(out[i].Name) < order(out[j].Name) })
	return out
}

// canonical is the order of the experiments (the others follow in the
// order of their files).
var canonical = []string{"matrix", "trained_matrix", "gigpo_sokoban", "stratified_kbhop", "rae_selfplay", "pure_hacking",
	"tree_decisive", "knapsack_budget", "brpo_variance", "gae_chains"}

func order(name string) int {
	for i, n := range canonical {
		if n == name {
			return i
		}
	}
	return len(canonical)
}

// Lookup finds an experiment by name.
func Lookup(name string) (Experiment, error) {
	for _, e := range All() {
		if e.Name == name {
			return e, nil
		}
	}
	var names []string
	for _, e := range All() {
		names = append(names, e.Name)
	}
	return Experiment{}, fmt.Errorf("unknown experiment %q (have: all, %s)", name, strings.Join(names, ", "))
}
