package lmexp_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/credo-rl/credo/lab/lm"
	"github.com/credo-rl/credo/lab/lmexp"
	"github.com/credo-rl/credo/lab/textenv"
)

// ExactTruth: along the canonical chain the per-token advantages telescope
// to reward − V(prompt).
func ExamplePolicy_ExactTruth() {
	ts, _ := textenv.Pool("arithchain", 1, textenv.Config{}, 1)
	p, _ := lmexp.NewPolicy(lm.Config{D: 16, Heads: 2, Layers: 1}, ts, 1)
	cs, _ := p.Group(ts, 0, 1, rand.New(rand.NewPCG(1, 1)))
	tr, _ := p.ExactTruth(ts[0], cs)
	sum := 0.0
	for _, a := range tr[0].A {
		sum += a
	}
	fmt.Printf("%.6f\n", sum-(cs[0].Out.Reward-tr[0].V[0]))
	// Output: 0.000000
}

// PathTruth: the per-token advantages telescope to reward − V(prompt)
// whatever the environment; the standard errors say how well V is known.
func ExamplePolicy_PathTruth() {
	ts, _ := textenv.Pool("countdown", 1, textenv.Config{}, 1)
	p, _ := lmexp.NewPolicy(lm.Config{D: 16, Heads: 2, Layers: 1}, ts, 1)
	cs, _ := p.Group(ts, 0, 1, rand.New(rand.NewPCG(1, 1)))
	tr, st, _ := p.PathTruth(ts, cs, lmexp.TruthOptions{Samples: 8}, rand.New(rand.NewPCG(2, 2)))
	sum := 0.0
	for _, a := range tr[0].A {
		sum += a
	}
	fmt.Printf("%.6f %v\n", sum-(cs[0].Out.Reward-tr[0].V[0]), st.Positions == len(cs[0].Tokens))
	// Output: 0.000000 true
}
