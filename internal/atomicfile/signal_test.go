//go:build unix

package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestHelperProcess is not a test: run by the tests below as a child
// process, it opens an output in $ATOMICFILE_DIR, writes to it, says "ready"
// and waits to be killed.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv("ATOMICFILE_DIR")
	if dir == "" {
		t.Skip("helper process")
	}
	f, err := Create(filepath.Join(dir, "out.jsonl"))
	if err != nil {
		fmt.Println("error", err)
		os.Exit(3)
	}
	f.WriteString("partial output")
	g, err := Temp(dir, "spool-*")
	if err != nil {
		fmt.Println("error", err)
		os.Exit(3)
	}
	g.WriteString("scratch")
	fmt.Println("ready")
	time.Sleep(30 * time.Second)
	os.Exit(4)
}

// child starts the helper process writing into dir and waits until its
// temporary files exist.
func child(t *testing.T, dir string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), "ATOMICFILE_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(out).ReadString('\n')
		line <- s
	}()
	select {
	case s := <-line:
		if strings.TrimSpace(s) != "ready" {
			cmd.Process.Kill()
			t.Fatalf("helper said %q", s)
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("helper did not start within 20s")
	}
	return cmd
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var s []string
	for _, e := range ents {
		s = append(s, e.Name())
	}
	return s
}

// waitExit waits at most 20s for cmd and returns its exit code.
func waitExit(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if err == nil {
			return 0
		}
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		t.Fatal(err)
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("helper did not exit within 20s of the signal")
	}
	return -1
}

func TestSignalRemovesTemporaries(t *testing.T) {
	for _, c := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGTERM, 143}, {syscall.SIGINT, 130}} {
		t.Run(c.sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			cmd := child(t, dir)
			if n := names(t, dir); len(n) != 2 {
				t.Fatalf("before the signal the directory holds %v, want the output's and the scratch temporary", n)
			}
			cmd.Process.Signal(c.sig)
			if code := waitExit(t, cmd); code != c.code {
				t.Errorf("exit code %d after %v, want %d", code, c.sig, c.code)
			}
			if n := names(t, dir); len(n) != 0 {
				t.Errorf("left behind after %v: %v", c.sig, n)
			}
		})
	}
}

// TestStaleTemporariesOfKilledRun: SIGKILL cannot be caught, so the
// temporary file stays; the next Create of the same destination removes
// it, but not the temporary of a live process or of another destination.
func TestStaleTemporariesOfKilledRun(t *testing.T) {
	dir := t.TempDir()
	cmd := child(t, dir)
	cmd.Process.Kill()
	waitExit(t, cmd)
	left := names(t, dir)
	var stale string
	for _, n := range left {
		if strings.HasPrefix(n, ".out.jsonl.credo-tmp-") {
			stale = n
		}
	}
	if stale == "" {
		t.Fatalf("kill -9 left %v, want a .out.jsonl.credo-tmp-<pid>-* file", left)
	}
	live := fmt.Sprintf(".out.jsonl.credo-tmp-%d-abc", os.Getppid())
	other := fmt.Sprintf(".other.jsonl.credo-tmp-%d-abc", cmd.Process.Pid)
	for _, n := range []string{live, other} {
		os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o600)
	}
	f, err := Create(filepath.Join(dir, "out.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort()
	have := map[string]bool{}
	for _, n := range names(t, dir) {
		have[n] = true
	}
	if have[stale] {
		t.Errorf("stale temporary %s of the killed run was not removed", stale)
	}
	if !have[live] {
		t.Errorf("temporary %s of a live process was removed", live)
	}
	if !have[other] {
		t.Errorf("temporary %s of another destination was removed", other)
	}
}

func TestModes(t *testing.T) {
	old := syscall.Umask(0o027)
	defer syscall.Umask(old)
	dir := t.TempDir()
	mode := func(p string) os.FileMode {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return st.Mode().Perm()
	}
	// New file: 0666 less the umask 027 = 0640.
	a := filepath.Join(dir, "a.jsonl")
	f, err := Create(a)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if m := mode(a); m != 0o640 {
		t.Errorf("new file mode %v, want 0640 (0666 less umask 027)", m)
	}
	// Replaced files keep their mode, even bits the umask would clear.
	for _, m := range []os.FileMode{0o600, 0o755, 0o664} {
		b := filepath.Join(dir, fmt.Sprintf("b%o.jsonl", m))
		os.WriteFile(b, []byte("old"), 0o600)
		os.Chmod(b, m)
		if err := WriteFile(b, []byte("new"), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := mode(b); got != m {
			t.Errorf("replaced file mode %v, want its old mode %v", got, m)
		}
	}
}
