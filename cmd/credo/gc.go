package main

import (
	"os"
	"runtime/debug"
)

// gcPercent is the garbage collector's target (GOGC) that credo runs with
// when the environment does not set GOGC. credo assign allocates the
// per-token arrays of every record it reads (tens of bytes per token) and
// drops them once the record is written, so the live heap stays small
// (about one group and the writer's row group) while the collector runs
// often: with Go's default of 100, collection takes about a tenth of the
// CPU time of Parquet to Parquet. 200 halves the number of collections for
// a peak heap about a third larger (docs/benchmarks.md); GOGC in the
// environment still wins (GOGC=100 restores the default, GOGC=off turns
// collection off).
const gcPercent = 200

func init() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(gcPercent)
	}
}
