package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/method/group"
	"github.com/credo-rl/credo/method/reward"
)

func newAllocate() *cobra.Command {
	var (
		state, prompts     string
		budget, minN, maxN int
		unseen             float64
		noFallback         bool
		curriculum         string
		batches            int
	)
	c := &cobra.Command{
		Use:   "allocate --state FILE (--budget N --min A --max B | --curriculum adcl --batches K) [--prompts FILE]",
		Short: "Knapsack RL: per-prompt rollout budgets (or ADCL: an easy-to-hard batch plan) from the success estimates in a state file",
		Long: `allocate reads the per-prompt success estimates p̂ that the knapsack.grpo method
keeps in its state file (credo assign --method knapsack.grpo --state FILE) and
distributes a total rollout budget over the prompts with Knapsack RL's exact
dynamic program: it maximises Σ P(non-zero gradient | N_i, p̂_i) · p̂_i(1-p̂_i)²
subject to Σ N_i = budget and min <= N_i <= max. It prints a JSON object
{prompt: N_i}. --prompts names the prompts of the next batch (one id per
line); prompts without an estimate get --unseen.

With --curriculum adcl it prints ADCL's adaptive difficulty curriculum instead
(method adcl, reward.ADCLPlan): the prompts ordered easy-to-hard by p̂ (ties by
id) and cut into --batches batches of equal size, as a JSON list of
{"prompts": [...], "difficulty": [1-p̂ ...]}; --budget, --min and --max are not
used. Train on the first batch, update the state, and plan again.`,
		Example: "  credo allocate --state run/credo-state.json --budget 256 --min 2 --max 32 --prompts next-prompts.txt\n" +
			"  credo allocate --state run/credo-state.json --curriculum adcl --batches 4",
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			adcl := curriculum == "adcl"
			if curriculum != "knapsack" && !adcl {
				return usageError{fmt.Errorf("--curriculum %q: want knapsack or adcl", curriculum)}
			}
			if adcl && (state == "" || batches <= 0) {
				return usageError{errors.New("allocate --curriculum adcl needs --state and --batches > 0 (see credo allocate --help)")}
			}
			if !adcl && (state == "" || budget <= 0 || minN <= 0 || maxN < minN) {
				return usageError{errors.New("allocate needs --state, --budget > 0 and 0 < --min <= --max (see credo allocate --help)")}
			}
			st, err := credit.LoadState(state)
			if err != nil {
				return usageError{err}
			}
			est, err := group.KnapsackEstimates(st)
			if err != nil {
				return usageError{err}
			}
			var ids []string
			if prompts != "" {
				f, err := os.Open(prompts)
				if err != nil {
					return usageError{err}
				}
				defer f.Close()
				sc := bufio.NewScanner(f)
				for sc.Scan() {
					if id := strings.TrimSpace(sc.Text()); id != "" {
						ids = append(ids, id)
					}
				}
				if err := sc.Err(); err != nil {
					return usageError{fmt.Errorf("%s: %w", prompts, err)}
				}
			} else {
				for id := range est {
					ids = append(ids, id)
				}
				sort.Strings(ids)
			}
			if len(ids) == 0 {
				return usageError{fmt.Errorf("no prompts: %s holds no knapsack.grpo estimates and --prompts was not given", state)}
			}
			p := make([]float64, len(ids))
			for i, id := range ids {
				v, ok := est[id]
				if !ok {
					v = unseen
				}
				p[i] = v
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			if adcl {
				sizes, err := reward.EqualSizes(len(ids), min(batches, len(ids)))
				if err != nil {
					return usageError{err}
				}
				plan, err := reward.ADCLPlan(ids, p, sizes)
				if err != nil {
					return usageError{err}
				}
				type batch struct {
					Prompts    []string  `json:"prompts"`
					Difficulty []float64 `json:"difficulty"`
				}
				out := make([]batch, len(plan))
				for k, b := range plan {
					out[k] = batch{b.Prompts, b.Difficulty}
				}
				return enc.Encode(out)
			}
			n, err := group.KnapsackAllocate(p, group.KnapsackOptions{Budget: budget, MinN: minN, MaxN: maxN, Fallback: !noFallback})
			if err != nil {
				return usageError{err}
			}
			out := make(map[string]int, len(ids))
			for i, id := range ids {
				out[id] = n[i]
			}
			return enc.Encode(out)
		},
	}
	c.Flags().StringVar(&state, "state", "", "state file written by credo assign --method knapsack.grpo --state")
	c.Flags().StringVar(&prompts, "prompts", "", "file with the prompt ids of the next batch, one per line (default: every prompt in the state)")
	c.Flags().IntVar(&budget, "budget", 0, "total number of rollouts")
	c.Flags().IntVar(&minN, "min", 0, "smallest group size per prompt")
	c.Flags().IntVar(&maxN, "max", 0, "largest group size per prompt")
	c.Flags().Float64Var(&unseen, "unseen", 0.5, "success estimate of prompts without one")
	c.Flags().StringVar(&curriculum, "curriculum", "knapsack", "knapsack (group sizes, Knapsack RL) or adcl (batch order, ADCL)")
	c.Flags().IntVar(&batches, "batches", 0, "number of batches of the ADCL plan (--curriculum adcl)")
	c.Flags().BoolVar(&noFallback, "no-fallback", false, "do not give spare budget to unsolved prompts on ties")
	return c
}
