package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/credo-rl/credo/internal/atomicfile"
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
	c.AddCommand(newLabList(), newLabRun(), newLabMerge(), newLabServe(), newLabSweep(), newLabWorker())
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
	c.Flags().StringVar(&docs, "docs", "", "also write the generated Markdown page here (for a quick run, the repository's docs/lab-quick.md)")
	c.Flags().BoolVarP(&quiet, "quiet", "q", false, "no progress bars")
	c.Flags().IntVar(&workers, "workers", 0, "parallel training runs (0: one per core); results do not depend on it")
	return c
}

func newLabMerge() *cobra.Command {
	var (
		out    string
		docs   string
		labels []string
	)
	c := &cobra.Command{
		Use:   "merge RUNDIR... --out DIR [--docs FILE] [--label RUNDIR=TEXT]...",
		Short: "Put the experiments of several lab runs into one report",
		Long: `merge reads the results.json of each run directory (written by credo lab run or
credo lab sweep) and writes one report of all their experiments into --out, in
the lab's order, as lab run would: results.json, CSV files, plots, report.html
and lab.md. Each section says which run it comes from: the directory, or the
text given with --label (say which commit built the run). An experiment found in
several runs is taken from the last run named. Full and quick runs do not mix.`,
		Example: "  credo lab merge runs/matrix runs/papers --label runs/matrix=\"commit 1a2b3c4\" --out lab-full --docs docs/lab.md",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{fmt.Errorf("lab merge needs the run directories to merge")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageError{fmt.Errorf("lab merge needs --out DIR")}
			}
			given := map[string]string{}
			for _, l := range labels {
				dir, text, ok := strings.Cut(l, "=")
				if !ok || text == "" {
					return usageError{fmt.Errorf("--label %q: want RUNDIR=TEXT", l)}
				}
				given[filepath.Clean(dir)] = text
			}
			var runs []*lab.Report
			var names []string
			for _, dir := range args {
				rep, err := lab.Read(filepath.Join(dir, "results.json"))
				if err != nil {
					return err
				}
				name := dir
				if t, ok := given[filepath.Clean(dir)]; ok {
					name = t
					delete(given, filepath.Clean(dir))
				}
				runs, names = append(runs, rep), append(names, name)
			}
			if len(given) > 0 {
				var dirs []string
				for d := range given {
					dirs = append(dirs, d)
				}
				sort.Strings(dirs)
				return usageError{fmt.Errorf("--label names %s, which is not a run directory given", strings.Join(dirs, ", "))}
			}
			rep, err := lab.Merge(runs, names)
			if err != nil {
				return err
			}
			if err := lab.Write(rep, out); err != nil {
				return err
			}
			if docs != "" {
				if err := atomicfile.WriteFile(docs, []byte(lab.Markdown(rep)), 0o644); err != nil {
					return err
				}
			}
			for _, r := range rep.Results {
				fmt.Fprintf(cmd.OutOrStdout(), "%s\t%s\t%s\n", r.Experiment.Name, r.Source.Label, r.Verdict())
			}
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", "", "output directory of the merged report")
	c.Flags().StringVar(&docs, "docs", "", "also write the merged Markdown page here (the repository's docs/lab.md)")
	c.Flags().StringArrayVar(&labels, "label", nil, "RUNDIR=TEXT: how the report names a run (default: its directory)")
	return c
}
