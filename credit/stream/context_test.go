package stream

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/credo-rl/credo/format"
)

// TestContextStopsTheRun: a job whose context ends partway through stops
// with the context's error (not an input error) and leaves no output and
// no temporary file, in every mode of the engine (one pass, groups read
// back by offset and by row, two passes for batch sums, Parquet to
// Parquet, compressed Parquet); a context that never ends changes
// nothing.
func TestContextStopsTheRun(t *testing.T) {
	dir := t.TempDir()
	inputs := map[string]string{}
	for _, c := range []struct {
		name       string
		interleave bool
	}{{"contiguous", false}, {"interleaved", true}} {
		jl := filepath.Join(dir, c.name+".jsonl")
		writeLines(t, jl, mixedRecords(120, c.interleave))
		inputs[c.name+".jsonl"] = jl
		b, err := format.ReadAll(jl)
		if err != nil {
			t.Fatal(err)
		}
		for _, ext := range []string{".parquet", ".parquet.zst"} {
			p := filepath.Join(dir, c.name+ext)
			writeBatch(t, p, b)
			inputs[c.name+ext] = p
		}
	}
	stopped := map[string]bool{}
	for name, in := range inputs {
		for _, method := range []string{"verl.grpo", "verl.gae"} {
			for _, ext := range []string{".jsonl", ".parquet"} {
				m, v := lookup(t, method)
				out := filepath.Join(dir, "out", name+"."+method+ext)
				if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
					t.Fatal(err)
				}
				// the reference: no context
				ref := filepath.Join(dir, "ref"+ext)
				if _, err := Run(Job{Method: m, Values: v, In: in, Out: ref}); err != nil {
					t.Fatalf("%s %s: %v", name, method, err)
				}
				// a context that never ends: the same bytes
				if _, err := Run(Job{Method: m, Values: v, In: in, Out: out, Context: context.Background()}); err != nil {
					t.Fatalf("%s %s with a context: %v", name, method, err)
				}
				a, _ := os.ReadFile(ref)
				b, _ := os.ReadFile(out)
				if string(a) != string(b) {
					t.Errorf("%s %s → %s: a context changed the output", name, method, ext)
				}
				os.Remove(out)
				// cancelled before the start, and after 50 records of the
				// first and of the second read of the input (where there is
				// one: the second pass of batch sums, the read by offset or
				// row of spread groups)
				for _, at := range []struct{ pass, records int }{{1, 0}, {1, 50}, {2, 50}} {
					ctx, cancel := context.WithCancel(context.Background())
					fired := false
					if at.records == 0 {
						cancel()
						fired = true
					}
					stats, err := Run(Job{Method: m, Values: v, In: in, Out: out, Context: ctx,
						Pass: func(pass, passes int) func(int64, int) {
							return func(_ int64, records int) {
								if pass == at.pass && records >= at.records {
									cancel()
									fired = true
								}
							}
						}})
					cancel()
					if !fired {
						if err != nil {
							t.Errorf("%s %s → %s: %v", name, method, ext, err)
						}
						os.Remove(out)
						continue
					}
					stopped[fmt.Sprintf("%s, read %d", stats.Mode, at.pass)] = true
					if !errors.Is(err, context.Canceled) || errors.Is(err, ErrInput) {
						t.Errorf("%s %s → %s, cancelled at %v (%s): error %v, want context.Canceled and no input error", name, method, ext, at, stats.Mode, err)
					}
					left, _ := os.ReadDir(filepath.Dir(out))
					for _, e := range left {
						t.Errorf("%s %s → %s, cancelled at %v: %s left behind", name, method, ext, at, e.Name())
					}
				}
			}
		}
	}
	var modes []string
	for k := range stopped {
		modes = append(modes, k)
	}
	sort.Strings(modes)
	t.Logf("stopped: %v", modes)
	for _, want := range []string{"one pass, read 1", "two passes, read 2", "indexed, read 2"} {
		if !stopped[want] {
			t.Errorf("no run stopped in %q (stopped: %v)", want, modes)
		}
	}
}
