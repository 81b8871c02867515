package stream

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/credo-rl/credo/bench"
	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/format"
)

// benchFile is a JSONL rollout file of realistic records (bench.WriteRollouts:
// groups of 8, mean 1000 tokens, fields credo does not know), made once per
// test binary. CREDO_BENCH_MB sets its size (default 64 MiB).
var benchMade bool

var benchFile = sync.OnceValues(func() (string, error) {
	mb := int64(64)
	if s := os.Getenv("CREDO_BENCH_MB"); s != "" {
		var n int64
		for _, c := range s {
			n = 10*n + int64(c-'0')
		}
		mb = n
	}
	benchMade = true
	dir, err := os.MkdirTemp("", "credo-stream-bench-")
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, "rollouts.jsonl")
	f, err := os.Create(p)
	if err != nil {
		return "", err
	}
	if _, err := bench.WriteRollouts(f, mb<<20, 1000, 8, 1); err != nil {
		return "", err
	}
	return p, f.Close()
})

func TestMain(m *testing.M) {
	code := m.Run()
	if benchMade {
		if in, err := benchFile(); err == nil {
			os.RemoveAll(filepath.Dir(in))
		}
	}
	os.Exit(code)
}

// BenchmarkAssignJSONL is the whole path of `credo assign --method verl.grpo
// --in x.jsonl --out y.jsonl`: read, group, assign, check, encode, write
// (b.SetBytes is the input size, so MB/s is of input; cpu-s/op and
// MB/cpu-s count the CPU time of every goroutine). The files are made
// in $TMPDIR: put it on tmpfs to measure credo rather than the disk:
//
//	TMPDIR=/dev/shm go test -run '^$' -bench AssignJSONL -cpu 1,2 ./credit/stream/
func BenchmarkAssignJSONL(b *testing.B) {
	in, err := benchFile()
	if err != nil {
		b.Fatal(err)
	}
	fi, err := os.Stat(in)
	if err != nil {
		b.Fatal(err)
	}
	m, err := credit.Lookup("verl.grpo")
	if err != nil {
		b.Fatal(err)
	}
	out := filepath.Join(b.TempDir(), "out.jsonl")
	b.SetBytes(fi.Size())
	b.ResetTimer()
	cpu0 := cpuTime()
	defer func() {
		// CPU time of the whole process (all goroutines) per run, and the
		// input's MB per CPU-second: on a shared machine the wall clock
		// says little about the cost.
		if cpu := (cpuTime() - cpu0).Seconds() / float64(b.N); cpu > 0 {
			b.ReportMetric(cpu, "cpu-s/op")
			b.ReportMetric(float64(fi.Size())/1e6/cpu, "MB/cpu-s")
		}
	}()
	for range b.N {
		st, err := Run(Job{Method: m, In: in, Out: out})
		if err != nil {
			b.Fatal(err)
		}
		if st.Mode != "one pass" {
			b.Fatalf("mode %q", st.Mode)
		}
	}
}

// benchParquet is benchFile converted to Parquet (as credo convert writes
// it), made once per test binary beside it; CREDO_BENCH_PARQUET names an
// existing Parquet file to use instead (e.g. the file of bench/files).
var benchParquet = sync.OnceValues(func() (string, error) {
	if p := os.Getenv("CREDO_BENCH_PARQUET"); p != "" {
		return p, nil
	}
	in, err := benchFile()
	if err != nil {
		return "", err
	}
	b, err := format.ReadAll(in)
	if err != nil {
		return "", err
	}
	p := filepath.Join(filepath.Dir(in), "rollouts.parquet")
	o, err := format.CreateWith(p, format.Options{})
	if err != nil {
		return "", err
	}
	defer o.Abort()
	for _, t := range b.Trajectories {
		t.Source = nil
		if err := o.Write(t); err != nil {
			return "", err
		}
	}
	if err := o.Close(); err != nil {
		return "", err
	}
	return p, o.Commit()
})

// BenchmarkAssignParquet is the whole path of `credo assign --method
// verl.grpo --in x.parquet --out y.parquet` (and of verl.rloo and Dr.GRPO):
// read, group, assign, check, write, the unchanged columns copied from the
// input (b.SetBytes is the input size; cpu-s/op and MB/cpu-s count the CPU
// time of every goroutine):
//
//	TMPDIR=/dev/shm go test -run '^$' -bench AssignParquet -cpu 1,2 ./credit/stream/
func BenchmarkAssignParquet(b *testing.B) {
	for _, c := range []struct {
		name string
		set  []string
	}{{"verl.grpo", nil}, {"verl.rloo", nil}, {"verl.grpo", []string{"norm_adv_by_std_in_grpo=false"}}} {
		label := c.name
		if c.set != nil {
			label = "drgrpo"
		}
		b.Run(label, func(b *testing.B) {
			in, err := benchParquet()
			if err != nil {
				b.Fatal(err)
			}
			fi, err := os.Stat(in)
			if err != nil {
				b.Fatal(err)
			}
			m, err := credit.Lookup(c.name)
			if err != nil {
				b.Fatal(err)
			}
			v, err := m.Parse(c.set)
			if err != nil {
				b.Fatal(err)
			}
			out := filepath.Join(b.TempDir(), "out.parquet")
			b.SetBytes(fi.Size())
			b.ResetTimer()
			cpu0 := cpuTime()
			defer func() {
				if cpu := (cpuTime() - cpu0).Seconds() / float64(b.N); cpu > 0 {
					b.ReportMetric(cpu, "cpu-s/op")
					b.ReportMetric(float64(fi.Size())/1e6/cpu, "MB/cpu-s")
				}
			}()
			for range b.N {
				st, err := Run(Job{Method: m, Values: v, In: in, Out: out})
				if err != nil {
					b.Fatal(err)
				}
				if st.Mode != "one pass" {
					b.Fatalf("mode %q", st.Mode)
				}
			}
		})
	}
}
