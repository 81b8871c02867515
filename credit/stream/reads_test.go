package stream

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/format"
)

// Every credit method, on the example rollouts converted to Parquet, gives
// the same output bytes (or the same error) from Parquet to Parquet when
// the reader decodes only the arrays the method declares it reads
// (credit.Method.ArraysRead, parquet.Reader.Needs) as when it decodes
// every array.
func TestParquetDeclaredReadsSameBytes(t *testing.T) {
	examples, _ := filepath.Glob("../../examples/*.jsonl")
	if len(examples) < 5 {
		t.Fatalf("examples: %v", examples)
	}
	dir := t.TempDir()
	defer func() { readDeclared = true }()
	runs, same := 0, 0
	for _, ex := range examples {
		b, err := format.ReadAll(ex)
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range b.Trajectories {
			tr.Source = nil
		}
		in := filepath.Join(dir, filepath.Base(ex)+".parquet")
		writeBatch(t, in, b)
		for _, m := range credit.All() {
			if m.GoAPI != "" {
				continue
			}
			var outs [2][]byte
			var errs [2]string
			for i, declared := range []bool{false, true} {
				readDeclared = declared
				out := filepath.Join(dir, "out.parquet")
				if _, err := Assign(m, nil, nil, in, out); err != nil {
					errs[i] = err.Error()
					continue
				}
				if outs[i], err = os.ReadFile(out); err != nil {
					t.Fatal(err)
				}
				os.Remove(out)
			}
			runs++
			if errs[0] != errs[1] || !bytes.Equal(outs[0], outs[1]) {
				t.Errorf("%s on %s: reading only the declared arrays changes the output (errors %q, %q; %d, %d bytes)",
					m.Name, filepath.Base(ex), errs[0], errs[1], len(outs[0]), len(outs[1]))
			}
			if errs[0] == "" {
				same++
			}
		}
	}
	if same < 100 {
		t.Errorf("only %d of %d runs succeeded: the examples do not exercise the methods", same, runs)
	}
}
