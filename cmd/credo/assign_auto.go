package main

// credo assign --endpoint: run the judge or probe stage a method needs
// before assigning, when its inputs are missing.

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/judge"
	"github.com/credo-rl/credo/probe"
	"github.com/credo-rl/credo/rollout"
)

// autoFlags are assign's flags for the model stage.
type autoFlags struct {
	mf     modelFlags
	sf     sampleFlags
	guided bool
}

func (a *autoFlags) add(c *cobra.Command) {
	a.mf.add(c)
	a.sf.add(c)
	c.Flags().BoolVar(&a.guided, "guided", false, "judge stage: constrain each answer to the recipe's grammar (vLLM's guided_regex)")
}

// stageOf says which stage produces method's model inputs: a judge recipe
// and/or a probe planner ("" for none).
func stageOf(method string) (recipe, planner string) {
	for _, n := range judge.Names() {
		if judge.Recipes[n].Method == method {
			recipe = n
		}
	}
	for _, p := range probe.Methods {
		if p == method {
			planner = p
		}
	}
	return recipe, planner
}

// needsStage reports whether b lacks method's model inputs.
func needsStage(m *credit.Method, v credit.Values, b *rollout.Batch, planner string) bool {
	switch planner {
	case "spo.tree", "treerl.group_trie", "malt":
		for _, t := range b.Trajectories {
			if t.Parent != nil {
				return false // a sampled tree is given
			}
		}
		return true
	case "spo.chain":
		for _, t := range b.Trajectories {
			if t.Probe {
				return false
			}
		}
		return true // spo.chain's own planner skips records with step values
	}
	return m.Check(b, v) != nil
}

// autoStage runs the stage when an endpoint is given and the inputs are
// missing, writes the staged batch next to the output and returns its path
// (in itself when nothing was needed) and a cleanup.
func (a *autoFlags) autoStage(cmd *cobra.Command, m *credit.Method, v credit.Values, in, inFmt, out string, quiet bool) (string, func(), error) {
	none := func() {}
	if a.mf.endpoint == "" { // only an explicit --endpoint turns the stage on
		return in, none, nil
	}
	recipe, planner := stageOf(m.Name)
	if recipe == "" && planner == "" {
		return in, none, nil
	}
	b, err := readBatch(in, inFmt)
	if err != nil {
		return "", none, err
	}
	if !needsStage(m, v, b, planner) {
		return in, none, nil
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ro, cl, err := a.sf.options(&a.mf)
	if err != nil {
		return "", none, err
	}
	if recipe != "" {
		var extra map[string]any
		if hs, ok := ro.Sampler.(*probe.HTTPSampler); ok {
			extra = hs.Extra
		}
		o := judge.Options{Client: cl, Temperature: 0.7, MaxTokens: 1024, Seed: a.sf.seed, Guided: a.guided, Extra: extra}
		if err := judge.Run(ctx, b, judge.Recipes[recipe], o); err != nil {
			return "", none, err
		}
	}
	if planner != "" {
		if _, _, err := probe.Expand(ctx, b, planner, probe.PlanOptions{Reward: a.sf.reward}, ro, 0); err != nil {
			return "", none, err
		}
	}
	if !quiet {
		fmt.Fprintf(cmd.ErrOrStderr(), "credo: %s: inputs from the model (%s%s): %v\n", m.Name, recipe, planner, cl.Stats())
	}
	f, err := os.CreateTemp(filepath.Dir(out), ".credo-staged-*.jsonl")
	if err != nil {
		f, err = os.CreateTemp("", ".credo-staged-*.jsonl")
		if err != nil {
			return "", none, err
		}
	}
	name := f.Name()
	f.Close()
	cleanup := func() { os.Remove(name) }
	if err := writeBatch(b, name, "jsonl"); err != nil {
		cleanup()
		return "", none, err
	}
	return name, cleanup, nil
}
