package sweep

import (
	"bufio"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The test binary doubles as a worker process: with SWEEP_TEST_URL set it
// runs Work and exits.
func TestMain(m *testing.M) {
	if url := os.Getenv("SWEEP_TEST_URL"); url != "" {
		os.Exit(workerMain(url))
	}
	os.Exit(m.Run())
}

func workerMain(url string) int {
	cfg := testConfig(url)
	if os.Getenv("SWEEP_TEST_CRASH_AFTER_PUBLISH") != "" {
		afterPublish = func(key string) {
			fmt.Printf("stored %s\n", key)
			os.Exit(3) // dies before acknowledging the cell
		}
	}
	if w, _ := time.ParseDuration(os.Getenv("SWEEP_TEST_DUP_WINDOW")); w > 0 {
		cfg.DupWindow = w
	}
	st, err := Work(context.Background(), cfg, os.Getenv("SWEEP_TEST_ID"), func(ctx context.Context, key string, spec []byte) ([]byte, error) {
		fmt.Printf("start %s\n", key)
		return cellResult(key, spec), nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		return 1
	}
	fmt.Printf("done %d cells\n", st.Cells)
	return 0
}

func testConfig(url string) Config {
	return Config{URL: url, Name: "test", AckWait: 2 * time.Second, MaxDeliver: 5}
}

// cellResult is the test's work: it sleeps for the spec's milliseconds
// and returns the key with the SHA-256 of the spec.
func cellResult(key string, spec []byte) []byte {
	ms, _ := strconv.Atoi(strings.Fields(string(spec))[0])
	time.Sleep(time.Duration(ms) * time.Millisecond)
	return []byte(fmt.Sprintf("%s=%x", key, sha256.Sum256(spec)))
}

func testCells(n, ms int) []Cell {
	var cells []Cell
	for i := 0; i < n; i++ {
		cells = append(cells, Cell{Key: fmt.Sprintf("cell-%02d", i), Spec: []byte(fmt.Sprintf("%d spec of cell %d", ms, i))})
	}
	return cells
}

// singleProcess runs the cells in order in this process: what the merged
// sweep must equal.
func singleProcess(cells []Cell) []string {
	var out []string
	for _, c := range cells {
		out = append(out, c.Key+" "+string(cellResult(c.Key, c.Spec)))
	}
	return out
}

func startServer(t *testing.T) *Server {
	t.Helper()
	s, err := StartServer("127.0.0.1:0", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// worker is a worker child process; lines receives its stdout lines.
type worker struct {
	cmd   *exec.Cmd
	lines chan string
}

func startWorker(t *testing.T, url, id string, env ...string) *worker {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append([]string{"SWEEP_TEST_URL=" + url, "SWEEP_TEST_ID=" + id}, env...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w := &worker{cmd: cmd, lines: make(chan string, 1000)}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			w.lines <- sc.Text()
		}
		close(w.lines)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return w
}

// wait reads w's lines until one starts with prefix.
func (w *worker) wait(t *testing.T, prefix string) string {
	t.Helper()
	timeout := time.After(2 * time.Minute)
	for {
		select {
		case l, ok := <-w.lines:
			if !ok {
				t.Fatalf("worker exited before printing %q", prefix)
			}
			if strings.HasPrefix(l, prefix) {
				return strings.TrimPrefix(l, prefix)
			}
		case <-timeout:
			t.Fatalf("worker did not print %q within 2 minutes", prefix)
		}
	}
}

type result struct {
	merged []string
	st     Stats
	err    error
}

func runAsync(url string, cfg Config, cells []Cell) chan result {
	ch := make(chan result, 1)
	go func() {
		var r result
		r.st, r.err = Run(context.Background(), cfg, cells, func(key string, b []byte) error {
			r.merged = append(r.merged, key+" "+string(b))
			return nil
		})
		ch <- r
	}()
	return ch
}

func checkMerged(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("merged %d results, want %d (one per cell)", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("merged result %d = %q, want %q (the single-process run)", i, got[i], want[i])
		}
	}
}

// TestWorkerKilledMidCell: three worker processes; one is killed with
// SIGKILL while it runs a cell. The cell is delivered again to another
// worker after AckWait, and the merged results equal the single-process
// run: every cell once, in order.
func TestWorkerKilledMidCell(t *testing.T) {
	s := startServer(t)
	cells := testCells(24, 150)
	want := singleProcess(cells)
	done := runAsync(s.URL(), testConfig(s.URL()), cells)
	var ws []*worker
	for i := 0; i < 3; i++ {
		ws = append(ws, startWorker(t, s.URL(), fmt.Sprint("w", i)))
	}
	killed := ws[0].wait(t, "start ")
	ws[0].cmd.Process.Signal(syscall.SIGKILL)
	ws[0].cmd.Wait()
	var r result
	select {
	case r = <-done:
	case <-time.After(3 * time.Minute):
		t.Fatal("sweep did not finish within 3 minutes")
	}
	if r.err != nil {
		t.Fatal(r.err)
	}
	checkMerged(t, r.merged, want)
	if r.st.Redelivered < 1 {
		t.Errorf("stats %+v: the cell %s of the killed worker was not redelivered", r.st, killed)
	}
	if r.st.Workers["w0"] != 0 {
		t.Errorf("stats %+v: the killed worker w0 delivered a result", r.st)
	}
	if n := r.st.Workers["w1"] + r.st.Workers["w2"]; n != len(cells) {
		t.Errorf("stats %+v: workers w1, w2 delivered %d results, want %d", r.st, n, len(cells))
	}
	for _, w := range ws[1:] {
		w.wait(t, "done ") // the workers end with the sweep
	}
	t.Logf("cell %s killed mid-run; %+v", killed, r.st)
}

// TestDuplicateResultDropped: a worker stores a cell's result and dies
// before acknowledging it; the cell is run again by another worker after
// AckWait. With a duplicate window shorter than that, the second result
// reaches the results stream and the coordinator drops it: the merge sees
// every cell exactly once.
func TestDuplicateResultDropped(t *testing.T) {
	s := startServer(t)
	cells := testCells(12, 200)
	want := singleProcess(cells)
	cfg := testConfig(s.URL())
	cfg.DupWindow = 200 * time.Millisecond
	done := runAsync(s.URL(), cfg, cells)
	crash := startWorker(t, s.URL(), "crash", "SWEEP_TEST_CRASH_AFTER_PUBLISH=1")
	key := crash.wait(t, "stored ")
	crash.cmd.Wait()
	startWorker(t, s.URL(), "w1")
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	checkMerged(t, r.merged, want)
	if r.st.Workers["crash"] != 1 {
		t.Errorf("stats %+v: want the crashed worker's stored result kept", r.st)
	}
	if r.st.Duplicates != 1 || r.st.Redelivered != 0 {
		t.Errorf("stats %+v: want 1 duplicate (cell %s run twice) dropped and the first result kept", r.st, key)
	}
}

// TestServerDropsDuplicate: the same, with the default duplicate window:
// the cell is run twice but the server drops the second result
// (Nats-Msg-Id), so the coordinator never sees it.
func TestServerDropsDuplicate(t *testing.T) {
	s := startServer(t)
	cells := testCells(8, 500) // the sweep lasts longer than AckWait
	done := runAsync(s.URL(), testConfig(s.URL()), cells)
	crash := startWorker(t, s.URL(), "crash", "SWEEP_TEST_CRASH_AFTER_PUBLISH=1")
	key := crash.wait(t, "stored ")
	crash.cmd.Wait()
	w := startWorker(t, s.URL(), "w1")
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	checkMerged(t, r.merged, singleProcess(cells))
	if r.st.Results != len(cells) || r.st.Duplicates != 0 || r.st.Workers["crash"] != 1 {
		t.Errorf("stats %+v: want %d results read, none duplicate, the crashed worker's kept", r.st, len(cells))
	}
	ran := 0
	for l := range w.lines {
		if l == "start "+key {
			ran++
		}
	}
	if ran != 1 {
		t.Errorf("worker w1 ran cell %s %d times, want once (redelivered after the first worker died unacknowledged)", key, ran)
	}
}

// TestCellFailure: a work function's error ends the sweep with an error
// naming the cell and the worker; a panic too. The worker ends with the
// sweep.
func TestCellFailure(t *testing.T) {
	s := startServer(t)
	cfg := testConfig(s.URL())
	for _, bad := range []string{"bad", "panics"} {
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := Work(context.Background(), cfg, "inproc", func(_ context.Context, key string, spec []byte) ([]byte, error) {
				switch key {
				case "bad":
					return nil, fmt.Errorf("field x: want a number")
				case "panics":
					panic("boom")
				}
				return spec, nil
			})
			if err != nil || st.Failed != 1 {
				t.Errorf("worker: %+v, %v; want one failed cell and no error", st, err)
			}
		}()
		_, err := Run(context.Background(), cfg, []Cell{{Key: "ok", Spec: []byte("1")}, {Key: bad}}, func(string, []byte) error { return nil })
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("cell %q failed on worker inproc", bad)) {
			t.Errorf("cell %s: error %v, want one naming the cell and the worker", bad, err)
		}
		wg.Wait()
	}
}

// TestPoisonCell: a cell whose workers die on it (here: their context
// ends mid-cell, so they hand it back) ends the sweep after MaxDeliver
// deliveries, with an error naming it.
func TestPoisonCell(t *testing.T) {
	s := startServer(t)
	cfg := testConfig(s.URL())
	cfg.MaxDeliver = 2
	errc := make(chan error, 1)
	go func() {
		_, err := Run(context.Background(), cfg, []Cell{{Key: "poison", Spec: []byte("x")}}, func(string, []byte) error { return nil })
		errc <- err
	}()
	for i := 0; i < 2; i++ {
		ctx, cancel := context.WithCancel(context.Background())
		_, err := Work(ctx, cfg, "dies", func(context.Context, string, []byte) ([]byte, error) {
			cancel()
			return []byte("unused"), nil
		})
		if err != context.Canceled {
			t.Fatalf("worker %d: %v, want context.Canceled", i, err)
		}
	}
	// A healthy worker keeps asking for cells; the server finds none to give.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go Work(ctx, cfg, "healthy", func(context.Context, string, []byte) ([]byte, error) { return []byte("ok"), nil })
	select {
	case err := <-errc:
		if err == nil || !strings.Contains(err.Error(), `cell "poison" was delivered 2 times without a result`) {
			t.Errorf("error %v, want one naming the cell", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the sweep did not end within a minute")
	}
}

// TestBadConfig: bad names, duplicate and empty keys are refused before
// anything is published.
func TestBadConfig(t *testing.T) {
	for _, tc := range []struct {
		cfg   Config
		cells []Cell
		want  string
	}{
		{Config{}, nil, "no NATS URL"},
		{Config{URL: "nats://127.0.0.1:1", Name: "a.b"}, nil, `sweep name "a.b"`},
		{Config{URL: "nats://127.0.0.1:1"}, []Cell{{Key: "x"}, {Key: "x"}}, `two cells with key "x"`},
		{Config{URL: "nats://127.0.0.1:1"}, []Cell{{Key: ""}}, "cell 0 has no key"},
	} {
		_, err := Run(context.Background(), tc.cfg, tc.cells, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", tc.cfg, err, tc.want)
		}
	}
}
