package tree

import (
	"fmt"
	"math"

	"github.com/credo-rl/credo/anchor/treerl"
	"github.com/credo-rl/credo/internal/groups"
)

// Forest is a group's prefix trie rewritten as TreeRL EPTree generations.
type Forest struct {
	// Trees are the EPTree node lists (element 0 of each is its root chain).
	Trees [][]treerl.TreeNode
	// Gen[i] is (tree, node) of sequence i's generation.
	Gen [][2]int
	// Offset[i] is the position in sequence i where its generation's tokens
	// start (the generation continues its parent's first Offset[i] tokens).
	Offset []int
}

// TrieForest rewrites the prefix trie of seqs (BuildTrie(seqs)) as TreeRL
// generations, one per sequence, in input order: sequence j forks from the
// earliest earlier sequence m with the longest common prefix L with j (the
// smallest member of the deepest node of j's path that holds an earlier
// sequence), after L tokens, i.e. at index L − Offset[m] of m's generation
// (m's generation starts at most at that node's Start < L, so no generation
// forks at index 0 of another). A sequence that shares no first token with
// any earlier one starts a new tree. Each generation's Tokens are the
// sequence's tokens from its fork position on; Score and BinaryScore are
// taken from scores and binary; FinishReason is "stop".
//
// The resulting EPTree has the same branching structure as the trie, so
// that anchor/treerl's step tree equals the trie's nodes. The mapping is
// credo's; the EPTree format is TreeRL's (Hou et al., arXiv:2506.11902;
// THUDM/TreeRL@f0edbea6f2f6392c46d297f83fb4929a9524266e
// openrlhf/trainer/ppo_utils/tree_node.py).
func TrieForest(tr *Trie, seqs [][]int64, scores, binary []float64) *Forest {
	n := len(seqs)
	f := &Forest{Gen: make([][2]int, n), Offset: make([]int, n)}
	parentGen := make([]int, n)
	for j := 0; j < n; j++ {
		x := tr.Leaf[j]
		for x > 0 && tr.Nodes[x].Min >= j {
			x = tr.Nodes[x].Parent
		}
		L := tr.Nodes[x].End
		toks := make([]int, 0, len(seqs[j])-L)
		for _, t := range seqs[j][L:] {
			toks = append(toks, int(t))
		}
		node := treerl.TreeNode{Tokens: toks, Score: scores[j], BinaryScore: binary[j], FinishReason: "stop"}
		if L == 0 {
			node.Parent = -1
			parentGen[j] = -1
			f.Gen[j] = [2]int{len(f.Trees), 0}
			f.Trees = append(f.Trees, []treerl.TreeNode{node})
			continue
		}
		p := tr.Nodes[x].Min
		for f.Offset[p] == L { // never taken: m's generation starts before L
			p = parentGen[p]
		}
		parentGen[j] = p
		f.Offset[j] = L
		t := f.Gen[p][0]
		node.Parent = f.Gen[p][1]
		node.SplitIdx = L - f.Offset[p]
		f.Gen[j] = [2]int{t, len(f.Trees[t])}
		f.Trees[t] = append(f.Trees[t], node)
	}
	return f
}

// TreeRLAdvantages runs TreeRL's process credit (anchor/treerl.TreePaths)
// on groups of responses: each group's prefix trie becomes an EPTree forest
// (TrieForest) and every token of a response gets the Value of the step of
// its root-to-leaf path that holds it. opts are TreePaths' options (their
// zero value is the reference's defaults); opts.Selected must be nil (every
// leaf gets a path). binary marks correct responses (== 1) for PassRatio and
// may be nil (then binary = scores).
//
// A group of one response has no comparison set (TreeRL asserts at least
// two leaves): its tokens get 0.
//
// Paper: Hou et al., "TreeRL: LLM Reinforcement Learning with On-Policy Tree
// Search", arXiv:2506.11902.
// Reference: THUDM/TreeRL@f0edbea6f2f6392c46d297f83fb4929a9524266e
// openrlhf/trainer/ppo_utils/tree_node.py::build_into_tree_format +
// openrlhf/trainer/ppo_utils/parallel_mcts.py::gather_paths
func TreeRLAdvantages(tokens [][]int64, scores, binary []float64, index []string, opts treerl.Options) ([][]float64, error) {
	return TreeRLAdvantagesLinked(tokens, scores, binary, nil, index, opts)
}

// TreeRLAdvantagesLinked is TreeRLAdvantages on the tree given by the rows'
// explicit parent links (one per row; nil = none): a group in which some row
// has a link is the tree of its links (BuildLinkedTrie), then rewritten as
// EPTree generations by TrieForest; a group without links falls back to
// the prefix trie. Siblings that share leading tokens are distinct nodes
// of the linked tree, as TreeRL's EPTree samples them, while the trie would
// merge their shared tokens into an extra node.
func TreeRLAdvantagesLinked(tokens [][]int64, scores, binary []float64, links []Link, index []string, opts treerl.Options) ([][]float64, error) {
	const fn = "treerl.group_trie"
	B := len(tokens)
	if binary == nil {
		binary = scores
	}
	if len(scores) != B || len(binary) != B || len(index) != B {
		return nil, fmt.Errorf("%s: responses has %d rows, scores %d, binary %d, index %d", fn, B, len(scores), len(binary), len(index))
	}
	if opts.Selected != nil {
		return nil, fmt.Errorf("%s: leaf selection is not supported (every response gets a path)", fn)
	}
	for i, s := range scores {
		if math.IsNaN(s) || math.IsInf(s, 0) {
			return nil, fmt.Errorf("%s: score of row %d is %v", fn, i, s)
		}
	}
	adv := rowsLike(tokens)
	g, nG := groups.Index(index)
	sc := make([]float64, B)
	bi := make([]float64, B)
	if links != nil && len(links) != B {
		return nil, fmt.Errorf("%s: %d parent links for %d rows", fn, len(links), B)
	}
	err := eachGroupTrie(tokens, g, nG, links, func(members []int, tr *Trie, seqs [][]int64) error {
		if len(members) < 2 {
			return nil
		}
		for k, i := range members {
			sc[k], bi[k] = scores[i], binary[i]
		}
		f := TrieForest(tr, seqs, sc[:len(members)], bi[:len(members)])
		res, err := treerl.TreePaths(f.Trees, opts)
		if err != nil {
			return fmt.Errorf("%s: group %q: %w", fn, index[members[0]], err)
		}
		seqOf := make([][]int, len(f.Trees))
		for t := range f.Trees {
			seqOf[t] = make([]int, len(f.Trees[t]))
		}
		for k, gn := range f.Gen {
			seqOf[gn[0]][gn[1]] = k
		}
		for l, path := range res.Paths {
			leaf := res.Leaves[l]
			row := adv[members[seqOf[leaf.Tree][leaf.Node]]]
			for _, s := range path {
				off := f.Offset[seqOf[s.Tree][s.Node]]
				for t := off + s.Start; t < off+s.End; t++ {
					row[t] = s.Value
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return adv, nil
}
