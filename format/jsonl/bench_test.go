package jsonl_test

import (
	"bytes"
	"io"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/credo-rl/credo/bench"
	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/format/jsonl"
	_ "github.com/credo-rl/credo/method/ref" // verl.grpo
	"github.com/credo-rl/credo/rollout"
)

// The benchmarks read a 64 MB file of realistic records (bench.WriteRollouts:
// 8 responses per prompt, about 1000 tokens each) from memory and report
// MB/s of input. Run them on one and on two cores:
//
//	go test -run '^$' -bench . -cpu 1,2 ./format/jsonl/
var input = sync.OnceValue(func() []byte {
	var b bytes.Buffer
	if _, err := bench.WriteRollouts(&b, 64<<20, 1000, 8, 1); err != nil {
		panic(err)
	}
	return b.Bytes()
})

// cpuTime is the CPU time (user + system, all threads) of the process.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// perCPU reports MB of input per CPU-second next to the wall-clock MB/s:
// on a machine shared with other processes the wall clock measures the
// share the benchmark got, the CPU time what the code costs.
func perCPU(b *testing.B, n int, start time.Duration) {
	b.ReportMetric(float64(n)*float64(b.N)/1e6/(cpuTime()-start).Seconds(), "MB/cpu-s")
}

func BenchmarkRead(b *testing.B) {
	in := input()
	b.SetBytes(int64(len(in)))
	defer perCPU(b, len(in), cpuTime())
	for b.Loop() {
		r := jsonl.NewReader(bytes.NewReader(in), "bench.jsonl")
		for {
			if _, err := r.Next(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkWriteUnchanged(b *testing.B) {
	in := input()
	batch, err := jsonl.ReadAll(bytes.NewReader(in), "bench.jsonl")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(in)))
	defer perCPU(b, len(in), cpuTime())
	for b.Loop() {
		w := jsonl.NewWriter(io.Discard)
		for _, t := range batch.Trajectories {
			if err := w.Write(t); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteCanonical(b *testing.B) {
	in := input()
	batch, err := jsonl.ReadAll(bytes.NewReader(in), "bench.jsonl")
	if err != nil {
		b.Fatal(err)
	}
	for _, t := range batch.Trajectories {
		t.ClearSource()
	}
	b.SetBytes(int64(len(in)))
	defer perCPU(b, len(in), cpuTime())
	for b.Loop() {
		w := jsonl.NewWriter(io.Discard)
		for _, t := range batch.Trajectories {
			if err := w.Write(t); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAssign is the file path of `credo assign --method verl.grpo`
// without the disk: read, assign group by group (groups are contiguous in
// this file), write. Target: 200 MB/s on one core, 1.6× that on two.
func BenchmarkAssign(b *testing.B) {
	in := input()
	m, err := credit.Lookup("verl.grpo")
	if err != nil {
		b.Fatal(err)
	}
	v := m.Defaults()
	b.SetBytes(int64(len(in)))
	defer perCPU(b, len(in), cpuTime())
	for b.Loop() {
		r := jsonl.NewReader(bytes.NewReader(in), "bench.jsonl")
		w := jsonl.NewWriter(io.Discard)
		var group []*rollout.Trajectory
		flush := func() {
			if len(group) == 0 {
				return
			}
			if err := m.Assign(&rollout.Batch{Trajectories: group}, v); err != nil {
				b.Fatal(err)
			}
			for _, t := range group {
				if err := w.Write(t); err != nil {
					b.Fatal(err)
				}
			}
			group = nil
		}
		for {
			t, err := r.Next()
			if err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
			if len(group) > 0 && group[0].Group != t.Group {
				flush()
			}
			group = append(group, t)
		}
		flush()
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
	}
}
