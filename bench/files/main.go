// Command files measures credo on files: it generates a JSONL rollout file
// of realistic records (bench.WriteRollouts), converts it to Parquet, and
// times `credo validate`, `credo assign --method verl.grpo` and
// `credo convert` on each format with GOMAXPROCS=1 and =2, next to
// `wc -l` and `cat > /dev/null` on the same file in the same run. It prints
// a Markdown table of MB/s of input (file size / wall time) and peak memory
// (max RSS). It is a benchmark command, not a test:
//
//	go build -o bin/credo ./cmd/credo
//	go run ./bench/files -size 1GB            # the docs/benchmarks.md table
//	go run ./bench/files -size 50MB -runs 1   # a quick check
//
// Wall-clock numbers depend on what else runs on the machine: the command
// prints the load average before and after.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/credo-rl/credo/bench"
)

func parseSize(s string) (int64, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, x := range []struct {
		suf string
		m   int64
	}{{"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"G", 1e9}, {"M", 1e6}, {"K", 1e3}} {
		if strings.HasSuffix(u, x.suf) {
			mult, u = x.m, strings.TrimSuffix(u, x.suf)
			break
		}
	}
	f, err := strconv.ParseFloat(u, 64)
	if err != nil || f <= 0 {
		return 0, fmt.Errorf("size %q: want a positive number with an optional KB, MB or GB suffix", s)
	}
	return int64(f * float64(mult)), nil
}

type result struct {
	wall, cpu time.Duration
	rssMiB    float64
}

// run runs the command runs times and keeps the fastest run (and the
// largest RSS).
func run(runs int, env []string, name string, args ...string) (result, error) {
	var best result
	for i := range runs {
		cmd := exec.Command(name, args...)
		cmd.Env = append(os.Environ(), env...)
		cmd.Stdout = nil
		var stderr strings.Builder
		cmd.Stderr = &stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			return best, fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
		}
		d := time.Since(start)
		rss := 0.0
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			rss = float64(ru.Maxrss) / 1024
		}
		cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		if i == 0 || d < best.wall {
			best.wall = d
		}
		if i == 0 || cpu < best.cpu {
			best.cpu = cpu
		}
		best.rssMiB = max(best.rssMiB, rss)
	}
	return best, nil
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

func main() {
	sizeFlag := flag.String("size", "1GB", "size of the generated JSONL file (e.g. 1GB, 50MB)")
	dir := flag.String("dir", "", "directory for the files (default: a new temporary directory, removed at the end)")
	credo := flag.String("credo", "bin/credo", "the credo binary to measure")
	runs := flag.Int("runs", 1, "runs of each command; the fastest is reported")
	tokens := flag.Int("tokens", 1000, "mean response length in tokens")
	flag.Parse()
	size, err := parseSize(*sizeFlag)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if _, err := os.Stat(*credo); err != nil {
		fmt.Fprintf(os.Stderr, "%v: build it first with go build -o bin/credo ./cmd/credo\n", err)
		os.Exit(2)
	}
	d := *dir
	if d == "" {
		if d, err = os.MkdirTemp("", "credo-bench-files-"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer os.RemoveAll(d)
	}
	if err := measure(d, *credo, size, *runs, *tokens); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(d)
		os.Exit(1)
	}
}

func measure(d, credo string, size int64, runs, tokens int) error {
	jl := filepath.Join(d, "rollouts.jsonl")
	pq := filepath.Join(d, "rollouts.parquet")
	f, err := os.Create(jl)
	if err != nil {
		return err
	}
	t0 := time.Now()
	n, err := bench.WriteRollouts(f, size, tokens, 8, 1)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	fmt.Printf("generated %s: %d records in %v\n", jl, n, time.Since(t0).Round(time.Millisecond))
	if _, err := run(1, nil, credo, "convert", jl, pq); err != nil {
		return err
	}
	fmt.Printf("machine: %s, %d CPUs (runtime.NumCPU), %s; load average before: %s\n", runtime.GOOS+"/"+runtime.GOARCH, runtime.NumCPU(), cpuName(), loadavg())
	type row struct {
		what, file string
		procs      string
		r          result
	}
	var rows []row
	for _, in := range []string{jl, pq} {
		ext := filepath.Ext(in)
		other := map[string]string{".jsonl": ".parquet", ".parquet": ".jsonl"}[ext]
		base := []struct {
			what string
			name string
			args []string
		}{
			{"wc -l", "wc", []string{"-l", in}},
			{"cat > /dev/null", "sh", []string{"-c", "cat " + in + " > /dev/null"}},
			{"cp (read + write the bytes)", "cp", []string{in, filepath.Join(d, "copy"+ext)}},
		}
		for _, b := range base {
			r, err := run(runs, nil, b.name, b.args...)
			if err != nil {
				return err
			}
			rows = append(rows, row{b.what, ext, "", r})
			os.Remove(filepath.Join(d, "copy"+ext))
		}
		for _, procs := range []string{"1", "2"} {
			env := []string{"GOMAXPROCS=" + procs}
			cmds := []struct {
				what string
				args []string
			}{
				{"credo validate", []string{"validate", in}},
				{"credo assign verl.grpo → " + ext, []string{"assign", "-q", "--method", "verl.grpo", "--in", in, "--out", filepath.Join(d, "out"+ext)}},
				{"credo convert → " + other, []string{"convert", in, filepath.Join(d, "conv"+other)}},
			}
			for _, c := range cmds {
				r, err := run(runs, env, credo, c.args...)
				if err != nil {
					return err
				}
				rows = append(rows, row{c.what, ext, procs, r})
				os.Remove(filepath.Join(d, "out"+ext))
				os.Remove(filepath.Join(d, "conv"+other))
			}
		}
	}
	fmt.Printf("load average after: %s\n\n", loadavg())
	sizes := map[string]int64{}
	for _, p := range []string{jl, pq} {
		st, err := os.Stat(p)
		if err != nil {
			return err
		}
		sizes[filepath.Ext(p)] = st.Size()
	}
	fmt.Printf("| input | command | GOMAXPROCS | wall (s) | MB/s of input | CPU (s) | MB per CPU-s | max RSS (MiB) |\n|---|---|---|---|---|---|---|---|\n")
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].file < rows[j].file })
	for _, r := range rows {
		mb := float64(sizes[r.file]) / 1e6
		procs := r.procs
		if procs == "" {
			procs = "–"
		}
		fmt.Printf("| %s (%.0f MB) | %s | %s | %.2f | %.0f | %.2f | %.0f | %.0f |\n", r.file, mb, r.what, procs, r.r.wall.Seconds(), mb/r.r.wall.Seconds(),
			r.r.cpu.Seconds(), mb/r.r.cpu.Seconds(), r.r.rssMiB)
	}
	return nil
}

func cpuName() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "?"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}
