package stream

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/format"
)

func lookup(t *testing.T, name string, sets ...string) (*credit.Method, credit.Values) {
	t.Helper()
	m, err := credit.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	v, err := m.Parse(sets)
	if err != nil {
		t.Fatal(err)
	}
	return m, v
}

func mustFail(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", want)
	}
	if !errors.Is(err, ErrInput) {
		t.Errorf("error %v is not marked as bad input (exit 2)", err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}

// epsilon=0 on a group whose rewards are all equal gives 0/0: the run must
// stop naming the method, the parameters, the group and the line, and write
// nothing.
func TestNaNCreditIsRefused(t *testing.T) {
	for _, out := range []string{"out.jsonl", "out.parquet"} {
		dir := t.TempDir()
		in := filepath.Join(dir, "in.jsonl")
		writeLines(t, in, []string{
			`{"uid":"a","traj_uid":"1","responses":[1],"rewards":{"outcome":1}}`,
			`{"uid":"a","traj_uid":"2","responses":[1],"rewards":{"outcome":0}}`,
			`{"uid":"b","traj_uid":"3","responses":[1],"rewards":{"outcome":1}}`,
			`{"uid":"b","traj_uid":"4","responses":[1],"rewards":{"outcome":1}}`,
		})
		m, v := lookup(t, "verl.grpo", "epsilon=0")
		o := filepath.Join(dir, out)
		_, err := Assign(m, v, nil, in, o)
		mustFail(t, err, "verl.grpo", "epsilon=0", `group uid "b"`, "line 3", "NaN")
		if _, serr := os.Stat(o); serr == nil {
			t.Errorf("%s was written", out)
		}
	}
}

// Rewards of ±1e308 overflow the group variance (Inf), which would make
// every advantage 0 without a word.
func TestRewardOverflowIsRefused(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.jsonl")
	writeLines(t, in, []string{
		`{"uid":"a","traj_uid":"1","responses":[1],"rewards":{"outcome":1e308}}`,
		`{"uid":"a","traj_uid":"2","responses":[1],"rewards":{"outcome":-1e308}}`,
	})
	m, v := lookup(t, "verl.grpo")
	_, err := Assign(m, v, nil, in, filepath.Join(dir, "out.jsonl"))
	mustFail(t, err, "rewards.outcome", "overflow", `group uid "a"`, "line 1")
}

// A missing input is reported at the record's line, not at its index in
// its group.
func TestMethodErrorsNameTheLine(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.jsonl")
	writeLines(t, in, []string{
		`{"uid":"a","traj_uid":"1","responses":[1],"rewards":{"outcome":1}}`,
		``,
		`{"uid":"b","traj_uid":"2","responses":[1],"rewards":{"outcome":1}}`,
		`{"uid":"b","traj_uid":"3","responses":[1],"rewards":{"other":1}}`,
	})
	m, v := lookup(t, "verl.grpo")
	_, err := Assign(m, v, nil, in, filepath.Join(dir, "out.jsonl"))
	mustFail(t, err, "line 4", `traj_uid "3"`, `group uid "b" (lines 3-4)`)
	if strings.Contains(err.Error(), "trajectory 1") {
		t.Errorf("error %q gives an index within the group", err)
	}
}

// Parent links that form a cycle are rejected, naming the lines.
func TestParentCycleIsRefused(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.jsonl")
	writeLines(t, in, []string{
		`{"uid":"a","traj_uid":"r","responses":[1,2],"rewards":{"outcome":1}}`,
		`{"uid":"a","traj_uid":"x","responses":[1,2],"rewards":{"outcome":0},"parent":{"traj_uid":"y","token":1}}`,
		`{"uid":"a","traj_uid":"y","responses":[1,2],"rewards":{"outcome":1},"parent":{"traj_uid":"x","token":1}}`,
	})
	if _, _, err := Scan(in); err == nil || !strings.Contains(err.Error(), "cycle: line 2 -> line 3 -> line 2") {
		t.Fatalf("Scan: %v, want a cycle through lines 2 and 3", err)
	}
	m, v := lookup(t, "verl.grpo")
	_, err := Assign(m, v, nil, in, filepath.Join(dir, "out.jsonl"))
	mustFail(t, err, "cycle")
}

// The output and the state are committed together: when the state cannot
// be written, the old output is left as it was (and no new one appears).
func TestStateWriteFailureKeepsOldOutput(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.jsonl")
	writeLines(t, in, statefulRecords(2, false, 0))
	out := filepath.Join(dir, "out.jsonl")
	if err := os.WriteFile(out, []byte("old output\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ro := filepath.Join(dir, "d")
	if err := os.Mkdir(ro, 0o755); err != nil {
		t.Fatal(err)
	}
	m, v := lookup(t, "trust_grpo")
	_, err := Run(Job{Method: m, Values: v, State: credit.NewState(), StatePath: filepath.Join(dir, "missing", "state.json"), In: in, Out: out})
	if err == nil {
		t.Fatal("state in a missing directory: no error")
	}
	if b, _ := os.ReadFile(out); string(b) != "old output\n" {
		t.Fatalf("output was replaced although the state could not be written: %.60q", b)
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".*"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	// A state path that is a directory is refused before anything is written.
	_, err = Run(Job{Method: m, Values: v, State: credit.NewState(), StatePath: ro, In: in, Out: out})
	if err == nil {
		t.Fatal("state path is a directory: no error")
	}
	if b, _ := os.ReadFile(out); string(b) != "old output\n" {
		t.Fatal("output was replaced although the state path is a directory")
	}
}

// runWithin fails the test instead of hanging when f does not return.
func runWithin(t *testing.T, d time.Duration, f func() error) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		t.Fatalf("did not return within %v (hangs on a FIFO)", d)
		return nil
	}
}

// feedFIFO makes a named pipe and writes lines into it from a goroutine.
func feedFIFO(t *testing.T, dir string, lines []string) string {
	t.Helper()
	p := filepath.Join(dir, "in.jsonl")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	go func() {
		f, err := os.OpenFile(p, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer f.Close()
		f.WriteString(strings.Join(lines, "\n") + "\n")
	}()
	return p
}

// A FIFO is read once: contiguous groups stream through it, a group spread
// over it is refused with a message that says why, and nothing hangs.
func TestFIFOInput(t *testing.T) {
	m, v := lookup(t, "verl.grpo")
	dir := t.TempDir()
	in := feedFIFO(t, dir, []string{
		`{"uid":"a","traj_uid":"1","responses":[1],"rewards":{"outcome":1}}`,
		`{"uid":"a","traj_uid":"2","responses":[1],"rewards":{"outcome":0}}`,
		`{"uid":"b","traj_uid":"3","responses":[1],"rewards":{"outcome":1}}`,
	})
	out := filepath.Join(dir, "out.jsonl")
	err := runWithin(t, 20*time.Second, func() error {
		st, err := Assign(m, v, nil, in, out)
		if err == nil && (st.Trajectories != 3 || st.Mode != "one pass") {
			return fmt.Errorf("stats %+v", st)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := format.ReadAll(out); err != nil || len(b.Trajectories) != 3 || b.Trajectories[0].Advantages[0] <= 0 {
		t.Fatalf("output %v %v", b, err)
	}

	dir = t.TempDir()
	in = feedFIFO(t, dir, []string{
		`{"uid":"a","traj_uid":"1","responses":[1],"rewards":{"outcome":1}}`,
		`{"uid":"b","traj_uid":"2","responses":[1],"rewards":{"outcome":0}}`,
		`{"uid":"a","traj_uid":"3","responses":[1],"rewards":{"outcome":1}}`,
	})
	err = runWithin(t, 20*time.Second, func() error {
		_, err := Assign(m, v, nil, in, filepath.Join(dir, "out.jsonl"))
		return err
	})
	mustFail(t, err, `group uid "a" starts at line 1 and appears again at line 3`, "pipe cannot", "sort it by uid")

	// A batch-scope method reads the FIFO once, into memory.
	dir = t.TempDir()
	in = feedFIFO(t, dir, []string{
		`{"uid":"a","traj_uid":"1","responses":[1,2],"rewards":{"outcome":1}}`,
		`{"uid":"b","traj_uid":"2","responses":[1],"rewards":{"outcome":0}}`,
	})
	mb, vb := lookup(t, "verl.reinforce_plus_plus")
	err = runWithin(t, 20*time.Second, func() error {
		_, err := Assign(mb, vb, nil, in, filepath.Join(dir, "out.jsonl"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Errors raised inside a method that name a trajectory by its index in the
// group are rewritten to its input line.
func TestMethodErrorIndexRewrittenToLine(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.jsonl")
	writeLines(t, in, []string{
		`{"uid":"a","traj_uid":"1","responses":[1],"rewards":{"outcome":1}}`,
		`{"uid":"b","traj_uid":"2","responses":[1,2],"rewards":{"outcome":1}}`,
		`{"uid":"b","traj_uid":"x\"y","responses":[1,2],"response_mask":[0,0],"rewards":{"outcome":1}}`,
	})
	m, v := lookup(t, "verl.grpo")
	_, err := Assign(m, v, nil, in, filepath.Join(dir, "out.jsonl"))
	mustFail(t, err, `line 3 (traj_uid "x\"y")`)
	if strings.Contains(err.Error(), "trajectory 1") {
		t.Errorf("error %q gives an index within the group", err)
	}
}

// A group that fails on its first part (a lone record that rloo cannot
// score) but reappears later is not judged on that part: on a pipe the
// refusal says the group is spread over the input.
func TestPartialGroupErrorHeldUntilEnd(t *testing.T) {
	m, v := lookup(t, "openrlhf.compute_advantages_and_returns", "estimator=rloo")
	lines := []string{
		`{"uid":"a","traj_uid":"1","responses":[1],"rewards":{"outcome":1}}`,
		`{"uid":"b","traj_uid":"2","responses":[1],"rewards":{"outcome":0}}`,
		`{"uid":"b","traj_uid":"3","responses":[1],"rewards":{"outcome":1}}`,
		`{"uid":"a","traj_uid":"4","responses":[1],"rewards":{"outcome":0}}`,
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "in.jsonl")
	writeLines(t, in, lines)
	if _, err := Assign(m, v, nil, in, filepath.Join(dir, "out.jsonl")); err != nil {
		t.Fatalf("regular file: %v", err)
	}
	// Group a's first part has equal rewards: with epsilon=0 it alone would
	// give 0/0; the whole group would not.
	lines = []string{
		`{"uid":"a","traj_uid":"1","responses":[1],"rewards":{"outcome":1}}`,
		`{"uid":"a","traj_uid":"2","responses":[1],"rewards":{"outcome":1}}`,
		`{"uid":"b","traj_uid":"3","responses":[1],"rewards":{"outcome":0}}`,
		`{"uid":"b","traj_uid":"4","responses":[1],"rewards":{"outcome":1}}`,
		`{"uid":"a","traj_uid":"5","responses":[1],"rewards":{"outcome":0}}`,
	}
	mg, vg := lookup(t, "verl.grpo", "epsilon=0")
	dir = t.TempDir()
	in = filepath.Join(dir, "in.jsonl")
	writeLines(t, in, lines)
	if _, err := Assign(mg, vg, nil, in, filepath.Join(dir, "out.jsonl")); err != nil {
		t.Fatalf("regular file: %v", err)
	}
	dir = t.TempDir()
	in = feedFIFO(t, dir, lines)
	err := runWithin(t, 20*time.Second, func() error {
		_, err := Assign(mg, vg, nil, in, filepath.Join(dir, "out.jsonl"))
		return err
	})
	mustFail(t, err, "appears again at line 5", "pipe")
	if strings.Contains(err.Error(), "NaN") {
		t.Errorf("error %q judges group a on its first part", err)
	}
}

// nonFinite finds the first NaN or ±Inf at every position (the 4-wide loop
// and its tail) and nothing in finite values, the largest and the
// subnormal ones included.
func TestNonFinite(t *testing.T) {
	finite := []float64{0, math.Copysign(0, -1), 1, -1, math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64, 1e-310, 0.5}
	if k := nonFinite(finite); k != -1 {
		t.Fatalf("finite values: %d", k)
	}
	for n := 1; n <= 11; n++ {
		for at := 0; at < n; at++ {
			for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
				xs := make([]float64, n)
				for i := range xs {
					xs[i] = finite[i%len(finite)]
				}
				xs[at] = bad
				if n > at+1 {
					xs[n-1] = math.Inf(1) // a later one must not be reported first
				}
				if k := nonFinite(xs); k != at {
					t.Errorf("n=%d, %v at %d: got %d", n, bad, at, k)
				}
			}
		}
	}
}
