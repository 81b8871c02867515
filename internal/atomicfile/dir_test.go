package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckDir(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "plain")
	os.WriteFile(file, nil, 0o644)
	for _, c := range []struct{ dest, dir, want string }{
		{filepath.Join(dir, "missing", "out.jsonl"), filepath.Join(dir, "missing"), "does not exist"},
		{filepath.Join(file, "out.jsonl"), file, "is not a directory"},
		{dir, filepath.Dir(dir), "is a directory"},
	} {
		err := CheckDir(c.dest)
		var de *DirError
		if !errors.As(err, &de) || de.Dir != c.dir || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.dir) {
			t.Errorf("CheckDir(%s) = %v, want a DirError naming %s: %s", c.dest, err, c.dir, c.want)
		}
		if _, err := Create(c.dest); !errors.As(err, &de) {
			t.Errorf("Create(%s) = %v, want a DirError", c.dest, err)
		}
	}
	if err := CheckDir(filepath.Join(dir, "ok.jsonl")); err != nil {
		t.Errorf("writable directory: %v", err)
	}
	ro := filepath.Join(dir, "ro")
	os.Mkdir(ro, 0o555)
	if os.Geteuid() == 0 {
		t.Log("running as root: a 0555 directory is writable, that case is skipped")
		return
	}
	if err := CheckDir(filepath.Join(ro, "out.jsonl")); err == nil || !strings.Contains(err.Error(), "not writable") {
		t.Errorf("read-only directory: %v", err)
	}
}
