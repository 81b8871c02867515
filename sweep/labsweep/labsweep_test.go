package labsweep

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/credo-rl/credo/lab"
	"github.com/credo-rl/credo/lab/result"
	"github.com/credo-rl/credo/lab/score"
	"github.com/credo-rl/credo/sweep"
)

// The test binary doubles as a lab worker process: with LABSWEEP_TEST_URL
// set it runs sweep.Work with Work and exits.
func TestMain(m *testing.M) {
	if url := os.Getenv("LABSWEEP_TEST_URL"); url != "" {
		_, err := sweep.Work(context.Background(), testConfig(url), os.Getenv("LABSWEEP_TEST_ID"), func(ctx context.Context, key string, spec []byte) ([]byte, error) {
			fmt.Printf("start %s\n", key)
			return Work(ctx, key, spec)
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "worker:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func testConfig(url string) sweep.Config {
	return sweep.Config{URL: url, Name: "labtest", AckWait: 3 * time.Second}
}

// written runs lab.Write on rep, its wall times zeroed, and returns the
// files that hold numbers.
func written(t *testing.T, rep *lab.Report) map[string][]byte {
	t.Helper()
	rep.Seconds = 0
	for _, r := range rep.Results {
		r.Seconds = 0
	}
	dir := t.TempDir()
	if err := lab.Write(rep, dir); err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range []string{"results.json", "results.csv", "findings.csv", "lab.md"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		out[f] = b
	}
	return out
}

// TestSweepEqualsLabRun: three lab experiments swept over three worker
// processes through the embedded JetStream server, one worker killed with
// SIGKILL while it runs an experiment, give the report that lab.Run gives
// in one process (wall times aside): nothing lost, nothing counted twice.
func TestSweepEqualsLabRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs lab experiments in four processes")
	}
	// The three quickest experiments; one seed, so that the findings'
	// p-values are NaN (JSON null) and must cross the sweep as NaN.
	names := []string{"knapsack_budget", "gae_chains", "brpo_variance"}
	opt := lab.Options{Seeds: 1, Seed: 1, Quick: true, Workers: 1}
	t0 := time.Now()
	single, err := lab.Run(context.Background(), names, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("one process: %.1f s", time.Since(t0).Seconds())
	nan := 0
	for _, r := range single.Results {
		for _, f := range r.Findings {
			if math.IsNaN(float64(f.P)) {
				nan++
			}
		}
	}
	if nan == 0 {
		t.Error("no NaN p-value in the one-process run: the test no longer checks that NaN crosses the sweep")
	}
	want := written(t, single)

	srv, err := sweep.StartServer("127.0.0.1:0", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cells, err := Cells(names, opt)
	if err != nil {
		t.Fatal(err)
	}
	m := NewMerger(opt)
	type outcome struct {
		st  sweep.Stats
		err error
	}
	done := make(chan outcome, 1)
	t1 := time.Now()
	go func() {
		st, err := sweep.Run(context.Background(), testConfig(srv.URL()), cells, m.Merge)
		done <- outcome{st, err}
	}()
	killedc := make(chan string, 1)
	for i := 0; i < 3; i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "LABSWEEP_TEST_URL="+srv.URL(), fmt.Sprint("LABSWEEP_TEST_ID=w", i))
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { cmd.Process.Kill(); cmd.Wait() }()
		lines := make(chan string, 16)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		go func() {
			for l := range lines {
				// Kill the first worker once it has started an experiment.
				if i == 0 && strings.HasPrefix(l, "start ") {
					cmd.Process.Signal(syscall.SIGKILL)
					killedc <- strings.TrimPrefix(l, "start ")
					return
				}
			}
		}()
	}
	var o outcome
	select {
	case o = <-done:
	case <-time.After(10 * time.Minute):
		t.Fatal("sweep did not finish within 10 minutes")
	}
	if o.err != nil {
		t.Fatal(o.err)
	}
	killed := ""
	select {
	case killed = <-killedc:
	default:
	}
	t.Logf("sweep over 3 workers: %.1f s; worker w0 killed while running %s; %+v", time.Since(t1).Seconds(), killed, o.st)
	if killed == "" || o.st.Redelivered != 1 || o.st.Workers["w0"] != 0 {
		t.Errorf("stats %+v, killed %q: want worker w0 killed mid-experiment and its experiment redelivered once", o.st, killed)
	}
	got := written(t, m.Report())
	for f, w := range want {
		if !bytes.Equal(got[f], w) {
			t.Errorf("%s of the sweep differs from lab.Run's in one process", f)
		}
	}
}

// TestCells: "all" is every experiment in the lab's order; an unknown name
// is refused.
func TestCells(t *testing.T) {
	cells, err := Cells([]string{"all"}, lab.Options{Quick: true})
	if err != nil {
		t.Fatal(err)
	}
	exps := lab.Experiments()
	if len(cells) != len(exps) {
		t.Fatalf("%d cells for %d experiments", len(cells), len(exps))
	}
	for i, c := range cells {
		if c.Key != exps[i].Name {
			t.Errorf("cell %d is %q, want %q", i, c.Key, exps[i].Name)
		}
	}
	if _, err := Cells([]string{"no_such"}, lab.Options{}); err == nil || !strings.Contains(err.Error(), `unknown experiment "no_such"`) {
		t.Errorf("error %v", err)
	}
}

// TestNonFinite: NaN and ±Inf in a result (JSON null on the wire) reach
// the merged report as they were.
func TestNonFinite(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	res := &lab.Result{
		Experiment: result.Experiment{Name: "x"},
		Findings:   []result.Finding{{P: score.Float(nan), PAdj: 0.5}},
		Rows:       []result.Row{{Value: result.Interval{Mean: inf, Lo: 1, Hi: -inf}, Seeds: score.Floats{nan, 2}}},
		Matrix:     &result.Matrix{Cells: []result.Cell{{Metrics: map[string]result.Interval{"pearson": {Mean: nan, Lo: 0.25}}}}},
	}
	b, err := encode(&lab.Report{Seeds: []uint64{1}, Results: []*lab.Result{res}})
	if err != nil {
		t.Fatal(err)
	}
	m := NewMerger(lab.Options{})
	if err := m.Merge("x", b); err != nil {
		t.Fatal(err)
	}
	got := m.Report().Results[0]
	f, r, c := got.Findings[0], got.Rows[0], got.Matrix.Cells[0].Metrics["pearson"]
	if !math.IsNaN(float64(f.P)) || f.PAdj != 0.5 || !math.IsInf(r.Value.Mean, 1) || r.Value.Lo != 1 || !math.IsInf(r.Value.Hi, -1) ||
		!math.IsNaN(r.Seeds[0]) || r.Seeds[1] != 2 || !math.IsNaN(c.Mean) || c.Lo != 0.25 {
		t.Errorf("after the sweep: finding %+v, row %+v, cell %+v", f, r, c)
	}
	if err := m.Merge("y", b); err == nil {
		t.Error("a result under another cell's key was merged")
	}
}
