package labsweep

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/credo-rl/credo/lab"
	"github.com/credo-rl/credo/lab/result"
	"github.com/credo-rl/credo/sweep"
)

// spec is a cell: one experiment and the options of the run.
type spec struct {
	Experiment string      `json:"experiment"`
	Options    lab.Options `json:"options"`
}

// payload is a cell's result. JSON writes NaN and ±Inf as null, so the
// non-finite numbers of the result travel beside it, by path
// (result.NonFinite), as they do in results.json.
type payload struct {
	Seeds     []uint64          `json:"seeds"`
	Methods   []string          `json:"methods"`
	Result    *lab.Result       `json:"result"`
	NonFinite map[string]string `json:"non_finite,omitempty"`
}

// Cells returns one cell per experiment named ("all": every experiment, in
// the lab's order), keyed by the experiment's name, with opt's seeds,
// first seed, quick mode and parallelism (opt's outputs stay with the
// coordinator).
func Cells(names []string, opt lab.Options) ([]sweep.Cell, error) {
	var exps []string
	for _, n := range names {
		if n == "all" {
			exps = exps[:0]
			for _, e := range lab.Experiments() {
				exps = append(exps, e.Name)
			}
			break
		}
		if _, err := lab.Lookup(n); err != nil {
			return nil, err
		}
		exps = append(exps, n)
	}
	if len(exps) == 0 {
		return nil, fmt.Errorf("no experiment named; use one of lab.Experiments() or all")
	}
	o := lab.Options{Seeds: opt.Seeds, Seed: opt.Seed, Quick: opt.Quick, Workers: opt.Workers}
	var cells []sweep.Cell
	for _, n := range exps {
		b, err := json.Marshal(spec{Experiment: n, Options: o})
		if err != nil {
			return nil, err
		}
		cells = append(cells, sweep.Cell{Key: n, Spec: b})
	}
	return cells, nil
}

// Work is the workers' [sweep.WorkFunc]: it runs the cell's experiment
// with lab.Run and returns its result.
func Work(ctx context.Context, key string, b []byte) ([]byte, error) {
	var s spec
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("lab cell %s: %w", key, err)
	}
	rep, err := lab.Run(ctx, []string{s.Experiment}, s.Options)
	if err != nil {
		return nil, err
	}
	return encode(rep)
}

// encode is a one-experiment report as a cell's result.
func encode(rep *lab.Report) ([]byte, error) {
	p := payload{Seeds: rep.Seeds, Methods: rep.Methods, Result: rep.Results[0], NonFinite: result.NonFinite(rep.Results[0])}
	return json.Marshal(p)
}

// Merger collects the cells' results into a lab report.
type Merger struct {
	rep *lab.Report
}

// NewMerger starts the report of a run with options opt (as given to
// Cells).
func NewMerger(opt lab.Options) *Merger {
	return &Merger{rep: &lab.Report{Options: opt}}
}

// Merge is the sweep's merge function: it appends the experiment's result.
// Every cell must come from the same lab (seeds and registered methods).
func (m *Merger) Merge(key string, b []byte) error {
	var p payload
	if err := json.Unmarshal(b, &p); err != nil {
		return fmt.Errorf("lab cell %s: %w", key, err)
	}
	if p.Result == nil || p.Result.Experiment.Name != key {
		return fmt.Errorf("lab cell %s: the result is not the experiment's", key)
	}
	if err := result.SetNonFinite(p.Result, p.NonFinite); err != nil {
		return fmt.Errorf("lab cell %s: %w: workers run a different build of credo", key, err)
	}
	if len(m.rep.Results) == 0 {
		m.rep.Seeds, m.rep.Methods = p.Seeds, p.Methods
		m.rep.Options.Seeds = len(p.Seeds)
	} else if !slices.Equal(p.Seeds, m.rep.Seeds) || !slices.Equal(p.Methods, m.rep.Methods) {
		return fmt.Errorf("lab cell %s: seeds %v and %d methods differ from the first cell's (%v, %d): workers run different builds of credo", key, p.Seeds, len(p.Methods), m.rep.Seeds, len(m.rep.Methods))
	}
	m.rep.Results = append(m.rep.Results, p.Result)
	m.rep.Seconds += p.Result.Seconds
	return nil
}

// Report is the merged report (write it with lab.Write), with the derived
// results lab.Run adds (lab.Derive). Its Seconds is the sum of the
// experiments' times, not the sweep's wall time.
func (m *Merger) Report() *lab.Report {
	m.rep.Results = lab.Derive(m.rep.Results)
	return m.rep
}
