package lab

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/internal/atomicfile"
	"github.com/credo-rl/credo/lab/exp"
	"github.com/credo-rl/credo/lab/report"
	"github.com/credo-rl/credo/lab/result"
	"github.com/credo-rl/credo/lab/run"
	_ "github.com/credo-rl/credo/method/all" // the credit-accuracy matrix covers every registered method
)

// Default seed counts: full runs use enough seeds for the paired tests to
// decide; quick runs (CI) use what fits the time limit.
const (
	DefaultSeeds      = 10
	DefaultQuickSeeds = 3
)

// The types of a run (package lab/result).
type (
	Options = result.Options
	Report  = result.Report
	Result  = result.Result
)

// Experiment is an experiment's description and the function that runs
// it (package lab/exp).
type Experiment = exp.Experiment

// Experiments lists the lab's experiments in their canonical order.
func Experiments() []Experiment { return exp.All() }

// Lookup finds an experiment by name.
func Lookup(name string) (Experiment, error) { return exp.Lookup(name) }

// Run executes the named experiments ("all" = every experiment) and writes
// the outputs into opt.OutDir.
func Run(ctx context.Context, names []string, opt Options) (*Report, error) {
	t0 := time.Now()
	var exps []Experiment
	for _, n := range names {
		if n == "all" {
			exps = Experiments()
			break
		}
		e, err := Lookup(n)
		if err != nil {
			return nil, err
		}
		exps = append(exps, e)
	}
	if len(exps) == 0 {
		return nil, fmt.Errorf("no experiment named; use one of lab.Experiments() or all")
	}
	if opt.Seeds <= 0 {
		opt.Seeds = DefaultSeeds
		if opt.Quick {
			opt.Seeds = DefaultQuickSeeds
		}
	}
	rep := &Report{Options: opt, Methods: registeredMethods()}
	for i := 0; i < opt.Seeds; i++ {
		rep.Seeds = append(rep.Seeds, opt.Seed+uint64(i))
	}
	for _, e := range exps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		x := &run.Ctx{Name: e.Name, Seeds: rep.Seeds, Quick: opt.Quick, Workers: opt.Workers, Progress: opt.Progress}
		t1 := time.Now()
		res, err := e.Run(ctx, x)
		x.Done()
		if err != nil {
			return nil, fmt.Errorf("experiment %s: %w", e.Name, err)
		}
		res.Experiment = e.Experiment
		result.Settle(res.Findings)
		res.Seconds = time.Since(t1).Seconds()
		rep.Results = append(rep.Results, res)
	}
	rep.Results = Derive(rep.Results)
	rep.Seconds = time.Since(t0).Seconds()
	if opt.OutDir != "" {
		if err := report.Write(rep, opt.OutDir); err != nil {
			return rep, err
		}
	}
	if opt.Docs != "" {
		if err := atomicfile.WriteFile(opt.Docs, []byte(report.Markdown(rep)), 0o644); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// registeredMethods lists the credit registry at run time.
func registeredMethods() []string {
	var out []string
	for _, m := range credit.All() {
		out = append(out, m.Name)
	}
	sort.Strings(out)
	return out
}

// Write writes a report's files (results.json, results.csv, findings.csv,
// lab.md, report.html and the plots) into dir, as Run does with
// Options.OutDir: for reports put together elsewhere, such as a sweep's.
func Write(rep *Report, dir string) error { return report.Write(rep, dir) }

// Markdown renders a report as the Markdown page Run writes to
// Options.Docs.
func Markdown(rep *Report) string { return report.Markdown(rep) }
