package lab

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/credo-rl/credo/internal/atomicfile"
)

// Plots are drawn with gonum.org/v1/plot and saved as PNG and SVG.

var lineColors = []color.RGBA{
	{31, 119, 180, 255}, {214, 39, 40, 255}, {44, 160, 44, 255}, {148, 103, 189, 255},
	{255, 127, 14, 255}, {140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255},
}

func savePlot(p *plot.Plot, w, h vg.Length, dir, name string) error {
	for _, ext := range []string{"png", "svg"} {
		wt, err := p.WriterTo(w, h, ext)
		if err != nil {
			return fmt.Errorf("plot %s.%s: %w", name, ext, err)
		}
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

// plotCurves draws one figure per (env, metric) of a result's curves: a
// line per method with its 95% band over seeds.
func plotCurves(r *Result, dir string) ([]string, error) {
	type key struct{ env, metric string }
	groups := map[key][]Curve{}
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
		p.Title.Text = fmt.Sprintf("%s: %s on %s", r.Experiment.Name, k.metric, k.env)
		p.X.Label.Text = "training iteration"
		p.Y.Label.Text = k.metric
		p.Legend.Top = true
		p.Legend.Left = true
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
			p.Legend.Add(c.Method, l)
		}
		name := fmt.Sprintf("%s_%s_curve_%s", r.Experiment.Name, sanitize(k.env), sanitize(k.metric))
		if err := savePlot(p, 16*vg.Centimeter, 10*vg.Centimeter, dir, name); err != nil {
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

// plotMatrix draws the credit-accuracy matrix of one metric as a heat-map
// with the value in each cell (grey: method not applicable).
func plotMatrix(mx *Matrix, metric string, lo, hi float64, dir, name string) error {
	g := grid{rows: len(mx.Methods), cols: len(mx.Envs)}
	g.z = make([][]float64, g.rows)
	var labels plotter.XYLabels
	for i, m := range mx.Methods {
		g.z[i] = make([]float64, g.cols)
		for j, e := range mx.Envs {
			v := math.NaN()
			if c := mx.Cell(m, e); c != nil && c.Status == "ok" {
				v = c.Metrics[metric].Mean
			}
			g.z[i][j] = v
			if !math.IsNaN(v) {
				labels.XYs = append(labels.XYs, plotter.XY{X: float64(j), Y: float64(g.rows - 1 - i)})
				labels.Labels = append(labels.Labels, fmt.Sprintf("%.2f", v))
			}
		}
	}
	var pal palette.Palette
	cm := moreland.SmoothBlueRed()
	cm.SetMin(lo)
	cm.SetMax(hi)
	pal = cm.Palette(255)
	hm := plotter.NewHeatMap(g, pal)
	hm.Min, hm.Max = lo, hi
	hm.NaN = color.RGBA{220, 220, 220, 255}
	hm.Underflow = pal.Colors()[0]
	hm.Overflow = pal.Colors()[len(pal.Colors())-1]
	p := plot.New()
	p.Title.Text = "credit accuracy: " + metric + " (grey: not applicable)"
	p.Add(hm)
	if len(labels.XYs) > 0 {
		l, err := plotter.NewLabels(labels)
		if err == nil {
			for i := range l.TextStyle {
				l.TextStyle[i].XAlign = draw.XCenter
				l.TextStyle[i].YAlign = draw.YCenter
				l.TextStyle[i].Font.Size = vg.Points(6)
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
	w := vg.Length(4+1.6*float64(g.cols)) * vg.Centimeter
	h := vg.Length(4+0.45*float64(g.rows)) * vg.Centimeter
	return savePlot(p, w, h, dir, name)
}

// plotBars draws one metric of a result's rows as points with 95% error
// bars per method, one figure per environment.
func plotBars(r *Result, metric, dir string) ([]string, error) {
	byEnv := map[string][]Row{}
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
		p.Title.Text = fmt.Sprintf("%s: %s on %s (mean, 95%% interval)", r.Experiment.Name, metric, e)
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
		p.Y.Label.Text = metric
		name := fmt.Sprintf("%s_%s_final_%s", r.Experiment.Name, sanitize(e), sanitize(metric))
		if err := savePlot(p, vg.Length(6+2.5*float64(len(rows)))*vg.Centimeter, 10*vg.Centimeter, dir, name); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	return names, nil
}
