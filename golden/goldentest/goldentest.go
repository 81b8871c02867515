package goldentest

import (
	"path/filepath"
	"runtime"
	"testing"

	"github.com/credo-rl/credo/golden"
)

// Dir is the repository's copy of the golden vectors.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "golden")
}

// Check runs the named golden files (e.g. "verl.grpo.json") from the
// repository's testdata/golden, one subtest per case.
func Check(t *testing.T, files ...string) {
	t.Helper()
	for _, name := range files {
		t.Run(name, func(t *testing.T) {
			r := golden.RunFile(filepath.Join(Dir(), name))
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			if !r.Known {
				t.Fatalf("estimator %s is not registered", r.Estimator)
			}
			if len(r.Cases) == 0 {
				t.Fatal("no cases")
			}
			for _, c := range r.Cases {
				t.Run(c.Name, func(t *testing.T) {
					if !c.Pass {
						for _, p := range c.Problems {
							t.Error(p)
						}
					}
				})
			}
		})
	}
}
