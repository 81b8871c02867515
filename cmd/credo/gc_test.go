package main

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"testing"
)

func TestFileGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))

	// Set by the user: left alone.
	t.Setenv("GOGC", "50")
	fileGC()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("with GOGC set in the environment: GC percent %d, want 100 (unchanged)", got)
	}

	os.Unsetenv("GOGC") // restored by t.Setenv's clean-up
	t.Setenv("GOMEMLIMIT", "")
	os.Unsetenv("GOMEMLIMIT")
	total := memTotal()
	if runtime.GOOS == "linux" && total <= 0 {
		t.Fatalf("memTotal() = %d on Linux, want the machine's memory", total)
	}
	fileGC()
	gc, lim := debug.SetGCPercent(100), debug.SetMemoryLimit(-1)
	if total > 0 && (gc != 400 || lim != total/2) {
		t.Errorf("fileGC: GC percent %d, limit %d; want 400 and %d (half of %d)", gc, lim, total/2, total)
	}
	if total <= 0 && (gc != 100 || lim != math.MaxInt64) {
		t.Errorf("fileGC without the memory size: GC percent %d, limit %d; want both unchanged", gc, lim)
	}
}
