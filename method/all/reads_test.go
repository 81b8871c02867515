package all

import (
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/internal/rolloutgen"
	"github.com/credo-rl/credo/rollout"
)

// readCase is one run of a method for the reads test: its values, a seed
// and a batch shape.
type readCase struct {
	label string
	v     credit.Values
	seed  uint64
	cfg   rolloutgen.Config
	// noOutcome removes the outcome reward channel where token-level
	// rewards are given: methods then take the outcome from them.
	noOutcome bool
	// noSteps removes the steps: methods that fall back on other inputs.
	noSteps bool
}

// readCases are the runs of TestEveryMethodSucceeds and
// TestEveryOptionSucceeds: the defaults on every batch shape, and every
// alternative choice or flipped boolean.
func readCases(t *testing.T, m *credit.Method) []readCase {
	var out []readCase
	names := make([]string, 0, len(genConfigs))
	for n := range genConfigs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for seed := uint64(1); seed <= 2; seed++ {
			out = append(out, readCase{label: fmt.Sprintf("%s/%d", n, seed), v: m.Defaults(), seed: seed, cfg: genConfigs[n]})
		}
	}
	for seed := uint64(1); seed <= 2; seed++ {
		out = append(out, readCase{label: fmt.Sprintf("token rewards without outcome/%d", seed), v: m.Defaults(), seed: seed, cfg: genConfigs["token rewards"], noOutcome: true})
		for _, n := range []string{"tree", "token rewards"} {
			out = append(out, readCase{label: fmt.Sprintf("%s without steps/%d", n, seed), v: m.Defaults(), seed: seed, cfg: genConfigs[n], noSteps: true})
		}
	}
	for _, p := range m.Params {
		var alts []string
		switch p.Kind {
		case credit.Bool:
			alts = []string{fmt.Sprint(!p.Default.(bool))}
		case credit.String:
			for _, c := range p.Choices {
				if c != p.Default {
					alts = append(alts, c)
				}
			}
		}
		for _, a := range alts {
			set := p.Name + "=" + a
			v, err := m.Parse(append([]string{set}, optionNeeds[m.Name+"/"+set]...))
			if err != nil {
				t.Fatalf("%s: %v", m.Name, err)
			}
			for _, n := range []string{"tree", "token rewards"} {
				out = append(out, readCase{label: set + "/" + n, v: v, seed: 1, cfg: genConfigs[n]})
			}
			out = append(out, readCase{label: set + "/token rewards without outcome", v: v, seed: 1, cfg: genConfigs["token rewards"], noOutcome: true})
		}
	}
	return out
}

// poisonArrays replaces the arrays a of every trajectory of b: with other
// values of the same length (absent false: token ids, mask flipped 0/1,
// log-probs, rewards, values, ..., tags flipped), or by nothing (absent
// true; the token ids are never removed, their number is always read).
func poisonArrays(b *rollout.Batch, a credit.Arrays, absent bool, rng *rand.Rand) {
	other := func(xs []float64, f func() float64) []float64 {
		if xs == nil || absent {
			return nil
		}
		out := make([]float64, len(xs))
		for i := range out {
			out[i] = f()
		}
		return out
	}
	logp := func() float64 { return -0.02 - 2.9*rng.Float64() }
	unit := func() float64 { return 0.1 + 0.8*rng.Float64() }
	signed := func() float64 { return rng.NormFloat64() }
	for _, t := range b.Trajectories {
		if a&credit.ReadsTokenIDs != 0 && !absent {
			t.Tokens = append([]int64(nil), t.Tokens...)
			for i := range t.Tokens {
				t.Tokens[i] = 1000 + int64(rng.IntN(1000))
			}
		}
		if a&credit.ReadsMask != 0 {
			if absent {
				t.Mask = nil
			} else if t.Mask != nil {
				m := make([]float64, len(t.Mask))
				for i, x := range t.Mask {
					m[i] = 1
					if x != 0 {
						m[i] = 0
					}
				}
				t.Mask = m
			}
		}
		for _, f := range []struct {
			bit credit.Arrays
			p   *[]float64
			gen func() float64
		}{
			{credit.ReadsOldLogProbs, &t.OldLogProbs, logp}, {credit.ReadsRolloutLogProbs, &t.RolloutLogProbs, logp},
			{credit.ReadsRefLogProbs, &t.RefLogProbs, logp}, {credit.ReadsTokenRewards, &t.TokenRewards, signed},
			{credit.ReadsValues, &t.Values, unit}, {credit.ReadsAdvantages, &t.Advantages, signed},
			{credit.ReadsReturns, &t.Returns, signed}, {credit.ReadsLossWeights, &t.LossWeights, unit},
		} {
			if a&f.bit != 0 {
				*f.p = other(*f.p, f.gen)
			}
		}
		for _, f := range []struct {
			bit credit.Arrays
			m   *map[string][]float64
			gen func() float64
		}{{credit.ReadsLogProbs, &t.LogProbs, logp}, {credit.ReadsTokenScores, &t.Scores, unit}} {
			if a&f.bit == 0 || *f.m == nil {
				continue
			}
			if absent {
				*f.m = nil
				continue
			}
			out := map[string][]float64{}
			for k, xs := range *f.m {
				out[k] = other(xs, f.gen)
			}
			*f.m = out
		}
		if a&credit.ReadsTokenTags != 0 && t.Tags != nil {
			if absent {
				t.Tags = nil
			} else {
				out := map[string][]int8{}
				for k, xs := range t.Tags {
					ys := make([]int8, len(xs))
					for i, x := range xs {
						ys[i] = 1 - x
					}
					out[k] = ys
				}
				t.Tags = out
			}
		}
	}
}

// fillAbsent gives every trajectory the per-token float arrays that
// rolloutgen leaves out (rollout log-probs and the input advantages,
// returns and loss weights), so that their poisoning is a change too.
func fillAbsent(b *rollout.Batch, rng *rand.Rand) {
	for _, t := range b.Trajectories {
		for _, p := range []*[]float64{&t.RolloutLogProbs, &t.Advantages, &t.Returns, &t.LossWeights} {
			if *p == nil {
				*p = make([]float64, t.Len())
				for i := range *p {
					(*p)[i] = 0.1 + 0.8*rng.Float64()
				}
			}
		}
	}
}

// runReads runs m on a copy of b with the arrays a poisoned (or removed)
// and returns its outputs per trajectory, or the error.
func runReads(m *credit.Method, v credit.Values, b *rollout.Batch, a credit.Arrays, absent bool, seed uint64) ([]map[string][]float64, error) {
	c := rolloutgen.Clone(b)
	if a != 0 {
		poisonArrays(c, a, absent, rand.New(rand.NewPCG(seed, 7)))
	}
	if err := m.Assign(c, v); err != nil {
		return nil, err
	}
	out := make([]map[string][]float64, len(c.Trajectories))
	for i, t := range c.Trajectories {
		out[i] = outputsOf(m, v, t)
		for _, k := range []string{"advantages", "returns", "loss_weights"} {
			if !slicesHas(m.Outputs, k) {
				delete(out[i], k) // the input's, passed through
			}
		}
	}
	return out, nil
}

// readsBase is the batch of a case with every array present, or the batch
// as generated when the method refuses the extra arrays.
func readsBase(m *credit.Method, c readCase) (*rollout.Batch, []map[string][]float64, error) {
	orig, err := rolloutgen.Batch(c.seed, m, c.v, c.cfg)
	if err != nil {
		return nil, nil, err
	}
	if c.noSteps {
		for _, t := range orig.Trajectories {
			t.Steps = nil
		}
	}
	if c.noOutcome {
		channel := rollout.DefaultReward
		if credit.Reward.Has(c.v) {
			channel = credit.Reward.Get(c.v)
		}
		for _, t := range orig.Trajectories {
			if t.TokenRewards != nil {
				delete(t.Rewards, channel)
			}
		}
	}
	full := rolloutgen.Clone(orig)
	fillAbsent(full, rand.New(rand.NewPCG(c.seed, 3)))
	if out, err := runReads(m, c.v, full, 0, false, c.seed); err == nil {
		return full, out, nil
	}
	out, err := runReads(m, c.v, orig, 0, false, c.seed)
	return orig, out, err
}

// TestDeclaredReads verifies every method's declaration of the per-token
// arrays it reads (credit.Method.Reads, ArraysRead), which lets a reader
// leave the others undecoded (credo assign from Parquet to Parquet): on
// every case of the success tests, the method's credit is the same when
// every array it does not declare holds other values (same lengths, token
// ids included), and when they are removed. A method whose credit changes
// reads an array it does not declare. Every credit method must declare.
//
// CREDO_DISCOVER_READS=1 prints, for every method, the arrays whose
// poisoning alone changes its credit on these cases (a starting point for
// a declaration, to be checked against the code).
func TestDeclaredReads(t *testing.T) {
	discover := os.Getenv("CREDO_DISCOVER_READS") != ""
	for _, m := range creditMethods() {
		t.Run(m.Name, func(t *testing.T) {
			var found credit.Arrays
			for _, c := range readCases(t, m) {
				base, want, err := readsBase(m, c)
				if err != nil {
					continue // the success tests report it
				}
				if discover {
					for k := range 13 {
						bit := credit.Arrays(1) << k
						for _, absent := range []bool{false, true} {
							if got, err := runReads(m, c.v, base, bit, absent, c.seed); err != nil || !reflect.DeepEqual(got, want) {
								found |= bit
							}
						}
					}
					continue
				}
				reads := m.ArraysRead(c.v)
				if reads == credit.AllArrays {
					t.Fatalf("%s: no declaration of the per-token arrays it reads (credit.Method.Reads)", c.label)
				}
				for _, absent := range []bool{false, true} {
					got, err := runReads(m, c.v, base, credit.AllArrays&^reads, absent, c.seed)
					what := map[bool]string{false: "hold other values", true: "are removed"}[absent]
					if err != nil {
						t.Fatalf("%s: declares it reads only %s, but fails when the others %s: %v", c.label, reads, what, err)
					}
					for i := range want {
						if !reflect.DeepEqual(got[i], want[i]) {
							t.Fatalf("%s: declares it reads only %s, but its credit changes when the others %s (trajectory %d):\n got  %v\n want %v",
								c.label, reads, what, i, got[i], want[i])
						}
					}
				}
			}
			if discover {
				fmt.Printf("READS %-40s %s\n", m.Name, strings.Join(found.Names(), " "))
			}
		})
	}
}
