package lm

import (
	"fmt"
	"testing"
)

// TestBatchMatchesCache: forked decoding gives exactly (bit for bit) the
// log-probs of stepping cloned caches, with sequences dropped midway, and
// leaves the forked cache usable.
func TestBatchMatchesCache(t *testing.T) {
	m := tiny(t)
	m.Cfg.MaxT = 10
	c := m.NewCache()
	if _, err := c.Feed([]int{0, 3, 5}); err != nil {
		t.Fatal(err)
	}
	conts := [][]int{{1, 6, 2, 2}, {4, 4, 0, 1}, {2, 5, 6, 3}}
	ref := make([][][]float64, len(conts))
	for i, seq := range conts {
		cl := c.Clone()
		for _, tk := range seq {
			lp, err := cl.Step(tk)
			if err != nil {
				t.Fatal(err)
			}
			ref[i] = append(ref[i], lp)
		}
	}
	b := c.Fork(len(conts))
	live := []int{0, 1, 2}
	for step := range 4 {
		if step == 2 { // drop sequence 1
			if err := b.Keep([]bool{true, false, true}); err != nil {
				t.Fatal(err)
			}
			live = []int{0, 2}
		}
		toks := make([]int, len(live))
		for r, i := range live {
			toks[r] = conts[i][step]
		}
		lps, err := b.Step(toks)
		if err != nil {
			t.Fatal(err)
		}
		if b.Len() != 3+step+1 || b.Size() != len(live) {
			t.Fatalf("step %d: Len %d Size %d", step, b.Len(), b.Size())
		}
		for r, i := range live {
			for v := range lps[r] {
				if lps[r][v] != ref[i][step][v] {
					t.Fatalf("sequence %d step %d token %d: batch %v, cache %v", i, step, v, lps[r][v], ref[i][step][v])
				}
			}
		}
	}
	// the forked cache is untouched and still steps like a fresh clone
	lp, err := c.Step(1)
	if err != nil {
		t.Fatal(err)
	}
	for v := range lp {
		if lp[v] != ref[0][0][v] {
			t.Fatalf("cache after fork: token %d %v, want %v", v, lp[v], ref[0][0][v])
		}
	}
	if _, err := b.Step([]int{1}); err == nil {
		t.Error("a step with the wrong number of tokens did not fail")
	}
	if err := b.Keep([]bool{true}); err == nil {
		t.Error("Keep with the wrong number of flags did not fail")
	}
	if _, err := b.Step([]int{1, 9}); err == nil {
		t.Error("a token outside the vocabulary did not fail")
	}
	for b.Len() < m.Cfg.MaxT {
		if _, err := b.Step([]int{1, 1}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Step([]int{1, 1}); err == nil {
		t.Error("stepping past MaxT did not fail")
	}
}

// BenchmarkRollouts decodes 16 continuations of 40 tokens after a
// 100-token context at the full lab size: cloned caches against one
// forked batch.
func BenchmarkRollouts(b *testing.B) {
	cf := Config{Vocab: CharVocab, D: 64, Heads: 4, Layers: 3, MaxT: 160}
	m, _ := New(cf, 1)
	c := m.NewCache()
	for i := range 100 {
		if _, err := c.Step(2 + i%90); err != nil {
			b.Fatal(err)
		}
	}
	const n, steps = 16, 40
	b.Run("clone", func(b *testing.B) {
		for range b.N {
			for range n {
				cl := c.Clone()
				for s := range steps {
					if _, err := cl.Step(3 + s); err != nil {
						b.Fatal(err)
					}
				}
			}
		}
	})
	b.Run(fmt.Sprintf("fork%d", n), func(b *testing.B) {
		toks := make([]int, n)
		for range b.N {
			bt := c.Fork(n)
			for s := range steps {
				for i := range toks {
					toks[i] = 3 + s
				}
				if _, err := bt.Step(toks); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
