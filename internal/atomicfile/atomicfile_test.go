package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestCommitAndAbort(t *testing.T) {
	dir := t.TempDir()
	dest := filepath.Join(dir, "out.jsonl")
	f, err := Create(dest)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("partial")
	f.Abort()
	if _, err := os.Stat(dest); !os.IsNotExist(err) {
		t.Fatalf("aborted write left %s", dest)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("aborted write left %d files", len(ents))
	}
	f, _ = Create(dest)
	f.WriteString("whole")
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	f.Abort()
	b, err := os.ReadFile(dest)
	if err != nil || string(b) != "whole" {
		t.Fatalf("got %q, %v", b, err)
	}
}

func TestWriteFile(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "a.json")
	if err := WriteFile(dest, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(dest)
	if err != nil || string(b) != "{}" {
		t.Fatalf("got %q, %v", b, err)
	}
	if st, _ := os.Stat(dest); st.Mode().Perm() != 0o644 {
		t.Fatalf("mode %v", st.Mode())
	}
}
