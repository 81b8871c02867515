package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/credo-rl/credo/format"
	"github.com/credo-rl/credo/rollout"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// credoBin builds the credo binary once per test run.
func credoBin(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "credo-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "credo")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = errors.New(string(out))
		}
	})
	if binErr != nil {
		t.Fatalf("go build: %v", binErr)
	}
	return binPath
}

// exitCode runs cmd and returns its exit code.
func exitCode(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0
}

func writeLines(t *testing.T, path string, lines ...string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestOutputDirectoryIsUsageError: a missing output directory (or a file
// where a directory should be) stops assign and convert with exit 2
// naming the directory, before any work and without touching anything.
func TestOutputDirectoryIsUsageError(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "no", "such")
	plain := filepath.Join(dir, "plain")
	os.WriteFile(plain, nil, 0o644)
	for _, c := range []struct {
		args []string
		dir  string
	}{
		{[]string{"assign", "--method", "verl.grpo", "--in", "../../examples/grpo.jsonl", "--out", filepath.Join(missing, "o.jsonl")}, missing},
		{[]string{"assign", "--method", "verl.grpo", "--in", "../../examples/grpo.jsonl", "--out", filepath.Join(plain, "o.jsonl")}, plain},
		{[]string{"assign", "--method", "knapsack.grpo", "--state", filepath.Join(missing, "s.json"), "--in", "../../examples/grpo.jsonl", "--out", filepath.Join(dir, "o.jsonl")}, missing},
		{[]string{"convert", "../../examples/grpo.jsonl", filepath.Join(missing, "o.parquet")}, missing},
	} {
		code, _, stderr := credo(t, c.args...)
		if code != 2 || !strings.Contains(stderr, "output directory "+c.dir) {
			t.Errorf("%v: exit %d, stderr %q; want 2 naming %s", c.args, code, stderr, c.dir)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("files were written: %v", ents)
	}
}

// TestConvertValidateCoordinates: convert and validate locate errors by
// file line (JSONL) or row (Parquet) and field, like assign.
func TestConvertValidateCoordinates(t *testing.T) {
	dir := t.TempDir()
	rec := func(id, parent string) string {
		s := `{"uid":"g","traj_uid":"` + id + `","responses":[1,2],"rewards":{"outcome":1}`
		if parent != "" {
			s += `,"parent":{"traj_uid":"` + parent + `","token":1}`
		}
		return s + "}"
	}
	cases := []struct{ name, body, want string }{
		{"dup", rec("a", "") + "\n\n" + rec("a", ""), `line 3: field traj_uid: duplicate id "a", also at line 1`},
		{"parent", rec("a", "") + "\n" + rec("b", "zz"), `line 2: field parent.traj_uid: unknown trajectory "zz"`},
		{"cycle", rec("a", "b") + "\n" + rec("b", "a"), `line 1: field parent.traj_uid: parent links form a cycle`},
		{"ragged", rec("a", "") + "\n" + `{"uid":"g","responses":[1,2],"response_mask":[1]}`, "line 2: field response_mask: has 1 values, want 2"},
	}
	for _, c := range cases {
		in := filepath.Join(dir, c.name+".jsonl")
		writeLines(t, in, c.body)
		for _, args := range [][]string{{"validate", in}, {"convert", in, filepath.Join(dir, c.name+".parquet")}} {
			code, _, stderr := credo(t, args...)
			if code != 2 || !strings.Contains(stderr, in+": "+c.want) {
				t.Errorf("%s %s: exit %d, stderr %q; want 2 and %q", args[0], c.name, code, stderr, in+": "+c.want)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, c.name+".parquet")); err == nil {
			t.Errorf("convert %s wrote its output", c.name)
		}
	}
	// Parquet: the duplicate is located by row.
	pq := filepath.Join(dir, "dup.parquet")
	o, err := format.CreateWith(pq, format.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range []string{"a", "b", "a"} {
		o.Write(&rollout.Trajectory{ID: id, Group: "g", Tokens: []int64{int64(i)}})
	}
	if err := o.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"validate", pq}, {"convert", pq, filepath.Join(dir, "x.jsonl")}} {
		code, _, stderr := credo(t, args...)
		if want := pq + `: row 3: field traj_uid: duplicate id "a", also at row 1`; code != 2 || !strings.Contains(stderr, want) {
			t.Errorf("%s: exit %d, stderr %q; want %q", args[0], code, stderr, want)
		}
	}
}

// TestCompressedFiles: assign, convert and validate read and write .gz and
// .zst, with the kind from the inner extension.
func TestCompressedFiles(t *testing.T) {
	dir := t.TempDir()
	gz := filepath.Join(dir, "grpo.jsonl.gz")
	if code, _, stderr := credo(t, "convert", "../../examples/grpo.jsonl", gz); code != 0 {
		t.Fatalf("convert: %s", stderr)
	}
	raw, _ := os.ReadFile(gz)
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s is not gzip: %v", gz, err)
	}
	plain, _ := io.ReadAll(zr)
	if bytes.Count(plain, []byte("\n")) != 8 {
		t.Errorf("%s holds %q", gz, plain)
	}
	out := filepath.Join(dir, "credit.parquet.zst")
	if code, _, stderr := credo(t, "assign", "--method", "verl.grpo", "--in", gz, "--out", out); code != 0 {
		t.Fatalf("assign: %s", stderr)
	}
	code, stdout, stderr := credo(t, "validate", out)
	if code != 0 || !strings.Contains(stdout, "ok, 8 trajectories in 2 groups") {
		t.Fatalf("validate %s: %s %s", out, stdout, stderr)
	}
	back := filepath.Join(dir, "back.jsonl")
	credo(t, "convert", out, back)
	trs := readOut(t, back)
	if len(trs) != 8 || len(trs[0].Advantages) != trs[0].Len() {
		t.Errorf("the advantages did not survive .parquet.zst: %d records", len(trs))
	}
}

// TestStdinStdout runs the binary with "-" for input and output.
func TestStdinStdout(t *testing.T) {
	bin := credoBin(t)
	raw, err := os.ReadFile("../../examples/grpo.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	// JSONL through a pipe to Parquet on stdout.
	cmd := exec.Command(bin, "convert", "-", "--out-format", "parquet", "-")
	cmd.Stdin = bytes.NewReader(raw)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if code := exitCode(t, cmd); code != 0 {
		t.Fatalf("convert - -: exit %d: %s", code, errb.String())
	}
	if !bytes.HasPrefix(out.Bytes(), []byte("PAR1")) {
		t.Fatalf("stdout is not Parquet: %.20q", out.Bytes())
	}
	// That Parquet back through stdin, validated.
	cmd = exec.Command(bin, "validate", "--in-format", "parquet", "-")
	cmd.Stdin = bytes.NewReader(out.Bytes())
	o, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(o), "stdin: ok, 8 trajectories in 2 groups") {
		t.Errorf("validate parquet on stdin: %v %s", err, o)
	}
	// A group-scope assign streams a pipe in one pass (its groups are
	// contiguous) and writes the same records as from the file.
	ref := filepath.Join(t.TempDir(), "ref.jsonl")
	if code, _, stderr := credo(t, "assign", "--method", "verl.grpo", "--in", "../../examples/grpo.jsonl", "--out", ref); code != 0 {
		t.Fatalf("assign from the file: %s", stderr)
	}
	want, err := os.ReadFile(ref)
	if err != nil {
		t.Fatal(err)
	}
	cmd = exec.Command(bin, "assign", "--method", "verl.grpo", "--in", "-", "--out", "-")
	cmd.Stdin = bytes.NewReader(raw)
	out.Reset()
	errb.Reset()
	cmd.Stdout, cmd.Stderr = &out, &errb
	if code := exitCode(t, cmd); code != 0 || !bytes.Equal(out.Bytes(), want) {
		t.Errorf("assign from a pipe: exit %d, %s; stdout %d bytes, want the %d bytes of the file run", code, errb.String(), out.Len(), len(want))
	}
	// A group spread over a pipe would need a second read: refused at
	// once, with nothing on stdout, instead of hanging.
	lines := bytes.SplitAfter(bytes.TrimSpace(raw), []byte("\n"))
	var spread []byte
	for i := 0; i < len(lines); i += 2 {
		spread = append(spread, lines[i]...)
	}
	for i := 1; i < len(lines); i += 2 {
		spread = append(spread, lines[i]...)
	}
	cmd = exec.Command(bin, "assign", "--method", "verl.grpo", "--in", "-", "--out", "-")
	cmd.Stdin = bytes.NewReader(spread)
	out.Reset()
	errb.Reset()
	cmd.Stdout, cmd.Stderr = &out, &errb
	if code := exitCode(t, cmd); code != 2 || !strings.Contains(errb.String(), "which a pipe cannot give") || out.Len() != 0 {
		t.Errorf("assign of spread groups from a pipe: exit %d, %s, %d bytes on stdout", code, errb.String(), out.Len())
	}
}

// TestSIGTERMDuringConvert: convert blocks reading a FIFO after creating its
// temporary output; SIGTERM then removes it and exits 143.
func TestSIGTERMDuringConvert(t *testing.T) {
	bin := credoBin(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "in.jsonl")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	outDir := filepath.Join(dir, "out")
	os.Mkdir(outDir, 0o755)
	cmd := exec.Command(bin, "convert", fifo, filepath.Join(outDir, "o.jsonl"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w, err := os.OpenFile(fifo, os.O_WRONLY, 0) // blocks until convert opens it
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.WriteString(`{"uid":"g","responses":[1],"rewards":{"outcome":1}}` + "\n")
	deadline := time.Now().Add(20 * time.Second)
	for {
		ents, _ := os.ReadDir(outDir)
		if len(ents) == 1 && strings.Contains(ents[0].Name(), ".o.jsonl.credo-tmp-") {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no temporary output after 20s: %v", ents)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("convert did not exit within 20s of SIGTERM")
	}
	if code := cmd.ProcessState.ExitCode(); code != 143 {
		t.Errorf("exit code %d after SIGTERM, want 143", code)
	}
	if ents, _ := os.ReadDir(outDir); len(ents) != 0 {
		t.Errorf("left behind: %v", ents)
	}
}

// TestProgressBar: a bar is drawn on stderr when it is a terminal (a
// pseudo-terminal here), never with --quiet or when stderr is a pipe.
func TestProgressBar(t *testing.T) {
	bin := credoBin(t)
	dir := t.TempDir()
	run := func(tty bool, args ...string) string {
		cmd := exec.Command(bin, args...)
		if !tty {
			b, _ := cmd.CombinedOutput()
			return string(b)
		}
		ptmx, tt, err := pty.Open()
		if err != nil {
			t.Skipf("no pseudo-terminal: %v", err)
		}
		defer ptmx.Close()
		cmd.Stderr = tt
		var out bytes.Buffer
		cmd.Stdout = &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		tt.Close()
		b, _ := io.ReadAll(ptmx) // EIO once the child has exited
		cmd.Wait()
		return string(b) + out.String()
	}
	for _, args := range [][]string{
		{"validate", "../../examples/grpo.jsonl"},
		{"convert", "../../examples/grpo.jsonl", filepath.Join(dir, "a.parquet")},
		{"assign", "--method", "verl.grpo", "--in", "../../examples/grpo.jsonl", "--out", filepath.Join(dir, "a.jsonl")},
	} {
		if got := run(true, args...); !strings.Contains(got, " record") || !strings.Contains(got, "\x1b[K") {
			t.Errorf("%s on a terminal: no progress bar in %q", args[0], got)
		}
		if got := run(true, append(args, "--quiet")...); strings.Contains(got, " record") {
			t.Errorf("%s --quiet drew %q", args[0], got)
		}
		if got := run(false, args...); strings.Contains(got, " record") || strings.Contains(got, "\r") {
			t.Errorf("%s drew a bar into a pipe: %q", args[0], got)
		}
	}
}

// TestStaleTemporaryRemovedAtStart: a temporary output left by a killed run
// (its pid no longer exists) is removed when the next run starts, before
// any work, here even though that run then fails on its input.
func TestStaleTemporaryRemovedAtStart(t *testing.T) {
	dir := t.TempDir()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip(err)
	}
	stale := filepath.Join(dir, fmt.Sprintf(".o.jsonl.credo-tmp-%d-0123", dead.Process.Pid))
	os.WriteFile(stale, []byte("3.6 GB of partial output"), 0o600)
	bad := filepath.Join(dir, "bad.jsonl")
	writeLines(t, bad, `{"uid":"g","responses":[1],"response_mask":[1,1]}`)
	if code, _, stderr := credo(t, "assign", "--method", "verl.grpo", "--in", bad, "--out", filepath.Join(dir, "o.jsonl")); code != 2 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale temporary %s of a dead process was not removed", stale)
	}
}

// TestNoBinaryToTerminal: Parquet or compressed data is not written to a
// terminal on stdout (a pseudo-terminal here); JSONL is.
func TestNoBinaryToTerminal(t *testing.T) {
	bin := credoBin(t)
	for _, c := range []struct {
		format string
		code   int
	}{{"parquet", 2}, {"jsonl.gz", 2}, {"jsonl", 0}} {
		ptmx, tt, err := pty.Open()
		if err != nil {
			t.Skipf("no pseudo-terminal: %v", err)
		}
		cmd := exec.Command(bin, "convert", "--out-format", c.format, "../../examples/grpo.jsonl", "-")
		cmd.Stdout = tt
		var errb bytes.Buffer
		cmd.Stderr = &errb
		go io.Copy(io.Discard, ptmx)
		code := exitCode(t, cmd)
		tt.Close()
		ptmx.Close()
		if code != c.code || (c.code == 2 && !strings.Contains(errb.String(), "will not write "+c.format+" to a terminal")) {
			t.Errorf("%s to a terminal: exit %d, %q; want %d", c.format, code, errb.String(), c.code)
		}
	}
}
