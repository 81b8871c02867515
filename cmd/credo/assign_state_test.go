package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// assign --state: output and state are committed together. A state file
// that cannot be written (its directory is missing, or the path is a
// directory) leaves the old output in place, and the exit code is not 0.
func TestAssignStateCommittedWithOutput(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.jsonl")
	recs := []string{
		`{"uid":"a","traj_uid":"1","responses":[1],"rewards":{"outcome":1,"thinking":0.5}}`,
		`{"uid":"a","traj_uid":"2","responses":[1],"rewards":{"outcome":0,"thinking":0.2}}`,
	}
	if err := os.WriteFile(in, []byte(strings.Join(recs, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.jsonl")
	if err := os.WriteFile(out, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	isDir := filepath.Join(dir, "d")
	if err := os.Mkdir(isDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, state := range []string{filepath.Join(dir, "missing", "state.json"), isDir} {
		code, _, stderr := credo(t, "assign", "--method", "trust_grpo", "--in", in, "--out", out, "--state", state, "-q")
		if code == 0 {
			t.Fatalf("--state %s: exit 0 although the state could not be written", state)
		}
		if b, _ := os.ReadFile(out); string(b) != "old\n" {
			t.Fatalf("--state %s: a new output was left beside the old state (stderr %s)", state, stderr)
		}
	}
}
