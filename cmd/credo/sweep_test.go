package main

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// stripSeconds parses a results.json and removes its wall times.
func stripSeconds(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep map[string]any
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	delete(rep, "seconds")
	for _, r := range rep["results"].([]any) {
		delete(r.(map[string]any), "seconds")
	}
	s, _ := json.Marshal(rep)
	return string(s)
}

// TestLabSweepCLI: `credo lab sweep` with its embedded NATS server and a
// `credo lab worker` writes the results.json of `credo lab run`.
func TestLabSweepCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a lab experiment twice")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	exp := []string{"tree_decisive", "--quick", "--seeds", "1"}
	code, _, stderr := credo(t, append([]string{"lab", "run", "-q", "--out", filepath.Join(dir, "run")}, exp...)...)
	if code != 0 {
		t.Fatalf("lab run: exit %d: %s", code, stderr)
	}
	type res struct {
		code           int
		stdout, stderr string
	}
	worker := make(chan res, 1)
	go func() {
		code, o, e := credo(t, "lab", "worker", "--nats", "nats://"+addr, "--id", "w1")
		worker <- res{code, o, e}
	}()
	code, stdout, stderr := credo(t, append([]string{"lab", "sweep", "--procs", "0", "--listen", addr, "--out", filepath.Join(dir, "sweep")}, exp...)...)
	if code != 0 {
		t.Fatalf("lab sweep: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "1 experiment(s)") || !strings.Contains(stderr, "embedded NATS JetStream at nats://"+addr) {
		t.Errorf("lab sweep: stdout %q, stderr %q", stdout, stderr)
	}
	w := <-worker
	if w.code != 0 || !strings.Contains(w.stderr, "lab worker w1: sweep over; 1 experiment(s) run") {
		t.Errorf("lab worker: exit %d, stderr %q", w.code, w.stderr)
	}
	if a, b := stripSeconds(t, filepath.Join(dir, "run", "results.json")), stripSeconds(t, filepath.Join(dir, "sweep", "results.json")); a != b {
		t.Errorf("results.json of lab sweep differs from lab run's")
	}
}

// TestLabSweepUsage: bad arguments are usage errors (exit 2).
func TestLabSweepUsage(t *testing.T) {
	for _, args := range [][]string{
		{"lab", "sweep"},
		{"lab", "sweep", "no_such_experiment"},
		{"lab", "sweep", "tree_decisive", "--procs", "-1"},
		{"lab", "worker"},
	} {
		if code, _, stderr := credo(t, args...); code != 2 {
			t.Errorf("%v: exit %d (%s), want 2", args, code, stderr)
		}
	}
}
