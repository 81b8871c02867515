package tree

import (
	"reflect"
	"testing"

	"github.com/credo-rl/credo/anchor/treerl"
)

func TestTrieForest(t *testing.T) {
	seqs := [][]int64{{1, 2, 3, 4}, {1, 2, 5, 6}, {1, 2, 7}, {9}, {1, 2, 3, 8}, {1, 2, 5, 6}}
	tr := BuildTrie(seqs)
	f := TrieForest(tr, seqs, []float64{1, 0, 0, 1, 0, 1}, []float64{1, 0, 0, 1, 0, 1})
	// 0: root of tree 0; 1, 2 fork from 0 after "1 2"; 3 starts tree 1; 4
	// forks from 0 after "1 2 3"; 5 duplicates 1: forks from 1 at its end.
	if !reflect.DeepEqual(f.Gen, [][2]int{{0, 0}, {0, 1}, {0, 2}, {1, 0}, {0, 3}, {0, 4}}) {
		t.Fatalf("Gen = %v", f.Gen)
	}
	if !reflect.DeepEqual(f.Offset, []int{0, 2, 2, 0, 3, 4}) {
		t.Fatalf("Offset = %v", f.Offset)
	}
	type nd struct {
		parent, split int
		tokens        []int
	}
	var got []nd
	for _, n := range f.Trees[0] {
		got = append(got, nd{n.Parent, n.SplitIdx, n.Tokens})
	}
	want := []nd{{-1, 0, []int{1, 2, 3, 4}}, {0, 2, []int{5, 6}}, {0, 2, []int{7}}, {0, 3, []int{8}}, {1, 2, []int{}}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("tree 0 = %+v, want %+v", got, want)
	}

	// 2 = "1 5" shares 1 token with 0 and 1: it forks from the earliest, 0;
	// 3 = "1 4 6" forks from 1 after its own first token (index 1 of 1).
	seqs = [][]int64{{1, 2, 3}, {1, 4}, {1, 5}, {1, 4, 6}}
	f = TrieForest(BuildTrie(seqs), seqs, make([]float64, 4), make([]float64, 4))
	if !reflect.DeepEqual(f.Gen, [][2]int{{0, 0}, {0, 1}, {0, 2}, {0, 3}}) || !reflect.DeepEqual(f.Offset, []int{0, 1, 1, 2}) {
		t.Fatalf("Gen %v Offset %v", f.Gen, f.Offset)
	}
	if n := f.Trees[0][3]; n.Parent != 1 || n.SplitIdx != 1 {
		t.Fatalf("node 3 = %+v, want a fork from node 1 after 1 of its tokens", n)
	}
}

// The anchor's example tree (ExampleTreePaths, value_only, step norm) as a
// group of three responses: leaf values 1, -0.5, -0.5 after the shared
// prefix, 0 on it.
func TestTreeRLAdvantagesAnchorExample(t *testing.T) {
	tokens := [][]int64{{1, 2, 3, 4}, {1, 2, 5, 6}, {1, 2, 7}, {8, 9}}
	index := []string{"g", "g", "g", "solo"}
	adv, err := TreeRLAdvantages(tokens, []float64{1, 0, 0, 1}, nil, index, treerl.Options{Mode: treerl.ModeValueOnly, NormStyle: treerl.NormStep})
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, "treerl", adv, [][]float64{{0, 0, 1, 1}, {0, 0, -0.5, -0.5}, {0, 0, -0.5}, {0, 0}})
	if _, err := TreeRLAdvantages(tokens, []float64{1, 0, 0, 1}, nil, index, treerl.Options{Selected: []int{0}}); err == nil {
		t.Error("leaf selection accepted")
	}
}

// Identical responses and a response that is a prefix of another become
// generations with no tokens of their own; TreeRL's credit still runs.
func TestTreeRLAdvantagesDuplicates(t *testing.T) {
	tokens := [][]int64{{1, 2}, {1, 2}, {1, 2, 3}, {}}
	adv, err := TreeRLAdvantages(tokens, []float64{1, 0, 1, 0}, nil, []string{"g", "g", "g", "g"}, treerl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range adv {
		if len(row) != len(tokens[i]) {
			t.Fatalf("row %d has %d values for %d tokens", i, len(row), len(tokens[i]))
		}
	}
	// The two identical responses share every step, so their credit is equal.
	checkRows(t, "duplicates", adv[:1], adv[1:2])
}
