package result

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/credo-rl/credo/lab/score"
)

// Verdicts of a finding.
const (
	Agree    = "agree"
	Disagree = "disagree"
	// Equivalent: the difference is smaller than the metric's practical
	// margin (or shown to lie within it).
	Equivalent   = "equivalent"
	Inconclusive = "inconclusive"
	// Mixed is an experiment's verdict when its findings differ (the
	// counts say how).
	Mixed = "mixed"
	// NoFindings is the verdict of an experiment that checks no claim.
	NoFindings = "no findings"
)

// Experiment describes one experiment of the lab: the paper, the claim it
// checks and what it runs on (lab/exp holds the code that runs it).
type Experiment struct {
	Name  string   `json:"name"`
	Title string   `json:"title"`
	Paper string   `json:"paper"`
	ArXiv string   `json:"arxiv,omitempty"`
	Claim string   `json:"claim"`
	Envs  []string `json:"envs"`
	// Methods are the registry names the experiment compares (the
	// credit-accuracy matrix takes every registered method).
	Methods []string `json:"methods,omitempty"`
}

// Options configure a run of the lab (lab.Run).
type Options struct {
	// Seeds is the number of seeds (0: DefaultQuickSeeds in quick mode,
	// DefaultSeeds otherwise).
	Seeds int `json:"seeds"`
	// Seed is the first seed (seeds are Seed, Seed+1, ...).
	Seed uint64 `json:"seed"`
	// Quick shrinks every experiment so that the whole lab stays within 120 s
	// on 2 cores (CI fails it past 180 s); full mode has no time limit.
	Quick bool `json:"quick"`
	// OutDir receives the outputs ("" = write nothing).
	OutDir string `json:"-"`
	// Docs, when set, is a second path for the Markdown page (e.g.
	// "docs/lab.md": the documentation is generated, never edited by hand).
	Docs string `json:"-"`
	// Progress receives progress bars (nil = silent).
	Progress io.Writer `json:"-"`
	// Workers bounds parallelism (0 = GOMAXPROCS).
	Workers int `json:"workers,omitempty"`
}

// Interval is a mean with its 95% confidence interval over seeds.
type Interval = score.Interval

// Finding is one claim of a paper checked against the lab's measurement.
type Finding struct {
	Claim string `json:"claim"`
	// Metric names what was measured and in which direction the claim points.
	Metric string `json:"metric"`
	Env    string `json:"env,omitempty"`
	// A and B are the compared methods or variants; Diff is B − A over
	// seeds (paired), when the finding compares two.
	A      string    `json:"a,omitempty"`
	B      string    `json:"b,omitempty"`
	ValueA *Interval `json:"value_a,omitempty"`
	ValueB *Interval `json:"value_b,omitempty"`
	Diff   *Interval `json:"diff,omitempty"`
	// Test is "superiority" (B better than A by at least Margin) or
	// "non-inferiority" (B not worse than A by more than Margin).
	Test string `json:"test,omitempty"`
	// Margin is the practical-significance margin δ in the metric's units.
	Margin float64 `json:"margin,omitempty"`
	// HigherBetter is the claimed direction of the metric.
	HigherBetter bool `json:"higher_better,omitempty"`
	// P is the two-sided paired t test's p-value (H0: E[B − A] = 0, or
	// −Margin for non-inferiority); PAdj the Holm-adjusted value over the
	// experiment's findings. PEquiv/PEquivAdj are the equivalence (TOST)
	// test's p-values for |E[B − A]| < Margin.
	P         score.Float `json:"p"`
	PAdj      score.Float `json:"p_holm"`
	PEquiv    score.Float `json:"p_equiv"`
	PEquivAdj score.Float `json:"p_equiv_holm"`
	// Bound, when set, says that A and B both lie within the margin of
	// the same end of the metric's range ("the upper bound 1"): the task
	// is at its ceiling (or floor) for both, and cannot separate them, so
	// Settle never calls such a finding equivalent or agreeing.
	Bound string `json:"bound,omitempty"`
	// Verdict is agree, disagree, equivalent or inconclusive (see Settle).
	Verdict string `json:"verdict"`
	Detail  string `json:"detail,omitempty"`

	diffs []float64 // per-seed B − A (Paired)
}

// Row is one measured quantity of one method on one environment.
type Row struct {
	Env    string   `json:"env"`
	Method string   `json:"method"`
	Metric string   `json:"metric"`
	Value  Interval `json:"value"`
	// Seeds are the per-seed values.
	Seeds score.Floats `json:"seeds"`
}

// Curve is a learning curve: a metric per training iteration, mean and
// 95% interval over seeds.
type Curve struct {
	Env    string       `json:"env"`
	Method string       `json:"method"`
	Metric string       `json:"metric"`
	X      score.Floats `json:"x"`
	Mean   score.Floats `json:"mean"`
	Lo     score.Floats `json:"lo"`
	Hi     score.Floats `json:"hi"`
}

// Cell is one (method, environment) entry of the credit-accuracy matrix.
type Cell struct {
	Method string `json:"method"`
	Env    string `json:"env"`
	// Status is "ok", "n/a" (the lab cannot provide an input the method
	// needs) or "error" (the method failed on the lab's data).
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
	// Metrics holds pearson, spearman, sign_agreement, rel_mse, rel_bias,
	// rel_var and cosine (mean and interval over seeds).
	Metrics map[string]Interval `json:"metrics,omitempty"`
}

// Matrix is the headline credit-accuracy matrix.
type Matrix struct {
	// Metric is the cells' headline metric ("" = pearson).
	Metric  string   `json:"metric,omitempty"`
	Methods []string `json:"methods"`
	Envs    []string `json:"envs"`
	Cells   []Cell   `json:"cells"`
	// Inputs documents the inputs the lab derives from the environments
	// for particular methods (and why some methods stay n/a).
	Inputs []string `json:"inputs,omitempty"`
	// Equivalents maps a row of Methods to the rows that scored exactly
	// the same on every cell and seed (the same function on the lab's
	// data); those rows are left out of Methods but keep their Cells.
	Equivalents map[string][]string `json:"equivalents,omitempty"`
	// Stages (full mode) score the same rows at policies trained for
	// some iterations and at another group size: Pearson(Â, A^π) per cell.
	Stages []StageMatrix `json:"stages,omitempty"`
}

// StageMatrix is the matrix's Pearson at one point of training and group size.
type StageMatrix struct {
	Stage      string `json:"stage"`
	Iterations int    `json:"iterations"`
	GroupSize  int    `json:"group_size"`
	Cells      []Cell `json:"cells"`
}

// Cell returns the stage's cell of (method, env), or nil.
func (s *StageMatrix) Cell(method, env string) *Cell {
	for i := range s.Cells {
		if s.Cells[i].Method == method && s.Cells[i].Env == env {
			return &s.Cells[i]
		}
	}
	return nil
}

// Cell returns the cell of (method, env), or nil.
func (m *Matrix) Cell(method, env string) *Cell {
	for i := range m.Cells {
		if m.Cells[i].Method == method && m.Cells[i].Env == env {
			return &m.Cells[i]
		}
	}
	return nil
}

// Result is what one experiment produced.
type Result struct {
	Experiment Experiment     `json:"experiment"`
	Config     map[string]any `json:"config"`
	Findings   []Finding      `json:"findings"`
	Rows       []Row          `json:"rows"`
	Curves     []Curve        `json:"curves,omitempty"`
	Matrix     *Matrix        `json:"matrix,omitempty"`
	Notes      []string       `json:"notes,omitempty"`
	// Plots are the file names (without extension) of the plots written.
	Plots []string `json:"plots,omitempty"`
	// Seconds is the wall time (not part of the deterministic numbers).
	Seconds float64 `json:"seconds"`
	// Source is set in merged reports (lab.Merge): the run this result
	// comes from.
	Source *Source `json:"source,omitempty"`
}

// Counts are the numbers of an experiment's findings per verdict.
type Counts struct {
	Agree        int `json:"agree"`
	Disagree     int `json:"disagree"`
	Equivalent   int `json:"equivalent"`
	Inconclusive int `json:"inconclusive"`
}

// String renders "2 agree, 1 equivalent" (zero counts left out).
func (c Counts) String() string {
	var parts []string
	for _, p := range []struct {
		n int
		v string
	}{{c.Agree, Agree}, {c.Disagree, Disagree}, {c.Equivalent, Equivalent}, {c.Inconclusive, Inconclusive}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.v))
		}
	}
	if len(parts) == 0 {
		return "no findings"
	}
	return strings.Join(parts, ", ")
}

// Counts tallies the findings' verdicts.
func (r *Result) Counts() Counts {
	var c Counts
	for _, f := range r.Findings {
		switch f.Verdict {
		case Agree:
			c.Agree++
		case Disagree:
			c.Disagree++
		case Equivalent:
			c.Equivalent++
		default:
			c.Inconclusive++
		}
	}
	return c
}

// Verdict summarises the findings: the common verdict when all findings
// share one, "mixed" otherwise (Counts has the tally), NoFindings when
// there are none (an experiment that only measures).
func (r *Result) Verdict() string {
	if len(r.Findings) == 0 {
		return NoFindings
	}
	v := r.Findings[0].Verdict
	for _, f := range r.Findings[1:] {
		if f.Verdict != v {
			return Mixed
		}
	}
	return v
}

// Report is the outcome of a run of the lab (lab.Run).
type Report struct {
	Options Options   `json:"options"`
	Seeds   []uint64  `json:"seeds"`
	Results []*Result `json:"results"`
	// Methods lists every registered credit method at run time.
	Methods []string `json:"methods"`
	Seconds float64  `json:"seconds"`
	// NonFinite holds the NaN and ±Inf numbers of Results by path (see
	// NonFinite): results.json writes them as null.
	NonFinite map[string]string `json:"non_finite,omitempty"`
}

// Source says which run an experiment's result comes from, in a report
// put together from several runs (lab.Merge); nil in a run's own report.
type Source struct {
	// Label names the run: its directory, or what the user said about it
	// (e.g. the commit it was built from).
	Label string   `json:"label"`
	Quick bool     `json:"quick"`
	Seeds []uint64 `json:"seeds"`
}

// Num formats a number for the report's text: three decimals, or two
// significant digits in exponent form for very small or large values.
func Num(x float64) string {
	if math.IsNaN(x) {
		return "NaN"
	}
	a := math.Abs(x)
	switch {
	case a != 0 && (a < 1e-3 || a >= 1e4):
		return fmt.Sprintf("%.2e", x)
	default:
		return fmt.Sprintf("%.3f", x)
	}
}
