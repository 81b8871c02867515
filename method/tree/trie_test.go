package tree

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

func TestBuildTrieHand(t *testing.T) {
	seqs := [][]int64{{1, 2, 3}, {1, 2, 4, 5}, {1, 2, 3}, {7}, {1, 2}}
	tr := BuildTrie(seqs)
	// Root (0) -> A "1 2" (1, members 0 1 2 4) and "7" (2);
	// A -> "3" (3, members 0 2, both end) and "4 5" (4).
	type nd struct{ parent, start, end, ends, count, min int }
	want := []nd{
		{-1, 0, 0, 0, 5, 0},
		{0, 0, 2, 1, 4, 0},
		{0, 0, 1, 1, 1, 3},
		{1, 2, 3, 2, 2, 0},
		{1, 2, 4, 1, 1, 1},
	}
	if len(tr.Nodes) != len(want) {
		t.Fatalf("%d nodes, want %d: %+v", len(tr.Nodes), len(want), tr.Nodes)
	}
	for x, w := range want {
		n := tr.Nodes[x]
		got := nd{n.Parent, n.Start, n.End, n.Ends, n.Count(), n.Min}
		if got != w {
			t.Errorf("node %d = %+v, want %+v", x, got, w)
		}
	}
	if !reflect.DeepEqual(tr.Leaf, []int{3, 4, 3, 2, 1}) {
		t.Errorf("Leaf = %v", tr.Leaf)
	}
	if !tr.Branching(0) || !tr.Branching(1) || tr.Branching(3) {
		t.Errorf("branching flags wrong")
	}
	if p := tr.Path(1, nil); !reflect.DeepEqual(p, []int{1, 4}) {
		t.Errorf("Path(1) = %v", p)
	}
	path := tr.Path(1, nil)
	for k, want := range []int{0, 1, 1, 4, 4} {
		if got := tr.NodeAt(path, k); got != want {
			t.Errorf("NodeAt(path 1, %d) = %d, want %d", k, got, want)
		}
	}
	m := slices.Clone(tr.Members(1))
	slices.Sort(m)
	if !reflect.DeepEqual(m, []int{0, 1, 2, 4}) {
		t.Errorf("Members(1) = %v", m)
	}
}

// Property: the trie is exact. Two sequences share the node holding prefix
// length k iff their first k tokens are equal; every sequence's path covers
// its tokens.
func TestBuildTrieProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 200; trial++ {
		n := 1 + rng.IntN(8)
		seqs := make([][]int64, n)
		for i := range seqs {
			l := rng.IntN(6)
			for j := 0; j < l; j++ {
				seqs[i] = append(seqs[i], int64(rng.IntN(3)))
			}
		}
		tr := BuildTrie(seqs)
		paths := make([][]int, n)
		for i := range seqs {
			paths[i] = tr.Path(i, nil)
			end := 0
			for _, x := range paths[i] {
				if tr.Nodes[x].Start != end || tr.Nodes[x].End <= tr.Nodes[x].Start {
					t.Fatalf("trial %d: path of %d not contiguous: %v", trial, i, paths[i])
				}
				end = tr.Nodes[x].End
			}
			if end != len(seqs[i]) {
				t.Fatalf("trial %d: path of %d ends at %d, len %d", trial, i, end, len(seqs[i]))
			}
		}
		for i := range seqs {
			for j := range seqs {
				for k := 0; k <= min(len(seqs[i]), len(seqs[j])); k++ {
					same := slices.Equal(seqs[i][:k], seqs[j][:k])
					if (tr.NodeAt(paths[i], k) == tr.NodeAt(paths[j], k)) != same {
						t.Fatalf("trial %d: seqs %v and %v at prefix %d: shared node %v, equal prefix %v", trial, seqs[i], seqs[j], k, !same, same)
					}
				}
			}
		}
	}
}
