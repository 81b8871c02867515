package report

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/credo-rl/credo/internal/atomicfile"
	"github.com/credo-rl/credo/lab/result"
)

// Plots are drawn with gonum.org/v1/plot and saved as PNG and SVG.

var lineColors = []color.RGBA{
	{31, 119, 180, 255}, {214, 39, 40, 255}, {44, 160, 44, 255}, {148, 103, 189, 255},
	{255, 127, 14, 255}, {140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255},
}

func savePlot(p *plot.Plot, w, h vg.Length, dir, name string) error {
	return saveCanvas(w, h, dir, name, p.Draw)
}

// saveCanvas renders draw on a w×h white canvas and saves it as PNG and SVG.
func saveCanvas(w, h vg.Length, dir, name string, drawFn func(c draw.Canvas)) error {
	for _, ext := range []string{"png", "svg"} {
		var wt io.WriterTo
		var vc vg.CanvasSizer
		switch ext {
		case "png":
			c := vgimg.New(w, h)
			vc, wt = c, vgimg.PngCanvas{Canvas: c}
		default:
			c := vgsvg.New(w, h)
			vc, wt = c, c
		}
		dc := draw.New(vc)
		dc.SetColor(color.White)
		dc.Fill(dc.Rectangle.Path())
		drawFn(dc)
		var buf bytes.Buffer
		if _, err := wt.WriteTo(&buf); err != nil {
			return fmt.Errorf("plot %s.%s: %w", name, ext, err)
		}
		if err := atomicfile.WriteFile(filepath.Join(dir, name+"."+ext), buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// withLegendBelow draws p above its legend (outside the plotted area, one
// entry per line) and returns the composite's height.
func withLegendBelow(p *plot.Plot, leg plot.Legend, entries int, h vg.Length) (vg.Length, func(c draw.Canvas)) {
	n := vg.Length(entries)
	lh := n*(leg.TextStyle.Font.Size*1.25) + vg.Points(10)
	return h + lh, func(c draw.Canvas) {
		p.Draw(draw.Crop(c, 0, 0, lh, 0))
		top := draw.Crop(c, vg.Points(40), 0, 0, -(c.Max.Y - c.Min.Y - lh))
		leg.Top, leg.Left = true, true
		leg.Draw(top)
	}
}

// metricLabel is the readable name of a metric key (axis labels, titles).
func metricLabel(k string) string {
	labels := map[string]string{
		"return": "exact expected return", "auc_return": "expected return, mean over training",
		"success": "exact success probability", "auc_success": "success probability, mean over training",
		"true_reward": "exact expected true reward", "auc_true_reward": "true reward, mean over training",
		"hacking_gap": "PRM hacking gap (proxy − true)", "auc_hacking_gap": "hacking gap, mean over training",
		"hacking_gap_min": "min-form hacking gap", "proxy_mean_prm": "mean PRM score", "proxy_min_prm": "min PRM score",
		"proxy_sum_prm": "summed PRM score", "length": "episode length (steps)",
		"exploitability": "exploitability", "auc_exploitability": "exploitability, mean over training",
		"entropy": "policy entropy (nats)", "grad_var": "gradient variance", "grad_rel_var": "relative gradient variance",
		"auc_grad_var": "gradient variance, mean over training", "auc_grad_rel_var": "relative gradient variance, mean over training",
		"rank_corr_auc_return": "rank correlation: credit accuracy vs mean return over training",
		"rank_corr_return":     "rank correlation: credit accuracy vs final return",
		"pearson":              "Pearson(Â, A^π)", "spearman": "Spearman(Â, A^π)", "sign_agreement": "sign agreement with A^π",
		"cosine": "cosine with the exact gradient", "rel_mse": "relative MSE (rescaled)", "rel_bias": "relative squared bias",
		"rel_var": "relative variance", "sub_pearson": "Pearson(Â, A^π) at t = 0", "sub_sign_agreement": "sign agreement at t = 0",
		"mean_credit_pearson": "Pearson(Â, A^π), mean over batches", "mean_credit_rel_mse": "relative MSE, mean over batches",
		"mean_effective_ratio": "share of groups with a gradient", "mean_effective_sample_ratio": "share of rollouts with a gradient",
		"coverage": "share of tokens scored", "critic_coverage": "critic coverage",
	}
	if l, ok := labels[k]; ok {
		return l
	}
	return strings.ReplaceAll(k, "_", " ")
}

// plotCurves draws one figure per (env, metric) of a result's curves: a
// line per method with its 95% band over seeds.
func plotCurves(r *result.Result, dir string) ([]string, error) {
	type key struct{ env, metric string }
	groups := map[key][]result.Curve{}
	var keys []key
	for _, c := range r.Curves {
		k := key{c.Env, c.Metric}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], c)
	}
	sort.SliceStable(keys, func(i, j int) bool {
		if keys[i].env != keys[j].env {
			return keys[i].env < keys[j].env
		}
		return keys[i].metric < keys[j].metric
	})
	var names []string
	for _, k := range keys {
		p := plot.New()
		p.Title.Text = fmt.Sprintf("%s on %s", metricLabel(k.metric), k.env)
		p.X.Label.Text = "training iteration"
		p.Y.Label.Text = metricLabel(k.metric)
		leg := plot.NewLegend()
		leg.TextStyle.Font.Size = vg.Points(9)
		entries := 0
		p.Add(plotter.NewGrid())
		for i, c := range groups[k] {
			col := lineColors[i%len(lineColors)]
			band := make(plotter.XYs, 0, 2*len(c.X))
			for j := range c.X {
				if !math.IsNaN(c.Hi[j]) {
					band = append(band, plotter.XY{X: c.X[j], Y: c.Hi[j]})
				}
			}
			for j := len(c.X) - 1; j >= 0; j-- {
				if !math.IsNaN(c.Lo[j]) {
					band = append(band, plotter.XY{X: c.X[j], Y: c.Lo[j]})
				}
			}
			if len(band) >= 3 {
				poly, err := plotter.NewPolygon(band)
				if err == nil {
					poly.Color = color.NRGBA{R: col.R, G: col.G, B: col.B, A: 45}
					poly.LineStyle.Width = 0
					p.Add(poly)
				}
			}
			pts := make(plotter.XYs, 0, len(c.X))
			for j := range c.X {
				if !math.IsNaN(c.Mean[j]) {
					pts = append(pts, plotter.XY{X: c.X[j], Y: c.Mean[j]})
				}
			}
			if len(pts) == 0 {
				continue
			}
			l, err := plotter.NewLine(pts)
			if err != nil {
				return nil, err
			}
			l.Color = col
			l.Width = vg.Points(1.5)
			p.Add(l)
			leg.Add(c.Method, l)
			entries++
		}
		name := fmt.Sprintf("%s_%s_curve_%s", r.Experiment.Name, sanitize(k.env), sanitize(k.metric))
		h, fn := withLegendBelow(p, leg, entries, 9*vg.Centimeter)
		if err := saveCanvas(16*vg.Centimeter, h, dir, name, fn); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	return names, nil
}

func sanitize(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			b[i] = '_'
		}
	}
	return string(b)
}

// grid is the matrix as a heat-map grid: columns are environments, rows
// methods (first method at the top).
type grid struct {
	z          [][]float64 // [row][col]
	rows, cols int
}

func (g grid) Dims() (c, r int)   { return g.cols, g.rows }
func (g grid) Z(c, r int) float64 { return g.z[g.rows-1-r][c] }
func (g grid) X(c int) float64    { return float64(c) }
func (g grid) Y(r int) float64    { return float64(r) }

// scaleColumns maps each column of z ([row][col]) linearly onto [0, 1],
// its lowest value to 0 and its highest to 1 (0.5 where they are equal);
// NaN stays NaN.
func scaleColumns(z [][]float64) {
	if len(z) == 0 {
		return
	}
	for j := range z[0] {
		lo, hi := math.Inf(1), math.Inf(-1)
		for i := range z {
			if v := z[i][j]; !math.IsNaN(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
		for i := range z {
			if v := z[i][j]; !math.IsNaN(v) {
				z[i][j] = 0.5
				if hi > lo {
					z[i][j] = (v - lo) / (hi - lo)
				}
			}
		}
	}
}

// plotMatrix draws the credit-accuracy matrix of one metric as a heat-map
// with the value in each cell and a colour bar; cells without a number
// are drawn apart: n/a (the lab cannot feed the method) light grey,
// NaN (constant credit: no correlation defined) hatched yellow with
// "NaN", err (the method failed) dark grey with "err".
func plotMatrix(mx *result.Matrix, metric string, lo, hi float64, dir, name string) error {
	g := grid{rows: len(mx.Methods), cols: len(mx.Envs)}
	g.z = make([][]float64, g.rows)
	var labels, marks plotter.XYLabels
	var nanCells, errCells []plotter.XY
	for i, m := range mx.Methods {
		g.z[i] = make([]float64, g.cols)
		for j, e := range mx.Envs {
			v := math.NaN()
			y := float64(g.rows - 1 - i)
			c := mx.Cell(m, e)
			switch {
			case c == nil || c.Status == "n/a":
			case c.Status == "ok":
				v = c.Metrics[metric].Mean
				if math.IsNaN(v) {
					nanCells = append(nanCells, plotter.XY{X: float64(j), Y: y})
					marks.XYs = append(marks.XYs, plotter.XY{X: float64(j), Y: y})
					marks.Labels = append(marks.Labels, "NaN")
				}
			default:
				errCells = append(errCells, plotter.XY{X: float64(j), Y: y})
				marks.XYs = append(marks.XYs, plotter.XY{X: float64(j), Y: y})
				marks.Labels = append(marks.Labels, "err")
			}
			g.z[i][j] = v
			if !math.IsNaN(v) {
				labels.XYs = append(labels.XYs, plotter.XY{X: float64(j), Y: y})
				labels.Labels = append(labels.Labels, result.Num(v))
			}
		}
	}
	// Returns have each environment's own scale (Sokoban's reach 10, the
	// chains' 1): each column is coloured from its lowest method (0) to its
	// highest (1); the cells print the returns themselves.
	perEnv := metric == "return"
	if perEnv {
		scaleColumns(g.z)
	}
	cm := moreland.SmoothBlueRed()
	cm.SetMin(lo)
	cm.SetMax(hi)
	pal := cm.Palette(255)
	hm := plotter.NewHeatMap(g, pal)
	hm.Min, hm.Max = lo, hi
	hm.NaN = color.RGBA{225, 225, 225, 255}
	hm.Underflow = pal.Colors()[0]
	hm.Overflow = pal.Colors()[len(pal.Colors())-1]
	p := plot.New()
	p.Title.Text = metricLabel(metric)
	p.Add(hm)
	box := func(pts []plotter.XY, col color.Color) {
		for _, q := range pts {
			poly, err := plotter.NewPolygon(plotter.XYs{{X: q.X - 0.5, Y: q.Y - 0.5}, {X: q.X + 0.5, Y: q.Y - 0.5}, {X: q.X + 0.5, Y: q.Y + 0.5}, {X: q.X - 0.5, Y: q.Y + 0.5}})
			if err == nil {
				poly.Color = col
				poly.LineStyle.Width = 0
				p.Add(poly)
			}
		}
	}
	box(nanCells, color.RGBA{255, 236, 160, 255})
	box(errCells, color.RGBA{110, 110, 110, 255})
	for _, lab := range []plotter.XYLabels{labels, marks} {
		if len(lab.XYs) == 0 {
			continue
		}
		l, err := plotter.NewLabels(lab)
		if err == nil {
			for i := range l.TextStyle {
				l.TextStyle[i].XAlign = draw.XCenter
				l.TextStyle[i].YAlign = draw.YCenter
				l.TextStyle[i].Font.Size = vg.Points(5.5)
			}
			p.Add(l)
		}
	}
	var xt, yt []plot.Tick
	for j, e := range mx.Envs {
		xt = append(xt, plot.Tick{Value: float64(j), Label: e})
	}
	for i, m := range mx.Methods {
		yt = append(yt, plot.Tick{Value: float64(g.rows - 1 - i), Label: m})
	}
	p.X.Tick.Marker = plot.ConstantTicks(xt)
	p.Y.Tick.Marker = plot.ConstantTicks(yt)
	p.X.Tick.Label.Rotation = math.Pi / 4
	p.X.Tick.Label.XAlign = draw.XRight
	p.X.Tick.Label.Font.Size = vg.Points(7)
	p.Y.Tick.Label.Font.Size = vg.Points(7)
	// The colour bar: a thin plot of its own to the right.
	bar := plot.New()
	bar.HideX()
	bar.Y.Padding = 0
	bar.Y.Label.Text = metricLabel(metric)
	if perEnv {
		bar.Y.Label.Text += " (0: the environment's lowest, 1: its highest)"
	}
	cb := &plotter.ColorBar{ColorMap: cm, Vertical: true}
	bar.Add(cb)
	w := vg.Length(6+1.8*float64(g.cols)) * vg.Centimeter
	// at least 8 cm: the colour bar gets the middle half, and below about
	// 2 cm its own axis leaves it no room (gonum panics)
	h := vg.Length(max(8, 4+0.45*float64(g.rows))) * vg.Centimeter
	barW := 2.6 * vg.Centimeter
	return saveCanvas(w+barW, h, dir, name, func(c draw.Canvas) {
		p.Draw(draw.Crop(c, 0, -barW, 0, 0))
		bc := draw.Crop(c, w, 0, 0, 0)
		// centre the bar vertically over the heat-map's middle half
		hh := c.Max.Y - c.Min.Y
		bar.Draw(draw.Crop(bc, 0, 0, hh/4, -hh/4))
	})
}

// plotBars draws one metric of a result's rows as points with 95% error
// bars per method, one figure per environment.
func plotBars(r *result.Result, metric, dir string) ([]string, error) {
	byEnv := map[string][]result.Row{}
	var envs []string
	for _, row := range r.Rows {
		if row.Metric != metric {
			continue
		}
		if _, ok := byEnv[row.Env]; !ok {
			envs = append(envs, row.Env)
		}
		byEnv[row.Env] = append(byEnv[row.Env], row)
	}
	var names []string
	for _, e := range envs {
		rows := byEnv[e]
		p := plot.New()
		p.Title.Text = fmt.Sprintf("%s on %s", metricLabel(metric), e)
		pts := make(plotter.XYs, len(rows))
		yerr := make(plotter.YErrors, len(rows))
		var ticks []plot.Tick
		for i, row := range rows {
			pts[i] = plotter.XY{X: float64(i), Y: row.Value.Mean}
			yerr[i].Low = row.Value.Mean - row.Value.Lo
			yerr[i].High = row.Value.Hi - row.Value.Mean
			ticks = append(ticks, plot.Tick{Value: float64(i), Label: row.Method})
		}
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return nil, err
		}
		eb := &plotter.YErrorBars{XYs: pts, YErrors: yerr, LineStyle: draw.LineStyle{Width: vg.Points(1), Color: color.Black}, CapWidth: vg.Points(6)}
		p.Add(plotter.NewGrid(), sc, eb)
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
		p.X.Min, p.X.Max = -0.5, float64(len(rows))-0.5
		p.X.Tick.Label.Rotation = math.Pi / 8
		p.X.Tick.Label.XAlign = draw.XRight
		p.Y.Label.Text = metricLabel(metric)
		name := fmt.Sprintf("%s_%s_final_%s", r.Experiment.Name, sanitize(e), sanitize(metric))
		if err := savePlot(p, vg.Length(6+2.5*float64(len(rows)))*vg.Centimeter, 10*vg.Centimeter, dir, name); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	return names, nil
}
