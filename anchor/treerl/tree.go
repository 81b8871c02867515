package treerl

import (
	"fmt"
	"math"
	"slices"
)

// TreeNode is one generation of an EPTree: a run of tokens that forks from
// its parent generation after SplitIdx of the parent's tokens. A tree is a
// []TreeNode whose element 0 is the root (the first chain, Parent -1); a
// forest is a [][]TreeNode (one tree per initial chain; empty trees are
// skipped).
type TreeNode struct {
	// Parent is the index of the parent generation in the same tree, -1 for
	// the root (element 0 only).
	Parent int
	// SplitIdx is the fork point: this generation continues the parent's
	// first SplitIdx tokens, 0 <= SplitIdx <= len(parent.Tokens). Siblings
	// forking at the same index hang off the same step of the parent.
	SplitIdx int
	// Tokens are the generated token ids. Only their number matters to the
	// credit, except that ModeChain and ModeORM compare whole paths by
	// content (see TreePaths).
	Tokens []int
	// Score is the reward of the response that ends with this generation.
	Score float64
	// BinaryScore marks a correct response (== 1); it drives PassRatio.
	BinaryScore float64
	// FinishReason is the generation's stop reason ("stop", "length", ...);
	// only Options.InnerRepetitionPenalty reads it.
	FinishReason string
}

// seg is one step of the reference's step tree (its MCTSNode): the tokens
// [start, end) of generation node of tree. Segment 0 is the virtual root
// above all trees.
type seg struct {
	parent               int
	firstChild, lastKid  int
	next                 int // next sibling
	tree, node           int
	start, end           int
	terminal, main       bool
	acc                  float64 // accumulated_value
	n, correct, selected int     // terminal / correct / selected leaves in the subtree
}

// stepTree is the forest cut into steps, plus its leaves in the reference's
// construction order.
type stepTree struct {
	segs   []seg
	leaves []int
}

func (st *stepTree) newSeg(parent, tree, node, start, end int, terminal, main bool) int {
	st.segs = append(st.segs, seg{parent: parent, firstChild: -1, lastKid: -1, next: -1,
		tree: tree, node: node, start: start, end: end, terminal: terminal, main: main})
	i := len(st.segs) - 1
	if terminal {
		st.leaves = append(st.leaves, i)
	}
	return i
}

func (st *stepTree) addChild(parent, child int) {
	p := &st.segs[parent]
	if p.lastKid < 0 {
		p.firstChild = child
	} else {
		st.segs[p.lastKid].next = child
	}
	p.lastKid = child
}

// validateForest checks the node lists and returns, per tree, each node's
// children sorted by SplitIdx (stable: ties keep list order).
func validateForest(fn string, trees [][]TreeNode) ([][][]int, error) {
	kids := make([][][]int, len(trees))
	for t, nodes := range trees {
		if len(nodes) == 0 {
			continue
		}
		kids[t] = make([][]int, len(nodes))
		for i, nd := range nodes {
			if math.IsNaN(nd.Score) || math.IsInf(nd.Score, 0) {
				return nil, fmt.Errorf("%s: tree %d node %d score is %v", fn, t, i, nd.Score)
			}
			if i == 0 {
				if nd.Parent != -1 {
					return nil, fmt.Errorf("%s: tree %d node 0 must be the root (parent -1), has parent %d", fn, t, nd.Parent)
				}
				continue
			}
			p := nd.Parent
			if p < 0 || p >= len(nodes) || p == i {
				return nil, fmt.Errorf("%s: tree %d node %d has parent %d, want another node index in [0, %d)", fn, t, i, p, len(nodes))
			}
			if nd.SplitIdx < 0 || nd.SplitIdx > len(nodes[p].Tokens) {
				return nil, fmt.Errorf("%s: tree %d node %d forks at token %d of its parent %d, which has %d tokens", fn, t, i, nd.SplitIdx, p, len(nodes[p].Tokens))
			}
			kids[t][p] = append(kids[t][p], i)
		}
		// Every non-root node must reach the root (no parent cycle).
		depth := make([]int8, len(nodes)) // 0 unknown, 1 on the current walk, 2 reaches the root
		depth[0] = 2
		for i := range nodes {
			j := i
			for depth[j] == 0 {
				depth[j] = 1
				j = nodes[j].Parent
			}
			if depth[j] == 1 {
				return nil, fmt.Errorf("%s: tree %d node %d is on a parent cycle", fn, t, j)
			}
			for j = i; depth[j] == 1; j = nodes[j].Parent {
				depth[j] = 2
			}
		}
		for _, ks := range kids[t] {
			slices.SortStableFunc(ks, func(a, b int) int { return nodes[a].SplitIdx - nodes[b].SplitIdx })
		}
	}
	return kids, nil
}

// buildSteps cuts the forest into the reference's step tree
// (build_into_tree_format.build_tree_node). A generation with fork points
// s_1 < ... < s_k (distinct SplitIdx of its children) becomes the chain of
// steps [0,s_1), [s_1,s_2), ..., [s_k,len): the children forking at s_j hang
// off the step that ends at s_j, after the continuation step [s_j, s_{j+1});
// the last step (the whole generation when it has no children) is terminal,
// i.e. a leaf, with R = Score. Leaves are recorded in construction order:
// a generation's tail is recorded before the subtrees of its last fork group
// and after those of the earlier groups.
func buildSteps(trees [][]TreeNode, kids [][][]int) *stepTree {
	st := &stepTree{}
	st.newSeg(-1, -1, -1, 0, 0, false, false)
	var build func(t, x, parent int) int
	build = func(t, x, parent int) int {
		nodes := trees[t]
		nd := &nodes[x]
		ks := kids[t][x]
		first := len(nd.Tokens)
		if len(ks) > 0 {
			first = nodes[ks[0]].SplitIdx
		}
		head := st.newSeg(parent, t, x, 0, first, len(ks) == 0, len(ks) == 0 && nd.BinaryScore == 1)
		cur, start := head, first
		for i := 0; i < len(ks); {
			split, g := nodes[ks[i]].SplitIdx, i
			for i < len(ks) && nodes[ks[i]].SplitIdx == split {
				i++
			}
			end, terminal := len(nd.Tokens), i == len(ks)
			if !terminal {
				end = nodes[ks[i]].SplitIdx
			}
			s := st.newSeg(cur, t, x, start, end, terminal, terminal && nd.BinaryScore == 1)
			st.addChild(cur, s)
			for _, k := range ks[g:i] {
				st.addChild(cur, build(t, k, cur))
			}
			cur, start = s, end
		}
		return head
	}
	for t := range trees {
		if len(trees[t]) > 0 {
			st.addChild(0, build(t, 0, 0))
		}
	}
	return st
}
