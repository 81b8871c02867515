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
