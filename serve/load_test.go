package serve

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/credo-rl/credo/credit"
	credov1 "github.com/credo-rl/credo/serve/gen/credo/v1"
	"github.com/credo-rl/credo/serve/gen/credo/v1/credov1connect"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// TestMain removes the binary credoBinary built.
func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// credoBinary builds cmd/credo once per test run.
func credoBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "credo-serve-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "credo")
		out, err := exec.Command("go", "build", "-o", binPath, "../cmd/credo").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// proc is a `credo serve` process.
type proc struct {
	cmd *exec.Cmd
	url string
	log *bytes.Buffer
}

// startProc runs `credo serve --addr 127.0.0.1:0 args...` and waits for its
// "listening on" line.
func startProc(t *testing.T, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(credoBinary(t), append([]string{"serve", "--addr", "127.0.0.1:0", "--log-format", "text"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, log: &bytes.Buffer{}}
	urlc := make(chan string, 1)
	var mu sync.Mutex
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			mu.Lock()
			p.log.WriteString(line + "\n")
			mu.Unlock()
			if u, ok := strings.CutPrefix(line, "credo serve: listening on "); ok {
				urlc <- u
			}
		}
	}()
	select {
	case p.url = <-urlc:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("credo serve did not start:\n%s", p.log)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return p
}

func (p *proc) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	p.cmd.Wait()
}

// status reads a field (VmHWM, VmRSS) of /proc/PID/status in bytes.
func status(pid int, field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// TestKillRestart: a server killed with SIGKILL at random moments and
// restarted on the same --state-dir loses no accepted request's state: a
// client that retries each unanswered request with its request_id gets,
// batch after batch, what `credo assign --state` gives.
func TestKillRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills credo serve processes")
	}
	const batches = 12
	dir := t.TempDir()
	// examples/games-0001.jsonl 500 times over (3000 games, new ids), so
	// that a request lasts long enough for kills to land inside it.
	var big bytes.Buffer
	lines := strings.Split(strings.TrimSpace(string(read(t, filepath.Join(examples, "games-0001.jsonl")))), "\n")
	for k := 0; k < 500; k++ {
		for _, l := range lines {
			big.WriteString(strings.ReplaceAll(l, `"game-`, fmt.Sprintf(`"r%d-game-`, k)) + "\n")
		}
	}
	in := filepath.Join(t.TempDir(), "games.jsonl")
	if err := os.WriteFile(in, big.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	data := big.Bytes()
	cli := credit.NewState()
	var want [][]byte
	for i := 0; i < batches; i++ {
		want = append(want, cliAssign(t, "spiral.rae", nil, cli, in, "jsonl"))
	}
	p := startProc(t, "--state-dir", dir)
	rng := rand.New(rand.NewPCG(1, 2))
	kills, retries, replays := 0, 0, 0
	for i := 0; i < batches; i++ {
		req := &credov1.AssignRequest{Method: "spiral.rae", Session: "trainer-1", RequestId: fmt.Sprint("step-", i), Body: &credov1.Body{Data: data}}
		killAt := time.Duration(-1)
		if i%2 == 1 {
			killAt = time.Duration(rng.IntN(300)) * time.Millisecond
		}
		for attempt := 0; ; attempt++ {
			if attempt > 5 {
				t.Fatalf("batch %d: no answer after %d attempts", i, attempt)
			}
			done := make(chan struct{})
			var resp *connect.Response[credov1.AssignResponse]
			var err error
			go func() {
				defer close(done)
				resp, err = client(p.url, connect.WithGRPC()).Assign(context.Background(), connect.NewRequest(req))
			}()
			if killAt >= 0 && attempt == 0 {
				time.Sleep(killAt)
				p.kill()
				kills++
				<-done
				p = startProc(t, "--state-dir", dir)
			} else {
				<-done
			}
			if err != nil {
				if c := connect.CodeOf(err); c != connect.CodeUnavailable && c != connect.CodeUnknown && c != connect.CodeInternal && c != connect.CodeCanceled {
					t.Fatalf("batch %d: %v", i, err)
				}
				retries++
				continue
			}
			if resp.Msg.Replayed {
				replays++
			}
			if !bytes.Equal(resp.Msg.Body.Data, want[i]) {
				t.Fatalf("batch %d (attempt %d, replayed %v): credit differs from credo assign --state: state lost or applied twice", i, attempt, resp.Msg.Replayed)
			}
			break
		}
	}
	t.Logf("%d batches, %d kills (SIGKILL), %d retries, %d answered from the state before a request applied but unanswered", batches, kills, retries, replays)
	// The session file holds the state `credo assign --state` holds.
	f, err := (&sessions{dir: filepath.Join(dir, "sessions")}).load("trainer-1")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := decodeState(f.State)
	a, _ := got.Marshal()
	b, _ := cli.Marshal()
	if !bytes.Equal(a, b) {
		t.Errorf("session state after restarts:\n%s\nwant (credo assign --state):\n%s", a, b)
	}
}

// TestLoad runs CREDO_LOAD_CLIENTS concurrent clients, each streaming a
// CREDO_LOAD_MB MB JSONL batch in 4 MB chunks to a `credo serve` process
// with --max-concurrent CREDO_LOAD_CONCURRENT (retrying on
// RESOURCE_EXHAUSTED), and checks every answer against `credo assign` on
// the same file and reports the server's peak resident memory (VmHWM) and
// peak Go heap (go_memstats_heap_inuse_bytes of /metrics, sampled). The
// output format is CREDO_LOAD_OUT (default jsonl.zst); CREDO_LOAD_ARGS adds
// server flags (e.g. --memory-limit 268435456); CREDO_LOAD_MAX_RSS_MB, when
// set, fails the test if the server's peak RSS exceeds it. Without
// CREDO_LOAD_CLIENTS it runs a small version (8 clients × 1 MB, two at a
// time) as part of `go test ./serve/`. See docs/serve.md.
//
//	CREDO_LOAD_CLIENTS=100 CREDO_LOAD_MB=50 go test -run TestLoad -v -timeout 2h ./serve/
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds credo and runs a server under load")
	}
	clients, mb := 8, 1
	if os.Getenv("CREDO_LOAD_CLIENTS") != "" {
		clients, _ = strconv.Atoi(os.Getenv("CREDO_LOAD_CLIENTS"))
		mb = 50
	}
	if v, _ := strconv.Atoi(os.Getenv("CREDO_LOAD_MB")); v > 0 {
		mb = v
	}
	conc, _ := strconv.Atoi(os.Getenv("CREDO_LOAD_CONCURRENT"))
	outFmt := os.Getenv("CREDO_LOAD_OUT")
	maxRSS, _ := strconv.ParseInt(os.Getenv("CREDO_LOAD_MAX_RSS_MB"), 10, 64)
	if clients <= 0 {
		t.Fatalf("CREDO_LOAD_CLIENTS=%q: want a positive number", os.Getenv("CREDO_LOAD_CLIENTS"))
	}
	if conc <= 0 {
		conc = 2
	}
	if outFmt == "" {
		outFmt = "jsonl.zst"
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "batch.jsonl")
	groups := writeBatch(t, in, int64(mb)<<20)
	out := filepath.Join(dir, "cli."+outFmt)
	if b, err := exec.Command(credoBinary(t), "assign", "-q", "--method", "verl.grpo", "--in", in, "--out", out).CombinedOutput(); err != nil {
		t.Fatalf("credo assign: %v\n%s", err, b)
	}
	want := sha256.Sum256(read(t, out))

	args := append([]string{"--state-dir", filepath.Join(dir, "state"), "--max-concurrent", strconv.Itoa(conc), "--timeout", "2h"}, strings.Fields(os.Getenv("CREDO_LOAD_ARGS"))...)
	p := startProc(t, args...)
	pid := p.cmd.Process.Pid
	var peakRSS, peakHeap atomic.Int64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for i := 0; ; i++ {
			if r := status(pid, "VmRSS"); r > peakRSS.Load() {
				peakRSS.Store(r)
			}
			if i%4 == 0 {
				if h := heapInuse(p.url); h > peakHeap.Load() {
					peakHeap.Store(h)
				}
			}
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	start := time.Now()
	var busy, failed atomic.Int64
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(c), 7))
			hc := h2c() // one connection per client, reused across retries
			defer hc.CloseIdleConnections()
			cl := credov1connect.NewCredoServiceClient(hc, p.url, connect.WithGRPC())
			for {
				sum, err := streamFile(cl, in, outFmt)
				if connect.CodeOf(err) == connect.CodeResourceExhausted {
					busy.Add(1)
					time.Sleep(time.Second + time.Duration(rng.IntN(1000))*time.Millisecond) // Retry-After: 1, with jitter
					continue
				}
				if err != nil {
					t.Errorf("client %d: %v", c, err)
					failed.Add(1)
				} else if sum != want {
					t.Errorf("client %d: answer differs from credo assign", c)
					failed.Add(1)
				}
				return
			}
		}(c)
	}
	wg.Wait()
	close(stop)
	<-sampled
	el := time.Since(start)
	hwm := status(pid, "VmHWM")
	t.Logf("%d clients × %d MB JSONL (%d groups of 8 × 256 tokens; answer %s), server flags %q: %s, %.1f MB/s, %d refused with RESOURCE_EXHAUSTED and retried, %d failed; server peak RSS %.0f MiB (VmHWM; sampled %.0f MiB), peak Go heap in use %.0f MiB (sampled)",
		clients, mb, groups, outFmt, strings.Join(args[2:], " "), el.Round(time.Second), float64(clients*mb)/el.Seconds(), busy.Load(), failed.Load(), float64(hwm)/(1<<20), float64(peakRSS.Load())/(1<<20), float64(peakHeap.Load())/(1<<20))
	if clients > conc && busy.Load() == 0 {
		t.Errorf("%d clients on --max-concurrent %d: no request was refused; the concurrency limit did not act", clients, conc)
	}
	if maxRSS > 0 && hwm > maxRSS<<20 {
		t.Errorf("server peak RSS %.0f MiB exceeds CREDO_LOAD_MAX_RSS_MB=%d", float64(hwm)/(1<<20), maxRSS)
	}
}

// heapInuse reads go_memstats_heap_inuse_bytes from the server's /metrics
// (0 when it cannot).
func heapInuse(url string) int64 {
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "go_memstats_heap_inuse_bytes "); ok {
			f, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return int64(f)
		}
	}
	return 0
}

// streamFile sends a file through AssignStream in 4 MB chunks and returns
// the SHA-256 of the answer's body.
func streamFile(cl credov1connect.CredoServiceClient, path, outFmt string) ([32]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return [32]byte{}, err
	}
	defer f.Close()
	st := cl.AssignStream(context.Background())
	buf := make([]byte, 4<<20)
	first := true
	for {
		n, err := io.ReadFull(f, buf)
		if n > 0 {
			m := &credov1.AssignRequest{Body: &credov1.Body{Data: buf[:n]}}
			if first {
				m.Method, m.OutFormat, first = "verl.grpo", outFmt, false
			}
			if serr := st.Send(m); serr != nil {
				break // the answer says why
			}
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return [32]byte{}, err
		}
	}
	resp, err := st.CloseAndReceive()
	if err != nil {
		return [32]byte{}, err
	}
	return sha256.Sum256(resp.Msg.Body.Data), nil
}

// writeBatch writes GRPO records (groups of 8 responses of 256 tokens with
// 0/1 outcomes and an extra field) up to size bytes; it returns the groups.
func writeBatch(t *testing.T, path string, size int64) int {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	rng := rand.New(rand.NewPCG(3, 4))
	var n int64
	g := 0
	for ; n < size; g++ {
		for i := 0; i < 8; i++ {
			var b strings.Builder
			fmt.Fprintf(&b, `{"uid":"g%d","traj_uid":"g%d/%d","rewards":{"outcome":%d},"prompt":"question %d","responses":[`, g, g, i, rng.IntN(2), g)
			for k := 0; k < 256; k++ {
				if k > 0 {
					b.WriteByte(',')
				}
				b.WriteString(strconv.Itoa(rng.IntN(150000)))
			}
			b.WriteString("]}\n")
			w.WriteString(b.String())
			n += int64(b.Len())
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return g
}
