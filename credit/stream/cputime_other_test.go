//go:build !unix

package stream

import "time"

// cpuTime is not measured here: the benchmark reports no CPU metrics.
func cpuTime() time.Duration { return 0 }
