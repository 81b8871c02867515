package report_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/credo-rl/credo/lab/report"
	"github.com/credo-rl/credo/lab/result"
)

// A report of one experiment that measured two methods on one environment
// and checked no claim: Write stores the data files, one bar plot for the
// rows' metric (PNG and SVG, named experiment_env_final_metric; a lone row
// on an environment gets none) and the two pages.
func ExampleWrite() {
	iv := result.Interval{Mean: 0.5, Lo: 0.25, Hi: 0.75, N: 3}
	res := &result.Result{
		Experiment: result.Experiment{Name: "demo", Title: "A demonstration", Paper: "none", Claim: "none"},
		Rows: []result.Row{{Env: "umbrella", Method: "verl.grpo", Metric: "pearson", Value: iv, Seeds: []float64{0.25, 0.5, 0.75}},
			{Env: "umbrella", Method: "verl.rloo", Metric: "pearson", Value: iv, Seeds: []float64{0.25, 0.5, 0.75}}},
	}
	rep := &result.Report{Options: result.Options{Seeds: 3, Seed: 1, Quick: true}, Seeds: []uint64{1, 2, 3}, Results: []*result.Result{res}}
	dir, err := os.MkdirTemp("", "report")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	if err := report.Write(rep, dir); err != nil {
		fmt.Println(err)
		return
	}
	names, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, n := range names {
		fmt.Println(filepath.Base(n))
	}
	fmt.Println(res.Plots)
	// Output:
	// demo_umbrella_final_pearson.png
	// demo_umbrella_final_pearson.svg
	// findings.csv
	// lab.md
	// report.html
	// results.csv
	// results.json
	// [demo_umbrella_final_pearson]
}
