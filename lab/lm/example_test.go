package lm_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/credo-rl/credo/lab/lm"
)

func Example() {
	var v lm.Vocab
	m, _ := lm.New(lm.Config{Vocab: v.Size(), D: 16, Heads: 2, Layers: 1, MaxT: 32}, 1)
	prompt, _ := v.Encode("2+2=")
	prompt = append([]int{lm.EOS}, prompt...)
	toks, lps, _ := m.Sample(prompt, 3, 1, lm.EOS, rand.New(rand.NewPCG(7, 7)))
	st, _ := m.Score(append(prompt, toks...), len(prompt))
	fmt.Println(len(toks), len(st.LogProb), st.LogProb[0] == lps[0])
	// Output: 3 3 true
}

// Fork decodes several continuations of one prompt in lockstep; each
// sequence's log-probs equal those of stepping its own copy of the cache.
func ExampleCache_Fork() {
	var v lm.Vocab
	m, _ := lm.New(lm.Config{Vocab: v.Size(), D: 16, Heads: 2, Layers: 1, MaxT: 32}, 1)
	prompt, _ := v.Encode("2+2=")
	c := m.NewCache()
	_, _ = c.Feed(append([]int{lm.EOS}, prompt...))
	four, _ := v.Encode("4")
	five, _ := v.Encode("5")
	b := c.Fork(2)
	lps, _ := b.Step([]int{four[0], five[0]})
	alone, _ := c.Clone().Step(five[0])
	fmt.Println(b.Size(), b.Len(), lps[1][lm.EOS] == alone[lm.EOS])
	// Output: 2 6 true
}
