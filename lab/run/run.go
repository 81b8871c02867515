package run

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/sync/errgroup"

	"github.com/credo-rl/credo/lab/env"
	"github.com/credo-rl/credo/lab/internal/toyenv"
)

// Ctx is one experiment's run: its seeds, size mode, random streams,
// worker pool and progress bar.
type Ctx struct {
	// Name is the experiment's name; it labels every random stream.
	Name  string
	Seeds []uint64
	// Quick selects the small budgets (see Pick).
	Quick bool
	// Workers bounds parallelism (0 = GOMAXPROCS).
	Workers int
	// Progress receives a progress bar (nil = silent).
	Progress io.Writer

	mu  sync.Mutex
	bar *progressbar.ProgressBar
}

// Total announces the number of work units (progress bar length).
func (x *Ctx) Total(n int) {
	if x.Progress == nil {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.bar = progressbar.NewOptions(n,
		progressbar.OptionSetWriter(x.Progress),
		progressbar.OptionSetDescription(fmt.Sprintf("%-18s", x.Name)),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(x.Progress) }),
	)
}

// Tick advances the progress bar by n units.
func (x *Ctx) Tick(n int) {
	if x.bar == nil {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	_ = x.bar.Add(n)
}

// Done finishes the progress bar.
func (x *Ctx) Done() {
	if x.bar == nil {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	_ = x.bar.Finish()
}

// Pick returns quick in quick mode and full otherwise.
func (x *Ctx) Pick(quick, full int) int {
	if x.Quick {
		return quick
	}
	return full
}

// Rng is a PCG stream determined by the seed, the experiment's name and
// the labels.
func (x *Ctx) Rng(seed uint64, labels ...string) *rand.Rand {
	return rand.New(rand.NewPCG(seed, StreamID(append([]string{x.Name}, labels...)...)))
}

// StreamID is the FNV-1a hash of the labels (each followed by a zero
// byte): the stream number of a PCG generator named by the labels.
func StreamID(labels ...string) uint64 {
	h := fnv.New64a()
	for _, l := range labels {
		h.Write([]byte(l))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// Parallel runs f(0..n-1) on at most Workers goroutines (errgroup with a
// limit); f must write its result by index so that the outcome does not
// depend on scheduling and equals a serial run's. Indices start in
// order, so when one fails every lower index has started and runs to its
// end; no higher index starts after the failure. The error of the lowest
// failed index is returned, as a serial loop would report it, or ctx's
// error when it was cancelled.
func (x *Ctx) Parallel(ctx context.Context, n int, f func(i int) error) error {
	w := x.Workers
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	errs := make([]error, n)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(w)
	for i := 0; i < n; i++ {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			errs[i] = f(i)
			return errs[i]
		})
	}
	werr := g.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	if werr != nil {
		return werr
	}
	return ctx.Err()
}

// NewEnv builds a lab environment by name (lab/env's registry). The toy
// environments of the lab's own tests ("toy_corridor", "toy_nim") are
// always available.
func NewEnv(name string, seed uint64) (env.Env, error) {
	switch name {
	case "toy_corridor":
		return toyenv.NewCorridor(), nil
	case "toy_nim":
		return toyenv.NewNim(), nil
	}
	return env.New(name, seed)
}
