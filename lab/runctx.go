package lab

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/sync/errgroup"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/lab/env"
	"github.com/credo-rl/credo/lab/internal/toyenv"
)

// runCtx is one experiment's run: its seeds, size mode, random streams,
// worker pool and progress bar.
type runCtx struct {
	exp   Experiment
	opt   Options
	seeds []uint64
	quick bool

	mu  sync.Mutex
	bar *progressbar.ProgressBar
}

func newRunCtx(e Experiment, opt Options, seeds []uint64) *runCtx {
	return &runCtx{exp: e, opt: opt, seeds: seeds, quick: opt.Quick}
}

// total announces the number of work units (progress bar length).
func (x *runCtx) total(n int) {
	if x.opt.Progress == nil {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.bar = progressbar.NewOptions(n,
		progressbar.OptionSetWriter(x.opt.Progress),
		progressbar.OptionSetDescription(fmt.Sprintf("%-18s", x.exp.Name)),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(x.opt.Progress) }),
	)
}

// tick advances the progress bar by n units.
func (x *runCtx) tick(n int) {
	if x.bar == nil {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	_ = x.bar.Add(n)
}

func (x *runCtx) done() {
	if x.bar == nil {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	_ = x.bar.Finish()
}

// pick returns quick in quick mode and full otherwise.
func (x *runCtx) pick(quick, full int) int {
	if x.quick {
		return quick
	}
	return full
}

// rng is a PCG stream determined by the seed and the labels.
func (x *runCtx) rng(seed uint64, labels ...string) *rand.Rand {
	return rand.New(rand.NewPCG(seed, streamID(append([]string{x.exp.Name}, labels...)...)))
}

func streamID(labels ...string) uint64 {
	h := fnv.New64a()
	for _, l := range labels {
		h.Write([]byte(l))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// parallel runs f(0..n-1) on at most Workers goroutines (errgroup with a
// limit); f must write its result by index so that the outcome does not
// depend on scheduling and equals a serial run's. Indices start in
// order, so when one fails every lower index has started and runs to its
// end; no higher index starts after the failure. The error of the lowest
// failed index is returned, as a serial loop would report it, or ctx's
// error when it was cancelled.
func (x *runCtx) parallel(ctx context.Context, n int, f func(i int) error) error {
	w := x.opt.Workers
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

// newEnv builds a lab environment by name. The toy environments of the
// lab's own tests ("toy_corridor", "toy_nim") are always available.
func newEnv(name string, seed uint64) (env.Env, error) {
	switch name {
	case "toy_corridor":
		return toyenv.NewCorridor(), nil
	case "toy_nim":
		return toyenv.NewNim(), nil
	}
	return builtinEnv(name, seed)
}

// registeredMethods lists the credit registry at run time.
func registeredMethods() []string {
	var out []string
	for _, m := range credit.All() {
		out = append(out, m.Name)
	}
	sort.Strings(out)
	return out
}
