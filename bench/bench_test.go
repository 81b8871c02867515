package bench

import (
	"math"
	"runtime"
	"sync"
	"testing"

	"github.com/credo-rl/credo/anchor/verl"
	"github.com/credo-rl/credo/anchor/verlagent"
)

// The benchmark shape (see doc.go and docs/benchmarks.md).
const (
	rows      = 4096
	maxLen    = 2048
	groupSize = 8 // GRPO/RLOO: 512 prompt groups of 8 responses
	steps     = 4 // GiGPO: 4 step rows per trajectory,
	trajs     = 8 // 8 trajectories per prompt group (128 groups of 32 rows)
	seed      = 1
)

var (
	batchOnce sync.Once
	batch     *Batch
	stepOnce  sync.Once
	stepBatch *StepBatch
)

func getBatch() *Batch {
	batchOnce.Do(func() { batch = NewBatch(rows, maxLen, groupSize, seed) })
	return batch
}

func getStepBatch() *StepBatch {
	stepOnce.Do(func() { stepBatch = NewStepBatch(rows, maxLen, steps, trajs, seed) })
	return stepBatch
}

// report adds the valid-token throughput of the timed loop.
func report(b *testing.B, tokens int) {
	b.ReportMetric(float64(tokens)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mtok/s")
}

// mustFinite fails unless every value of out is finite (catches an Into
// function leaving the NaN garbage of Like in place).
func mustFinite(b *testing.B, out [][]float64) {
	for i, r := range out {
		for t, x := range r {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				b.Fatalf("output [%d][%d] = %v", i, t, x)
			}
		}
	}
}

func BenchmarkGRPO(b *testing.B) {
	d := getBatch()
	opt := verl.DefaultGRPOOptions()
	b.Run("Into", func(b *testing.B) {
		adv := Like(d.Rewards)
		var ws verl.Workspace
		// A first call outside the timed loop overwrites the garbage and
		// sizes the workspace, so the timed calls allocate nothing; no
		// garbage collection is left running from the setup.
		if err := verl.GRPOInto(adv, d.Rewards, d.Mask, d.Group, d.NGroups, opt, &ws); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		b.ReportAllocs()
		for b.Loop() {
			if err := verl.GRPOInto(adv, d.Rewards, d.Mask, d.Group, d.NGroups, opt, &ws); err != nil {
				b.Fatal(err)
			}
		}
		report(b, d.Tokens)
		mustFinite(b, adv)
	})
	b.Run("Alloc", func(b *testing.B) {
		warmHeap(b, func() error {
			_, _, err := verl.GRPO(d.Rewards, d.Mask, d.Index, opt)
			return err
		})
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := verl.GRPO(d.Rewards, d.Mask, d.Index, opt); err != nil {
				b.Fatal(err)
			}
		}
		report(b, d.Tokens)
	})
}

func BenchmarkRLOO(b *testing.B) {
	d := getBatch()
	b.Run("Into", func(b *testing.B) {
		adv := Like(d.Rewards)
		var ws verl.Workspace
		// A first call outside the timed loop overwrites the garbage and
		// sizes the workspace, so the timed calls allocate nothing; no
		// garbage collection is left running from the setup.
		if err := verl.RLOOInto(adv, d.Rewards, d.Mask, d.Group, d.NGroups, &ws); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		b.ReportAllocs()
		for b.Loop() {
			if err := verl.RLOOInto(adv, d.Rewards, d.Mask, d.Group, d.NGroups, &ws); err != nil {
				b.Fatal(err)
			}
		}
		report(b, d.Tokens)
		mustFinite(b, adv)
	})
	b.Run("Alloc", func(b *testing.B) {
		warmHeap(b, func() error {
			_, _, err := verl.RLOO(d.Rewards, d.Mask, d.Index)
			return err
		})
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := verl.RLOO(d.Rewards, d.Mask, d.Index); err != nil {
				b.Fatal(err)
			}
		}
		report(b, d.Tokens)
	})
}

func BenchmarkGAE(b *testing.B) {
	d := getBatch()
	const gamma, lam = 1.0, 0.95
	b.Run("Into", func(b *testing.B) {
		adv, ret := Like(d.Rewards), Like(d.Rewards)
		// A first call outside the timed loop overwrites the garbage and
		// sizes the workspace, so the timed calls allocate nothing; no
		// garbage collection is left running from the setup.
		if err := verl.GAEInto(adv, ret, d.Rewards, d.Values, d.Mask, gamma, lam); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		b.ReportAllocs()
		for b.Loop() {
			if err := verl.GAEInto(adv, ret, d.Rewards, d.Values, d.Mask, gamma, lam); err != nil {
				b.Fatal(err)
			}
		}
		report(b, d.Tokens)
		mustFinite(b, adv)
		mustFinite(b, ret)
	})
	b.Run("Alloc", func(b *testing.B) {
		warmHeap(b, func() error {
			_, _, err := verl.GAE(d.Rewards, d.Values, d.Mask, gamma, lam)
			return err
		})
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := verl.GAE(d.Rewards, d.Values, d.Mask, gamma, lam); err != nil {
				b.Fatal(err)
			}
		}
		report(b, d.Tokens)
	})
}

func BenchmarkReinforcePlusPlus(b *testing.B) {
	d := getBatch()
	const gamma = 1.0
	b.Run("Into", func(b *testing.B) {
		adv, ret := Like(d.Rewards), Like(d.Rewards)
		var ws verl.Workspace
		// A first call outside the timed loop overwrites the garbage and
		// sizes the workspace, so the timed calls allocate nothing; no
		// garbage collection is left running from the setup.
		if err := verl.ReinforcePlusPlusInto(adv, ret, d.Rewards, d.Mask, gamma, &ws); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		b.ReportAllocs()
		for b.Loop() {
			if err := verl.ReinforcePlusPlusInto(adv, ret, d.Rewards, d.Mask, gamma, &ws); err != nil {
				b.Fatal(err)
			}
		}
		report(b, d.Tokens)
		mustFinite(b, adv)
		mustFinite(b, ret)
	})
	b.Run("Alloc", func(b *testing.B) {
		warmHeap(b, func() error {
			_, _, err := verl.ReinforcePlusPlus(d.Rewards, d.Mask, gamma)
			return err
		})
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := verl.ReinforcePlusPlus(d.Rewards, d.Mask, gamma); err != nil {
				b.Fatal(err)
			}
		}
		report(b, d.Tokens)
	})
}

// BenchmarkGiGPO measures verl-agent's GiGPO (MeanNorm, the reference
// default) on step rows: GiGPO groups the anchor observations itself
// (hashing ≈ 4096 strings of ≈ 260 bytes); FromGroups takes precomputed
// anchor groups. verlagent has no Into variant, so both allocate their
// output. The step returns are computed once outside the timed loop.
func BenchmarkGiGPO(b *testing.B) {
	d := getStepBatch()
	opt := verlagent.DefaultGiGPOOptions()
	stepRet, err := verlagent.StepDiscountedReturns(d.EnvRewards, d.TrajIndex, 0.95)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Alloc", func(b *testing.B) {
		warmHeap(b, func() error {
			_, err := verlagent.GiGPO(d.Rewards, stepRet, d.Mask, d.AnchorObs, d.Index, d.TrajIndex, opt)
			return err
		})
		b.ReportAllocs()
		for b.Loop() {
			if _, err := verlagent.GiGPO(d.Rewards, stepRet, d.Mask, d.AnchorObs, d.Index, d.TrajIndex, opt); err != nil {
				b.Fatal(err)
			}
		}
		report(b, d.Tokens)
	})
	sg, _, err := verlagent.AnchorGroups(d.AnchorObs, d.Index)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("FromGroups", func(b *testing.B) {
		warmHeap(b, func() error {
			_, err := verlagent.GiGPOFromGroups(d.Rewards, stepRet, d.Mask, d.Index, d.TrajIndex, sg, opt)
			return err
		})
		b.ReportAllocs()
		for b.Loop() {
			if _, err := verlagent.GiGPOFromGroups(d.Rewards, stepRet, d.Mask, d.Index, d.TrajIndex, sg, opt); err != nil {
				b.Fatal(err)
			}
		}
		report(b, d.Tokens)
	})
}

// warmHeap runs an allocating call 3 times and collects garbage before the
// timed loop, so that the timed calls reuse memory the process has already
// touched (steady state of a training loop) instead of faulting in fresh
// pages while the heap grows towards its first GC.
func warmHeap(b *testing.B, call func() error) {
	for range 3 {
		if err := call(); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()
}

var sink float64

// BenchmarkMemory is the memory-bandwidth context: plain loops over one
// []float64 of Tokens values (the size of one batch matrix, ≈ 50 MB).
// Sum reads it (one stream), Copy is the runtime's memmove (read + write,
// non-temporal stores), Scale writes y[t] = 2·x[t] with ordinary stores
// (read + read-for-ownership + write). Mtok/s is values per second; GB/s
// counts the bytes the loop touches (8 for Sum, 16 for Copy and Scale).
func BenchmarkMemory(b *testing.B) {
	n := getBatch().Tokens
	x := make([]float64, n)
	y := make([]float64, n)
	for i := range x {
		x[i] = float64(i & 1023)
		y[i] = 1
	}
	b.Run("Sum", func(b *testing.B) {
		for b.Loop() {
			var s0, s1, s2, s3 float64
			m := len(x) &^ 3
			for t := 0; t < m; t += 4 {
				v := x[t : t+4 : t+4]
				s0 += v[0]
				s1 += v[1]
				s2 += v[2]
				s3 += v[3]
			}
			sink = (s0 + s1) + (s2 + s3)
		}
		report(b, n)
		b.ReportMetric(8*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
	})
	b.Run("Copy", func(b *testing.B) {
		for b.Loop() {
			copy(y, x)
		}
		report(b, n)
		b.ReportMetric(16*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
	})
	b.Run("Scale", func(b *testing.B) {
		for b.Loop() {
			y := y[:len(x)]
			for t, v := range x {
				y[t] = 2 * v
			}
		}
		report(b, n)
		b.ReportMetric(16*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
	})
}
