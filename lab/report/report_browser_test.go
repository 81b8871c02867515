package report

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/credo-rl/credo/lab/result"
)

// layoutCheck is injected into a copy of report.html: after load it lists
// the layout errors a browser can detect (images that did not load or are
// wider than the page, tables wider than the page outside a scroll box,
// clipped headings) into a <pre id="layout-check">.
const layoutCheck = `<script>
window.addEventListener('load', function () {
  var errs = [], W = document.documentElement.clientWidth;
  document.querySelectorAll('img').forEach(function (i) {
    if (!i.complete || i.naturalWidth === 0) errs.push('image ' + i.alt + ' did not load');
    var r = i.getBoundingClientRect();
    if (r.right > W + 1) errs.push('image ' + i.alt + ' overflows the page (' + Math.round(r.right) + ' > ' + W + ')');
  });
  document.querySelectorAll('table').forEach(function (t, k) {
    var scroll = false;
    for (var e = t.parentElement; e; e = e.parentElement) {
      var o = getComputedStyle(e).overflowX;
      if (o === 'auto' || o === 'scroll') { scroll = true; break; }
    }
    var r = t.getBoundingClientRect();
    if (!scroll && r.right > W + 1) errs.push('table ' + k + ' overflows the page (' + Math.round(r.right) + ' > ' + W + ')');
  });
  document.querySelectorAll('h1, h2, figcaption').forEach(function (h) {
    if (h.scrollWidth > h.clientWidth + 1) errs.push('clipped: ' + h.textContent.slice(0, 60));
  });
  var d = document.createElement('pre');
  d.id = 'layout-check';
  d.textContent = 'LAYOUT:' + JSON.stringify(errs) + ':END';
  document.body.appendChild(d);
});
</script>`

func chromiumPath() string {
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// syntheticReport is a report of the lab's real shape and size (a matrix
// of 80 rows × 12 environments with NaN, n/a and err cells, findings with
// long claims, learning curves with 7 variants, error-bar rows) without
// running the lab.
func syntheticReport() *result.Report {
	envs := []string{"arithchain", "arithchain-prm", "countdown", "delayed", "discounting", "kbhop", "kuhn", "memory", "shortcut", "sokoban6", "tictactoe", "umbrella"}
	mx := &result.Matrix{Envs: envs}
	res := &result.Result{Experiment: result.Experiment{Name: "matrix", Title: "Credit-accuracy matrix: every method × every environment", Paper: "p", Claim: "c"}}
	for i := 0; i < 80; i++ {
		m := fmt.Sprintf("openrlhf.compute_advantages_and_returns_%02d [oracle critic]", i)
		mx.Methods = append(mx.Methods, m)
		for j, e := range envs {
			c := result.Cell{Method: m, Env: e, Status: "ok", Metrics: map[string]result.Interval{}}
			v := math.Sin(float64(i*13 + j))
			switch (i + j) % 7 {
			case 0:
				c.Status, c.Reason, c.Metrics = "n/a", "needs steps[].labels.<label_key>", nil
			case 3:
				v = math.NaN()
			}
			if i == 5 && j == 2 {
				c.Status, c.Reason, c.Metrics = "error", "boom", nil
			}
			for _, k := range []string{"pearson", "sign_agreement", "cosine", "rel_mse", "critic_coverage"} {
				if c.Metrics != nil {
					c.Metrics[k] = result.Interval{Mean: v, Lo: v - 0.123, Hi: v + 0.123, N: 10}
				}
			}
			mx.Cells = append(mx.Cells, c)
		}
	}
	mx.Stages = []result.StageMatrix{{Stage: "late", Iterations: 100, GroupSize: 4, Cells: mx.Cells}}
	res.Matrix = mx
	iv := result.Interval{Mean: 0.5, Lo: 0.25, Hi: 0.75, N: 10}
	exp := &result.Result{Experiment: result.Experiment{Name: "pure_hacking", Title: "PURE: min-form vs sum-form process-reward credit (with Clip and Delta) vs verifiable reward", Paper: "p", Claim: "c"}}
	for k := 0; k < 7; k++ {
		name := fmt.Sprintf("PURE recipe (min-form PRM + VR on 10%%), filler PRM 0.%d", k)
		exp.Findings = append(exp.Findings, result.Finding{Claim: "with a weaker padding flaw (filler PRM 0.3) PURE's recipe reaches the verifiable-reward level",
			Metric: "exact true reward after training (margin 0.1) (claim: B ≥ A − 0.1)", Env: "arithchain-prm", A: "verifiable reward", B: name,
			ValueA: &iv, ValueB: &iv, Diff: &iv, Margin: 0.1, Test: result.NonInferiorityTest, Verdict: result.Equivalent})
		c := result.Curve{Env: "arithchain-prm", Method: name, Metric: "true_reward"}
		for x := 0; x < 10; x++ {
			c.X = append(c.X, float64(10*x))
			c.Mean = append(c.Mean, 0.1*float64(x))
			c.Lo = append(c.Lo, 0.08*float64(x))
			c.Hi = append(c.Hi, math.Min(1, 0.12*float64(x)))
		}
		exp.Curves = append(exp.Curves, c)
		exp.Rows = append(exp.Rows, result.Row{Env: "arithchain-prm", Method: name, Metric: "true_reward", Value: iv, Seeds: []float64{0.25, 0.5, 0.75}})
	}
	return &result.Report{Options: result.Options{Seeds: 10}, Seeds: []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, Results: []*result.Result{res, exp}, Methods: mx.Methods}
}

// TestReportLayoutInChromium renders report.html in headless Chromium at
// desktop width and fails on the layout errors layoutCheck detects. It
// skips when no Chromium is installed (Debian: apt-get install -y chromium).
func TestReportLayoutInChromium(t *testing.T) {
	bin := chromiumPath()
	if bin == "" {
		t.Skip("no chromium on PATH (Debian: apt-get install -y chromium): the report's layout is not checked")
	}
	if testing.Short() {
		t.Skip("-short: no browser")
	}
	dir := t.TempDir()
	if err := Write(syntheticReport(), dir); err != nil {
		t.Fatal(err)
	}
	h, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	page := strings.Replace(string(h), "</body>", layoutCheck+"</body>", 1)
	check := filepath.Join(dir, "check.html")
	if err := os.WriteFile(check, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--window-size=1280,900", "--virtual-time-budget=20000",
		"--dump-dom", "file://"+check)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	s := string(out)
	const mark = `<pre id="layout-check">LAYOUT:`
	i := strings.Index(s, mark)
	j := -1
	if i >= 0 {
		i += len(mark)
		j = strings.Index(s[i:], ":END")
	}
	if i < 0 || j < 0 {
		t.Fatalf("the layout check did not run (no marker in the DOM):\n%.2000s", s)
	}
	var errs []string
	raw := strings.NewReplacer("&quot;", `"`, "&amp;", "&", "&lt;", "<", "&gt;", ">").Replace(s[i : i+j])
	if err := json.Unmarshal([]byte(raw), &errs); err != nil {
		t.Fatalf("layout result %q: %v", raw, err)
	}
	for _, e := range errs {
		t.Error(e)
	}
}
