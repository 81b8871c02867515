package all

import (
	"io"
	"testing"

	"github.com/credo-rl/credo/golden"
	"github.com/credo-rl/credo/golden/goldentest"
)

// TestEveryGoldenFile runs the whole directory of reference vectors, as
// `credo conformance testdata/golden` does: every file's estimator must be
// known and every case must pass.
func TestEveryGoldenFile(t *testing.T) {
	s, err := golden.RunDir(goldentest.Dir(), io.Discard, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Files) != 42 {
		t.Errorf("%d golden files, want 42", len(s.Files))
	}
	for _, f := range s.Files {
		if f.Err != nil || !f.Known || f.Failed() > 0 {
			t.Errorf("%s: known=%v, %d/%d passed, err=%v", f.Path, f.Known, f.Passed(), len(f.Cases), f.Err)
		}
	}
	if !s.OK() || s.Passed != 570 {
		t.Fatalf("%d passed, %d failed; want 570 passed", s.Passed, s.Failed)
	}
}
