package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/credo-rl/credo/lab"
)

func newLab() *cobra.Command {
	c := &cobra.Command{
		Use:   "lab",
		Short: "Train with credo's methods on exact environments and score their credit against the truth",
		Long: `The lab trains small policies with any credit method on built-in environments
whose exact advantage A^π is known by dynamic programming, scores every method's
credit against it, and reproduces the papers' headline findings in miniature.`,
	}
	c.AddCommand(newLabList(), newLabRun(), newLabServe(), newLabSweep(), newLabWorker())
	return c
}

func newLabList() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the lab's experiments",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "EXPERIMENT\tENVIRONMENTS\tTITLE")
			for _, e := range lab.Experiments() {
				envs := strings.Join(e.Envs, ", ")
				if envs == "" {
					envs = "all"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", e.Name, envs, e.Title)
			}
			return tw.Flush()
		},
	}
}

func newLabRun() *cobra.Command {
	var (
		seeds   int
		seed    uint64
		quick   bool
		out     string
		docs    string
		quiet   bool
		workers int
	)
	c := &cobra.Command{
		Use:   "run NAME... [--seeds K] [--quick] [--out DIR]",
		Short: "Run lab experiments (\"all\" for every one) and write the report",
		Long: `run trains and scores the named experiments ("all" runs every one) and writes
results.json, results.csv, plots (PNG and SVG), report.html and lab.md into
--out. The same seed gives the same numbers. --quick shrinks every experiment
so that "all" finishes within minutes on a laptop.`,
		Example: "  credo lab run all --quick\n  credo lab run gigpo_sokoban --seeds 5 --out lab-out",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{fmt.Errorf("lab run needs experiment names or \"all\" (see credo lab list)")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, a := range args {
				if a == "all" {
					continue
				}
				if _, err := lab.Lookup(a); err != nil {
					return usageError{err}
				}
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			defer stop()
			if workers < 0 {
				return usageError{fmt.Errorf("--workers must be ≥ 0 (0: one per core), got %d", workers)}
			}
			opt := lab.Options{Seeds: seeds, Seed: seed, Quick: quick, OutDir: out, Docs: docs, Workers: workers}
			if !quiet {
				opt.Progress = cmd.ErrOrStderr()
			}
			rep, err := lab.Run(ctx, args, opt)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "lab: %d experiment(s) in %.0f s; report: %s\n", len(rep.Results), rep.Seconds, filepath.Join(out, "report.html"))
			return nil
		},
	}
	c.Flags().IntVar(&seeds, "seeds", 0, "number of seeds (0: 3 with --quick, 10 otherwise)")
	c.Flags().Uint64Var(&seed, "seed", 1, "first seed")
	c.Flags().BoolVar(&quick, "quick", false, "small budgets: the whole lab in a few minutes")
	c.Flags().StringVar(&out, "out", "lab-out", "output directory")
	c.Flags().StringVar(&docs, "docs", "", "also write the generated Markdown page here (the repository's docs/lab.md)")
	c.Flags().BoolVarP(&quiet, "quiet", "q", false, "no progress bars")
	c.Flags().IntVar(&workers, "workers", 0, "parallel training runs (0: one per core); results do not depend on it")
	return c
}
