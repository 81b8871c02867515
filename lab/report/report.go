package report

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/credo-rl/credo/internal/atomicfile"
	"github.com/credo-rl/credo/lab/result"
	"github.com/credo-rl/credo/lab/score"
)

// Write stores a report in dir: results.json (everything, with the full
// configuration of every experiment), results.csv (one line per measured
// quantity), findings.csv (one line per checked claim), the plots (PNG and
// SVG), report.html (self-contained, images embedded as data URIs) and
// lab.md (the claims against credo's results: docs/lab.md, docs/lab-quick.md).
func Write(rep *result.Report, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, r := range rep.Results {
		r.Plots = nil
		names, err := plotCurves(r, dir)
		if err != nil {
			return err
		}
		r.Plots = append(r.Plots, names...)
		for _, m := range barMetrics(r) {
			names, err := plotBars(r, m, dir)
			if err != nil {
				return err
			}
			r.Plots = append(r.Plots, names...)
		}
		if r.Matrix != nil {
			maps := []struct {
				metric string
				lo, hi float64
			}{{"pearson", -1, 1}, {"sign_agreement", 0, 1}, {"cosine", -1, 1}, {"rel_mse", 0, 1}}
			if r.Matrix.Metric == "return" {
				maps = maps[:0]
				maps = append(maps, struct {
					metric string
					lo, hi float64
				}{"return", 0, 1}) // colours scaled per environment (plotMatrix)
			}
			for _, m := range maps {
				name := r.Experiment.Name + "_" + m.metric
				if err := plotMatrix(r.Matrix, m.metric, m.lo, m.hi, dir, name); err != nil {
					return err
				}
				r.Plots = append(r.Plots, name)
			}
		}
	}
	rep.NonFinite = result.NonFinite(rep.Results)
	if len(rep.NonFinite) == 0 {
		rep.NonFinite = nil
	}
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, "results.json"), append(js, '\n'), 0o644); err != nil {
		return err
	}
	if err := writeCSV(rep, dir); err != nil {
		return err
	}
	md := Markdown(rep)
	if err := atomicfile.WriteFile(filepath.Join(dir, "lab.md"), []byte(md), 0o644); err != nil {
		return err
	}
	h, err := HTML(rep, dir)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, "report.html"), h, 0o644)
}

// barMetrics are the row metrics drawn as error-bar plots: those with
// more than one row on some environment (a lone point compares nothing;
// the page's table has it).
func barMetrics(r *result.Result) []string {
	if r.Matrix != nil {
		return nil
	}
	type key struct{ metric, env string }
	perEnv := map[key]int{}
	multi := map[string]bool{} // some environment has two rows or more
	var order []string
	for _, row := range r.Rows {
		if _, seen := multi[row.Metric]; !seen {
			multi[row.Metric] = false
			order = append(order, row.Metric)
		}
		if perEnv[key{row.Metric, row.Env}]++; perEnv[key{row.Metric, row.Env}] > 1 {
			multi[row.Metric] = true
		}
	}
	var out []string
	for _, m := range order {
		if multi[m] {
			out = append(out, m)
		}
	}
	return out
}

// fixAny replaces non-finite numbers of a configuration by nil.
func fixAny(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = fixAny(e)
		}
		return out
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
	}
	return v
}

func fmtF(x float64) string {
	if math.IsNaN(x) {
		return "NaN"
	}
	return strconv.FormatFloat(x, 'g', 8, 64)
}

func writeCSV(rep *result.Report, dir string) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"experiment", "env", "method", "metric", "mean", "lo95", "hi95", "n_seeds", "per_seed", "config"})
	for _, r := range rep.Results {
		cfg, _ := json.Marshal(fixAny(r.Config))
		for _, row := range r.Rows {
			ps := make([]string, len(row.Seeds))
			for i, v := range row.Seeds {
				ps[i] = fmtF(v)
			}
			_ = w.Write([]string{r.Experiment.Name, row.Env, row.Method, row.Metric, fmtF(row.Value.Mean),
				fmtF(row.Value.Lo), fmtF(row.Value.Hi), strconv.Itoa(row.Value.N), strings.Join(ps, ";"), string(cfg)})
		}
	}
	w.Flush()
	if err := atomicfile.WriteFile(filepath.Join(dir, "results.csv"), buf.Bytes(), 0o644); err != nil {
		return err
	}
	buf.Reset()
	w = csv.NewWriter(&buf)
	_ = w.Write([]string{"experiment", "claim", "metric", "env", "a", "b", "value_a", "value_b", "diff_mean", "diff_lo95", "diff_hi95", "test", "margin", "p", "p_holm", "p_equiv", "p_equiv_holm", "verdict", "detail"})
	for _, r := range rep.Results {
		for _, f := range r.Findings {
			_ = w.Write([]string{r.Experiment.Name, f.Claim, f.Metric, f.Env, f.A, f.B, ivText(f.ValueA), ivText(f.ValueB),
				ivPart(f.Diff, 0), ivPart(f.Diff, 1), ivPart(f.Diff, 2), f.Test, fmtF(f.Margin), fmtF(float64(f.P)), fmtF(float64(f.PAdj)),
				fmtF(float64(f.PEquiv)), fmtF(float64(f.PEquivAdj)), f.Verdict, f.Detail})
		}
	}
	w.Flush()
	return atomicfile.WriteFile(filepath.Join(dir, "findings.csv"), buf.Bytes(), 0o644)
}

func ivPart(v *result.Interval, k int) string {
	if v == nil {
		return ""
	}
	return fmtF([]float64{v.Mean, v.Lo, v.Hi}[k])
}

// ivText renders "m [lo, hi]" with 3 significant decimals.
func ivText(v *result.Interval) string {
	if v == nil {
		return ""
	}
	return ivString(*v)
}

func ivString(v result.Interval) string {
	if math.IsNaN(v.Mean) {
		return "n/a"
	}
	if v.N < 2 {
		return result.Num(v.Mean)
	}
	return fmt.Sprintf("%s [%s, %s]", result.Num(v.Mean), result.Num(v.Lo), result.Num(v.Hi))
}

// Markdown renders the report as the lab's documentation page: every
// experiment with the paper's claim, credo's measurement with intervals,
// and the verdict.
func Markdown(rep *result.Report) string {
	var b strings.Builder
	b.WriteString("# credo lab: paper claims in miniature\n\n")
	if len(sources(rep)) > 0 {
		b.WriteString("<!-- Generated by `credo lab merge`; do not edit by hand. -->\n\n")
	} else {
		b.WriteString("<!-- Generated by `credo lab run`; do not edit by hand. -->\n\n")
	}
	mode := "full"
	if rep.Options.Quick {
		mode = "quick"
	}
	if runs := sources(rep); len(runs) > 0 {
		fmt.Fprintf(&b, "Assembled by `credo lab merge` from %d run(s) of `credo lab run` (%s mode): %s. Each section names its run and seeds. %s\n\n",
			len(runs), mode, strings.Join(runs, "; "), verdictRules)
	} else {
		fmt.Fprintf(&b, "Generated by `credo lab run` (%s mode, %d seeds: %s). %s\n\n", mode, len(rep.Seeds), seedList(rep.Seeds), verdictRules)
	}
	b.WriteString("| experiment | paper | verdict | agree | disagree | equivalent | inconclusive |\n|---|---|---|---|---|---|---|\n")
	for _, r := range rep.Results {
		c := r.Counts()
		fmt.Fprintf(&b, "| [%s](#%s) | %s | **%s** | %d | %d | %d | %d |\n", r.Experiment.Name, r.Experiment.Name, mdEsc(paperRef(r.Experiment)),
			r.Verdict(), c.Agree, c.Disagree, c.Equivalent, c.Inconclusive)
	}
	b.WriteString("\n")
	for _, r := range rep.Results {
		e := r.Experiment
		fmt.Fprintf(&b, "## %s\n\n", e.Name)
		fmt.Fprintf(&b, "**%s**\n\n", e.Title)
		fmt.Fprintf(&b, "- Paper: %s\n", paperRef(e))
		fmt.Fprintf(&b, "- Claim: %s\n", e.Claim)
		if len(e.Envs) > 0 {
			fmt.Fprintf(&b, "- Environments: %s\n", strings.Join(e.Envs, ", "))
		}
		if r.Source != nil {
			fmt.Fprintf(&b, "- Run: %s; %d seeds (%s); %s wall\n", mdEsc(r.Source.Label), len(r.Source.Seeds), seedList(r.Source.Seeds), wallText(r.Seconds))
		}
		fmt.Fprintf(&b, "- Verdict: **%s** (%s)\n\n", r.Verdict(), r.Counts())
		if len(r.Findings) > 0 {
			b.WriteString("| claim | metric | env | A | B | A value | B value | B − A | margin | p (Holm) | seeds | verdict |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n")
			for _, f := range r.Findings {
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", mdEsc(f.Claim), mdEsc(f.Metric), f.Env,
					mdEsc(f.A), mdEsc(f.B), ivText(f.ValueA), ivText(f.ValueB), ivText(f.Diff), marginText(f), pText(f.PAdj), seedsText(f), f.Verdict)
			}
			b.WriteString("\n")
			for _, f := range r.Findings {
				if f.Detail != "" {
					fmt.Fprintf(&b, "- %s: %s\n", mdEsc(f.Claim), mdEsc(f.Detail))
				}
			}
			b.WriteString("\n")
		}
		if r.Matrix != nil {
			writeMatrixMD(&b, r.Matrix)
		} else if len(r.Rows) > 0 {
			b.WriteString("<details><summary>All measurements</summary>\n\n| env | method | metric | value | seeds |\n|---|---|---|---|---|\n")
			for _, row := range r.Rows {
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %d |\n", row.Env, mdEsc(row.Method), mdEsc(metricLabel(row.Metric)), ivString(row.Value), row.Value.N)
			}
			b.WriteString("\n</details>\n\n")
		}
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "- Note: %s\n", mdEsc(n))
		}
		if len(r.Notes) > 0 {
			b.WriteString("\n")
		}
	}
	return b.String()
}

// sources lists the runs a merged report's results come from, each with
// its experiments, in the order of the results ("" runs: not merged).
func sources(rep *result.Report) []string {
	var labels []string
	exps := map[string][]string{}
	for _, r := range rep.Results {
		if r.Source == nil {
			continue
		}
		if _, ok := exps[r.Source.Label]; !ok {
			labels = append(labels, r.Source.Label)
		}
		exps[r.Source.Label] = append(exps[r.Source.Label], r.Experiment.Name)
	}
	out := make([]string, len(labels))
	for i, l := range labels {
		out[i] = fmt.Sprintf("%s (%s)", mdEsc(l), strings.Join(exps[l], ", "))
	}
	return out
}

// wallText is a wall time in seconds or minutes.
func wallText(s float64) string {
	if s < 120 {
		return fmt.Sprintf("%.0f s", s)
	}
	return fmt.Sprintf("%.1f min", s/60)
}

// verdictRules explains the statistics of the verdicts (Markdown and HTML).
const verdictRules = "Intervals are 95% Student-t intervals over seeds (gonum's t quantiles), clipped to the range the metric can take " +
	"(a success rate's interval never goes below 0). Each finding compares B with A by a paired two-sided t test over seeds; the " +
	"p-values of an experiment's findings are Holm-corrected (family-wise error 5%). Every metric has a practical-significance " +
	"margin δ (0.05 on [0, 1] and [−1, 1] scales, 0.02 exploitability, 10% of A's mean for gradient variances). A finding " +
	"**agrees** when the difference is significant in the claimed direction with a mean of at least δ, **disagrees** when it is " +
	"significant in the other direction by at least δ, is **equivalent** when it is significant but smaller than δ or an " +
	"equivalence test (TOST, Holm-corrected) shows |B − A| < δ, and is **inconclusive** otherwise, and also when A and B both " +
	"lie within δ of the same end of the metric's range (both at the ceiling, or both at the floor: the task cannot separate them). An experiment's verdict is " +
	"the common verdict of its findings, or **mixed** with the counts. Credit is scored against the exact advantage " +
	"A^π_t(s,a) = Q^π_t(s,a) − V^π_t(s) of the lab policy, computed by backward induction."

func marginText(f result.Finding) string {
	if f.Margin == 0 || math.IsNaN(f.Margin) {
		return ""
	}
	if f.Test == result.NonInferiorityTest {
		return "−" + result.Num(f.Margin) + " (non-inferiority)"
	}
	return result.Num(f.Margin)
}

func pText(p score.Float) string {
	x := float64(p)
	switch {
	case math.IsNaN(x):
		return "–"
	case x < 1e-3:
		return "<0.001"
	}
	return fmt.Sprintf("%.3f", x)
}

func seedsText(f result.Finding) string {
	if f.Diff == nil {
		return "0"
	}
	return strconv.Itoa(f.Diff.N)
}

// cellText is a matrix cell of metric: mean [lo, hi] (n) with one
// number format, the interval clipped to the range the metric can take
// (result.MetricRange, as the findings' intervals are: a Pearson
// interval never leaves [−1, 1], whoever built the cell).
func cellText(v result.Interval, metric string) string {
	if math.IsNaN(v.Mean) {
		return "NaN"
	}
	if v.N < 2 {
		return fmt.Sprintf("%s (%d)", result.Num(v.Mean), v.N)
	}
	lo, hi := result.MetricRange(metric)
	return fmt.Sprintf("%s [%s, %s] (%d)", result.Num(v.Mean), result.Num(math.Max(v.Lo, lo)), result.Num(math.Min(v.Hi, hi)), v.N)
}

// returnCellText is a cell of the trained-return matrix: the final
// return, the area under the learning curve and the tuned rate.
func returnCellText(c *result.Cell) string {
	return fmt.Sprintf("%s; auc %s; lr %s", cellText(c.Metrics["return"], "return"), cellText(c.Metrics["auc_return"], "auc_return"),
		result.Num(c.Metrics["lr"].Mean))
}

func seedList(s []uint64) string {
	var p []string
	for _, x := range s {
		p = append(p, strconv.FormatUint(x, 10))
	}
	return strings.Join(p, ", ")
}

func paperRef(e result.Experiment) string {
	if e.ArXiv != "" {
		return fmt.Sprintf("%s (arXiv:%s)", e.Paper, e.ArXiv)
	}
	return e.Paper
}

func mdEsc(s string) string { return strings.ReplaceAll(s, "|", "\\|") }

func writeMatrixMD(b *strings.Builder, mx *result.Matrix) {
	if mx.Metric == "return" {
		b.WriteString("Final exact expected return after training, then `auc`, the mean exact return over the learning curve's " +
			"evaluation points (learning speed), each mean [95% interval] (seeds), and `lr`, the Adam rate chosen on separate tuning " +
			"seeds (the reported seeds never take part in the choice; a rate at an end of the grid that beats its neighbour adds the next " +
			"rate past that end, as the configuration's selection says; results.json has the tuning runs); `n/a`: the method needs an input " +
			"the default batch lacks.\n\n")
		b.WriteString("| method | " + strings.Join(mx.Envs, " | ") + " |\n|---|" + strings.Repeat("---|", len(mx.Envs)) + "\n")
		for _, m := range mx.Methods {
			cells := make([]string, len(mx.Envs))
			for j, e := range mx.Envs {
				c := mx.Cell(m, e)
				switch {
				case c == nil:
				case c.Status == "ok":
					cells[j] = returnCellText(c)
				case c.Status == "n/a":
					cells[j] = "n/a"
				default:
					cells[j] = "err"
				}
			}
			fmt.Fprintf(b, "| %s | %s |\n", m, strings.Join(cells, " | "))
		}
		b.WriteString("\n")
		writeEquivalentsMD(b, mx, "Methods whose learning curves were bitwise identical on every environment (the same function on the lab's data) are trained and shown once:")
		return
	}
	b.WriteString("Pearson correlation of the method's credit with A^π: mean [95% interval] (seeds), and for methods that read a critic " +
		"`cov`, the share of scored tokens whose state the critic was fitted on (the table critic says 0 elsewhere; rows `[oracle critic]` use the " +
		"exact V^π/Q^π, rows `[linear critic]` a critic linear in the state features; `n/a`: the lab cannot provide an input the method needs, " +
		"`err`: the method failed on the lab's data, `NaN`: the method's credit was constant, e.g. all zero, on every scored token). " +
		"results.json has every metric per cell: Spearman, sign agreement, relative MSE split into bias and variance after the best rescaling, " +
		"the cosine with the exact policy gradient, coverage and gradient variance. Some methods read an input that the default batch " +
		"lacks; where the environment's own structure supplies it faithfully the lab derives it (listed below the table), and " +
		"elsewhere the cell stays `n/a` with the reason.\n\n")
	b.WriteString("| method | " + strings.Join(mx.Envs, " | ") + " |\n|---|" + strings.Repeat("---|", len(mx.Envs)) + "\n")
	reasons := map[string][]string{}
	for _, m := range mx.Methods {
		cells := make([]string, len(mx.Envs))
		for j, e := range mx.Envs {
			c := mx.Cell(m, e)
			switch {
			case c == nil:
				cells[j] = ""
			case c.Status == "ok":
				cells[j] = cellText(c.Metrics["pearson"], "pearson")
				if cv, ok := c.Metrics["critic_coverage"]; ok {
					cells[j] += fmt.Sprintf(" cov %s", result.Num(cv.Mean))
				}
			case c.Status == "n/a":
				cells[j] = "n/a"
				reasons[m] = appendUnique(reasons[m], c.Reason)
			default:
				cells[j] = "err"
				reasons[m] = appendUnique(reasons[m], e+": "+c.Reason)
			}
		}
		fmt.Fprintf(b, "| %s | %s |\n", m, strings.Join(cells, " | "))
	}
	b.WriteString("\n")
	if len(reasons) > 0 {
		b.WriteString("Methods not scored everywhere, and why:\n\n")
		var ms []string
		for m := range reasons {
			ms = append(ms, m)
		}
		sort.Strings(ms)
		for _, m := range ms {
			fmt.Fprintf(b, "- `%s`: %s\n", m, mdEsc(strings.Join(reasons[m], "; ")))
		}
		b.WriteString("\n")
	}
	for _, sm := range mx.Stages {
		fmt.Fprintf(b, "Pearson(Â, A^π) at the %s policy (%d iterations of GRPO from the initial policy), group size %d: mean [95%% interval] (seeds)\n\n",
			sm.Stage, sm.Iterations, sm.GroupSize)
		b.WriteString("| method | " + strings.Join(mx.Envs, " | ") + " |\n|---|" + strings.Repeat("---|", len(mx.Envs)) + "\n")
		for _, m := range mx.Methods {
			cells := make([]string, len(mx.Envs))
			for j, e := range mx.Envs {
				for _, c := range sm.Cells {
					if c.Method == m && c.Env == e {
						switch c.Status {
						case "ok":
							cells[j] = cellText(c.Metrics["pearson"], "pearson")
						case "n/a":
							cells[j] = "n/a"
						default:
							cells[j] = "err"
						}
					}
				}
			}
			fmt.Fprintf(b, "| %s | %s |\n", m, strings.Join(cells, " | "))
		}
		b.WriteString("\n")
	}
	if envs := UnchangedStageEnvs(mx); len(envs) > 0 {
		fmt.Fprintf(b, "%s\n\n", unchangedNote(envs))
	}
	writeEquivalentsMD(b, mx, "Rows that scored exactly the same on every cell and seed (the same function on the lab's data) are shown once:")
	if len(mx.Inputs) > 0 {
		b.WriteString("Inputs the lab derives from the environments' own structure, method by method (and why some methods stay n/a):\n\n")
		for _, s := range mx.Inputs {
			fmt.Fprintf(b, "- %s\n", mdEsc(s))
		}
		b.WriteString("\n")
	}
}

// writeEquivalentsMD lists the matrix's groups of equivalent rows.
func writeEquivalentsMD(b *strings.Builder, mx *result.Matrix, intro string) {
	if len(mx.Equivalents) == 0 {
		return
	}
	b.WriteString(intro + "\n\n")
	for _, m := range mx.Methods {
		if eq := mx.Equivalents[m]; len(eq) > 0 {
			fmt.Fprintf(b, "- `%s` = %s\n", m, "`"+strings.Join(eq, "`, `")+"`")
		}
	}
	b.WriteString("\n")
}

func appendUnique(xs []string, s string) []string {
	for _, x := range xs {
		if x == s {
			return xs
		}
	}
	return append(xs, s)
}

var htmlTmpl = template.Must(template.New("r").Funcs(template.FuncMap{
	"iv":  ivText,
	"ivs": ivString,
	"json": func(v any) string {
		b, _ := json.MarshalIndent(fixAny(v), "", "  ")
		return string(b)
	},
	"paper":  paperRef,
	"margin": marginText,
	"pv":     pText,
	"seeds":  seedsText,
	"label":  metricLabel,
	"perSeed": func(v []float64) string {
		p := make([]string, len(v))
		for i, x := range v {
			p[i] = result.Num(x)
		}
		return strings.Join(p, " ")
	},
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>credo lab report</title>
<style>
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:left}
th{background:#f3f3f3}.agree{color:#176b17;font-weight:bold}.disagree{color:#a31515;font-weight:bold}
.inconclusive{color:#8a6d00;font-weight:bold}.equivalent{color:#1f4e8c;font-weight:bold}.mixed{color:#555;font-weight:bold}img{max-width:100%;border:1px solid #eee;margin:4px 0}
pre{background:#f7f7f7;padding:8px;font-size:12px;overflow:auto}section{border-top:2px solid #ddd;margin-top:2em}
td{overflow-wrap:break-word}.scroll{overflow-x:auto;max-width:100%}table.matrix{font-size:11px}table.matrix td{white-space:nowrap}
td.na{color:#999;background:#f0f0f0}td.nan{background:#fff3c4;font-style:italic}td.err{background:#777;color:#fff}
figure{margin:1em 0}figcaption{font-size:12px;color:#555;max-width:900px}
</style></head><body>
<h1>credo lab report</h1>
<p>{{if .Rep.Options.Quick}}Quick{{else}}Full{{end}} mode, seeds {{.Seeds}}; {{len .Rep.Methods}} registered credit methods; total {{printf "%.1f" .Rep.Seconds}} s.
Credit is scored against the exact advantage A<sup>π</sup><sub>t</sub>(s,a) = Q<sup>π</sup><sub>t</sub>(s,a) − V<sup>π</sup><sub>t</sub>(s) (backward induction). </p><p>{{.Rules}}</p>
<table><tr><th>experiment</th><th>paper</th><th>verdict</th><th>agree</th><th>disagree</th><th>equivalent</th><th>inconclusive</th><th>time (s)</th></tr>
{{range .Sections}}<tr><td><a href="#{{.R.Experiment.Name}}">{{.R.Experiment.Name}}</a></td><td>{{paper .R.Experiment}}</td><td class="{{.R.Verdict}}">{{.R.Verdict}}</td>{{with .R.Counts}}<td>{{.Agree}}</td><td>{{.Disagree}}</td><td>{{.Equivalent}}</td><td>{{.Inconclusive}}</td>{{end}}<td>{{printf "%.1f" .R.Seconds}}</td></tr>
{{end}}</table>
{{range .Sections}}<section id="{{.R.Experiment.Name}}">
<h2>{{.R.Experiment.Name}}: {{.R.Experiment.Title}}</h2>
<p><b>Paper:</b> {{paper .R.Experiment}}<br><b>Claim:</b> {{.R.Experiment.Claim}}<br><b>Verdict:</b> <span class="{{.R.Verdict}}">{{.R.Verdict}}</span> ({{.R.Counts}})</p>
{{if .R.Findings}}<table><tr><th>claim</th><th>metric</th><th>env</th><th>A</th><th>B</th><th>A value</th><th>B value</th><th>B − A</th><th>margin</th><th>p (Holm)</th><th>seeds</th><th>verdict</th></tr>
{{range .R.Findings}}<tr><td>{{.Claim}}</td><td>{{.Metric}}</td><td>{{.Env}}</td><td>{{.A}}</td><td>{{.B}}</td><td>{{iv .ValueA}}</td><td>{{iv .ValueB}}</td><td>{{iv .Diff}}</td><td>{{margin .}}</td><td>{{pv .PAdj}}</td><td>{{seeds .}}</td><td class="{{.Verdict}}">{{.Verdict}}</td></tr>
{{end}}</table>{{range .R.Findings}}{{if .Detail}}<p><small>{{.Claim}}: {{.Detail}}</small></p>{{end}}{{end}}{{end}}
{{range .Images}}<figure><img alt="{{.Name}}" src="{{.URI}}"><figcaption>{{.Caption}}</figcaption></figure>
{{end}}
{{if .MatrixRows}}<details open><summary>{{.MatrixSummary}}</summary><div class="scroll"><table class="matrix"><tr><th>method</th>{{range .R.Matrix.Envs}}<th>{{.}}</th>{{end}}</tr>
{{range .MatrixRows}}<tr><td>{{.Method}}{{if .Equiv}}<br><small>= {{.Equiv}}</small>{{end}}</td>{{range .Cells}}<td class="{{.Class}}" title="{{.Title}}">{{.Text}}</td>{{end}}</tr>
{{end}}</table></div></details>{{end}}
{{range .Stages}}<details><summary>{{.Title}}</summary><div class="scroll"><table class="matrix"><tr><th>method</th>{{range .Envs}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr><td>{{.Method}}</td>{{range .Cells}}<td class="{{.Class}}" title="{{.Title}}">{{.Text}}</td>{{end}}</tr>
{{end}}</table></div></details>
{{end}}{{if .StagesNote}}<p><small>{{.StagesNote}}</small></p>{{end}}
{{if .R.Matrix}}{{if .R.Matrix.Inputs}}<details><summary>Inputs the lab derives for particular methods</summary><ul>{{range .R.Matrix.Inputs}}<li>{{.}}</li>{{end}}</ul></details>{{end}}{{end}}
{{if .R.Rows}}{{if not .MatrixRows}}<details><summary>All measurements</summary><table><tr><th>env</th><th>method</th><th>metric</th><th>value</th><th>seeds</th><th>per seed</th></tr>
{{range .R.Rows}}<tr><td>{{.Env}}</td><td>{{.Method}}</td><td>{{label .Metric}}</td><td>{{ivs .Value}}</td><td>{{.Value.N}}</td><td>{{perSeed .Seeds}}</td></tr>
{{end}}</table></details>{{end}}{{end}}
{{range .R.Notes}}<p><small>Note: {{.}}</small></p>{{end}}
<details><summary>Configuration</summary><pre>{{json .R.Config}}</pre></details>
</section>
{{end}}</body></html>
`))

type htmlImage struct {
	Name    string
	URI     template.URL
	Caption string
}

type htmlCell struct{ Text, Title, Class string }

type htmlMatrixRow struct {
	Method string
	Equiv  string
	Cells  []htmlCell
}

// caption says what a plot shows and what its band or bars are.
func caption(r *result.Result, name string, seeds int) string {
	switch {
	case strings.HasSuffix(name, "matrix_return"):
		return fmt.Sprintf("Heat-map: the final exact return, mean over %d seeds per cell; colours are scaled per environment (column), "+
			"from its lowest method to its highest, since the environments' returns have different ranges. Light grey: n/a, the lab "+
			"cannot feed the method. The table below gives each cell's 95%% interval.", seeds)
	case strings.Contains(name, "matrix_"):
		return fmt.Sprintf("Heat-map: the mean over %d seeds per cell (colour bar on the right). Light grey: n/a, the lab cannot feed the "+
			"method; yellow \"NaN\": the method's credit was constant, so the metric is undefined; dark grey \"err\": the method failed. "+
			"The table below gives each cell's 95%% interval.", seeds)
	case strings.Contains(name, "_curve_"):
		return fmt.Sprintf("Lines: mean over %d seeds of the exact evaluation at each point; shaded band: 95%% Student-t interval over "+
			"seeds, clipped to the metric's range. Legend below the plot.", seeds)
	case strings.Contains(name, "_final_"):
		return fmt.Sprintf("Points: mean over %d seeds; bars: 95%% Student-t interval over seeds, clipped to the metric's range.", seeds)
	}
	return ""
}

type htmlSection struct {
	R          *result.Result
	Images     []htmlImage
	MatrixRows []htmlMatrixRow
	// MatrixSummary says what the matrix cells hold.
	MatrixSummary template.HTML
	Stages        []htmlStage
	StagesNote    string
}

type htmlStage struct {
	Title string
	Envs  []string
	Rows  []htmlMatrixRow
}

// HTML renders the self-contained report; the PNG plots named in the
// results are read from dir and embedded as data URIs.
func HTML(rep *result.Report, dir string) ([]byte, error) {
	data := struct {
		Rep      *result.Report
		Seeds    string
		Rules    string
		Sections []htmlSection
	}{Rep: rep, Seeds: seedList(rep.Seeds), Rules: strings.ReplaceAll(verdictRules, "**", "")}
	for _, r := range rep.Results {
		s := htmlSection{R: r}
		for _, p := range r.Plots {
			png, err := os.ReadFile(filepath.Join(dir, p+".png"))
			if err != nil {
				return nil, err
			}
			s.Images = append(s.Images, htmlImage{Name: p, URI: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)),
				Caption: caption(r, p, len(rep.Seeds))})
		}
		if r.Matrix != nil {
			s.MatrixSummary = "Matrix cells: Pearson(Â, A<sup>π</sup>) mean [95% interval] (seeds); hover for sign agreement, cosine and critic coverage"
			if r.Matrix.Metric == "return" {
				s.MatrixSummary = "Matrix cells: final exact return, auc (mean exact return over the learning curve), each mean [95% interval] (seeds), and the learning rate tuned on separate seeds"
			}
			for _, m := range r.Matrix.Methods {
				row := htmlMatrixRow{Method: m, Equiv: strings.Join(r.Matrix.Equivalents[m], ", ")}
				for _, e := range r.Matrix.Envs {
					c := r.Matrix.Cell(m, e)
					hc := htmlCell{}
					switch {
					case c == nil:
					case c.Status == "ok":
						key := "pearson"
						if r.Matrix.Metric != "" {
							key = r.Matrix.Metric
						}
						pe := c.Metrics[key]
						hc.Text = cellText(pe, key)
						if math.IsNaN(pe.Mean) {
							hc.Class = "nan"
						}
						hc.Title = fmt.Sprintf("sign agreement %s; cosine %s", ivString(c.Metrics["sign_agreement"]), ivString(c.Metrics["cosine"]))
						if key == "return" {
							hc.Text = returnCellText(c)
							hc.Title = "final exact return; auc: mean exact return over the learning curve; lr: rate tuned on separate seeds"
						}
						if cv, ok := c.Metrics["critic_coverage"]; ok {
							hc.Title += "; critic coverage " + result.Num(cv.Mean)
						}
					case c.Status == "n/a":
						hc.Text, hc.Title, hc.Class = "n/a", c.Reason, "na"
					default:
						hc.Text, hc.Title, hc.Class = "err", c.Reason, "err"
					}
					row.Cells = append(row.Cells, hc)
				}
				s.MatrixRows = append(s.MatrixRows, row)
			}
			for _, sm := range r.Matrix.Stages {
				hs := htmlStage{Title: fmt.Sprintf("Pearson(Â, A^π) at the %s policy (%d GRPO iterations), group size %d: mean [95%% interval] (seeds)",
					sm.Stage, sm.Iterations, sm.GroupSize), Envs: r.Matrix.Envs}
				for _, m := range r.Matrix.Methods {
					row := htmlMatrixRow{Method: m}
					for _, e := range r.Matrix.Envs {
						hc := htmlCell{}
						for _, c := range sm.Cells {
							if c.Method != m || c.Env != e {
								continue
							}
							switch c.Status {
							case "ok":
								hc.Text = cellText(c.Metrics["pearson"], "pearson")
								if math.IsNaN(c.Metrics["pearson"].Mean) {
									hc.Class = "nan"
								}
							case "n/a":
								hc.Text, hc.Title, hc.Class = "n/a", c.Reason, "na"
							default:
								hc.Text, hc.Title, hc.Class = "err", c.Reason, "err"
							}
						}
						row.Cells = append(row.Cells, hc)
					}
					hs.Rows = append(hs.Rows, row)
				}
				s.Stages = append(s.Stages, hs)
			}
			if envs := UnchangedStageEnvs(r.Matrix); len(envs) > 0 {
				s.StagesNote = unchangedNote(envs)
			}
		}
		data.Sections = append(data.Sections, s)
	}
	var buf bytes.Buffer
	if err := htmlTmpl.Execute(&buf, data); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// UnchangedStageEnvs lists the environments whose stage columns are
// identical (every cell's status and interval) across all the stages of
// each group size that has more than one: training did not change the
// scored credit there, so those later-stage cells repeat the initial ones.
func UnchangedStageEnvs(mx *result.Matrix) []string {
	byN := map[int][]result.StageMatrix{}
	for _, sm := range mx.Stages {
		byN[sm.GroupSize] = append(byN[sm.GroupSize], sm)
	}
	var out []string
	for _, e := range mx.Envs {
		compared, same := false, true
		for _, sms := range byN {
			for _, sm := range sms[1:] {
				compared = true
				for _, m := range mx.Methods {
					if !sameCell(sms[0].Cell(m, e), sm.Cell(m, e)) {
						same = false
					}
				}
			}
		}
		if compared && same {
			out = append(out, e)
		}
	}
	return out
}

func sameCell(a, b *result.Cell) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Status != b.Status || len(a.Metrics) != len(b.Metrics) {
		return false
	}
	for k, x := range a.Metrics {
		y, ok := b.Metrics[k]
		if !ok || !sameFloat(x.Mean, y.Mean) || !sameFloat(x.Lo, y.Lo) || !sameFloat(x.Hi, y.Hi) || x.N != y.N {
			return false
		}
	}
	return true
}

func sameFloat(x, y float64) bool { return x == y || (math.IsNaN(x) && math.IsNaN(y)) }

func unchangedNote(envs []string) string {
	return fmt.Sprintf("On %s every stage table of a group size repeats the same column: GRPO training did not change the "+
		"scored credit there, so those cells say nothing about later policies.", strings.Join(envs, ", "))
}
