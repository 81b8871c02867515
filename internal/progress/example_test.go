package progress_test

import (
	"fmt"
	"time"

	"github.com/credo-rl/credo/internal/progress"
)

func ExampleBytes() {
	fmt.Println(progress.Bytes(3_300_000_000), progress.Duration(185*time.Second))
	// Output: 3.30 GB 3m05s
}
