package tree

import (
	"slices"
)

// TrieNode is one node of a compressed prefix trie (a radix tree) over a
// group of token sequences: the token positions [Start, End) that all of its
// member sequences share, after the prefix of its ancestors.
//
// Node 0 is the root: the empty prefix (Start = End = 0), whose members are
// all the sequences. Every other node holds at least one token. A node ends
// where its members stop agreeing: at End some member takes a token that
// another member does not, or some member ends (its length is End).
type TrieNode struct {
	// Parent is the parent node, -1 for the root.
	Parent int
	// Start and End delimit the node's tokens: positions [Start, End) of
	// every member sequence. Start is the parent's End.
	Start, End int
	// Ends counts the members that end exactly at End.
	Ends int
	// FirstChild and NextSibling link the children in order of their first
	// member (-1 when none).
	FirstChild, NextSibling int
	// Min is the smallest member index (the first member sequence in
	// input order).
	Min    int
	lo, hi int // members are Trie.order[lo:hi]
}

// Count is the number of member sequences (the sequences whose prefix of
// length End is this node's prefix).
func (n *TrieNode) Count() int { return n.hi - n.lo }

// Trie is the prefix trie of a group of token sequences (TEMPO's
// Prefix-to-Tree, the tree of SPO-tree and of TreeRL's EPTree, rebuilt from
// the token ids alone).
type Trie struct {
	// Nodes lists the nodes; a parent always comes before its children.
	Nodes []TrieNode
	// Leaf[i] is the node at which sequence i ends (the deepest node of its
	// path).
	Leaf []int
	// order holds the sequence indices so that every node's members are the
	// contiguous range order[lo:hi].
	order []int
}

// Members returns the indices of node x's member sequences: those that end
// at x first, then those of each child in child order. The slice aliases the
// trie: do not modify it.
func (tr *Trie) Members(x int) []int { n := &tr.Nodes[x]; return tr.order[n.lo:n.hi:n.hi] }

// Branching reports whether the members of node x stop agreeing at its End
// with more than one outcome: two or more children, or a child and a member
// that ends there. A TD correction V(s') - V(s) is non-zero only at the
// first token of a child of a branching node.
func (tr *Trie) Branching(x int) bool {
	n := &tr.Nodes[x]
	kids := 0
	for c := n.FirstChild; c >= 0 && kids < 2; c = tr.Nodes[c].NextSibling {
		kids++
	}
	return kids >= 2 || (kids == 1 && n.Ends > 0)
}

// Path returns the nodes of sequence i from the root's first child down to
// its leaf (the root itself, which holds no token, is left out), appended
// to buf[:0].
func (tr *Trie) Path(i int, buf []int) []int {
	buf = buf[:0]
	for x := tr.Leaf[i]; x > 0; x = tr.Nodes[x].Parent {
		buf = append(buf, x)
	}
	slices.Reverse(buf)
	return buf
}

// NodeAt returns the node holding prefix length k of sequence i (0 <= k <=
// len(seq i)): the root for k = 0, otherwise the node on i's path whose span
// contains token k-1. path must be tr.Path(i, ...).
func (tr *Trie) NodeAt(path []int, k int) int {
	if k == 0 {
		return 0
	}
	// Binary search: the path's spans are consecutive.
	j, _ := slices.BinarySearchFunc(path, k, func(x, k int) int {
		if tr.Nodes[x].End < k {
			return -1
		}
		if tr.Nodes[x].Start >= k {
			return 1
		}
		return 0
	})
	return path[j]
}

// BuildTrie builds the prefix trie of seqs. It reads every token at most
// once per member comparison, so its cost is O(total tokens) plus a sort of
// the members at each branching point. Children are ordered by their
// smallest member index. seqs is not modified or retained.
//
// Paper: Tran, Yao, Yu, arXiv:2509.18314 (Prefix-to-Tree, TEMPO #29); the
// same trie recovers SPO-tree's and TreeRL's trees from token ids.
func BuildTrie(seqs [][]int64) *Trie {
	var b trieBuilder
	return b.build(seqs)
}

// trieBuilder reuses its buffers across groups: the trie returned by build
// is valid until the next call.
type trieBuilder struct {
	tr    Trie
	stack []int
	tmp   []int
	spans [][2]int
}

func (b *trieBuilder) build(seqs [][]int64) *Trie {
	n := len(seqs)
	tr := &b.tr
	tr.Leaf = slices.Grow(tr.Leaf[:0], n)[:n]
	tr.order = slices.Grow(tr.order[:0], n)[:n]
	for i := range tr.order {
		tr.order[i] = i
	}
	tr.Nodes = append(tr.Nodes[:0], TrieNode{Parent: -1, FirstChild: -1, NextSibling: -1, lo: 0, hi: n})
	b.stack = append(b.stack[:0], 0)
	for len(b.stack) > 0 {
		x := b.stack[len(b.stack)-1]
		b.stack = b.stack[:len(b.stack)-1]
		nd := tr.Nodes[x]
		mem := tr.order[nd.lo:nd.hi]
		end := nd.Start
		if x != 0 {
			end = commonEnd(seqs, mem, nd.Start)
		}
		// Members ending at end first, then the others grouped by their
		// token at end (groups ordered by smallest member).
		b.tmp = b.tmp[:0]
		for _, m := range mem {
			if len(seqs[m]) == end {
				b.tmp = append(b.tmp, m)
			}
		}
		ends := len(b.tmp)
		for _, m := range mem {
			if len(seqs[m]) != end {
				b.tmp = append(b.tmp, m)
			}
		}
		rest := b.tmp[ends:]
		slices.SortStableFunc(rest, func(a, c int) int {
			ta, tc := seqs[a][end], seqs[c][end]
			switch {
			case ta < tc:
				return -1
			case ta > tc:
				return 1
			}
			return 0
		})
		b.spans = b.spans[:0]
		for s := 0; s < len(rest); {
			e := s + 1
			for e < len(rest) && seqs[rest[e]][end] == seqs[rest[s]][end] {
				e++
			}
			b.spans = append(b.spans, [2]int{s, e})
			s = e
		}
		// A node's range holds its members in increasing order when it is
		// created (the root's is 0..n-1), and the partition below is stable,
		// so a group's first member is its smallest: order the groups by it.
		slices.SortFunc(b.spans, func(p, q [2]int) int { return rest[p[0]] - rest[q[0]] })
		w := nd.lo
		for _, m := range b.tmp[:ends] {
			tr.order[w] = m
			tr.Leaf[m] = x
			w++
		}
		tr.Nodes[x].End = end
		tr.Nodes[x].Ends = ends
		prev := -1
		first := len(tr.Nodes)
		for _, sp := range b.spans {
			lo := w
			for _, m := range rest[sp[0]:sp[1]] {
				tr.order[w] = m
				w++
			}
			c := len(tr.Nodes)
			tr.Nodes = append(tr.Nodes, TrieNode{Parent: x, Start: end, FirstChild: -1, NextSibling: -1, Min: rest[sp[0]], lo: lo, hi: w})
			if prev < 0 {
				tr.Nodes[x].FirstChild = c
			} else {
				tr.Nodes[prev].NextSibling = c
			}
			prev = c
		}
		// Push in reverse so that children are expanded in order (depth first).
		for c := len(tr.Nodes) - 1; c >= first; c-- {
			b.stack = append(b.stack, c)
		}
	}
	return tr
}

// commonEnd returns the first position >= start at which the members stop
// agreeing (a member ends or takes a different token).
func commonEnd(seqs [][]int64, mem []int, start int) int {
	s0 := seqs[mem[0]]
	if len(mem) == 1 {
		return len(s0)
	}
	for p := start; ; p++ {
		if p >= len(s0) {
			return p
		}
		tok := s0[p]
		for _, m := range mem[1:] {
			s := seqs[m]
			if p >= len(s) || s[p] != tok {
				return p
			}
		}
	}
}
