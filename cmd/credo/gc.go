package main

import (
	"bufio"
	"bytes"
	"os"
	"runtime/debug"
	"strconv"
)

// fileGC sets the garbage collector for the file commands (assign,
// convert, validate): GOGC=400 under a soft memory limit of half the
// machine's memory (or of the cgroup's limit, when lower). A streaming run
// holds little (a group, the reader's and writer's buffers), so that the
// default GOGC=100 collects very often for nothing: 400 costs a few MB and
// saves about 5% of the CPU time of `credo assign` on JSONL (measured in
// docs/benchmarks.md). The limit keeps the runs that hold the whole file
// from growing to 5× what they hold: near it the collector works as often
// as it must. Nothing is changed when GOGC or GOMEMLIMIT is set in the
// environment, or when the memory cannot be read (not Linux).
func fileGC() {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	total := memTotal()
	if total <= 0 {
		return
	}
	debug.SetMemoryLimit(total / 2)
	debug.SetGCPercent(400)
}

// memTotal is the memory available to the process in bytes: MemTotal of
// /proc/meminfo, or the cgroup v2 memory.max when lower; 0 when unknown.
func memTotal() int64 {
	var total int64
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			f := bytes.Fields(sc.Bytes())
			if len(f) >= 2 && string(f[0]) == "MemTotal:" {
				if kb, err := strconv.ParseInt(string(f[1]), 10, 64); err == nil {
					total = kb << 10
				}
				break
			}
		}
	}
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if lim, err := strconv.ParseInt(string(bytes.TrimSpace(b)), 10, 64); err == nil && lim > 0 && (total == 0 || lim < total) {
			total = lim
		}
	}
	return total
}
