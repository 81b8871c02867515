package tree

import (
	"fmt"
	"slices"

	"github.com/credo-rl/credo/rollout"
)

// Link is the explicit parent link of a tree-sampled response (the format's
// parent = {traj_uid, token}), by row.
type Link struct {
	// Parent is the row of the parent response, or -1 when the response
	// was sampled from the query (a child of the root).
	Parent int
	// Token is the number of the parent's tokens that the response shares
	// as its prefix: it was sampled after the parent's first Token tokens.
	// The response's own tokens start with that prefix (responses are
	// stored whole).
	Token int
}

// LinkError reports an invalid parent link of sequence Seq.
type LinkError struct {
	Seq int
	Msg string
}

func (e *LinkError) Error() string { return fmt.Sprintf("sequence %d: parent: %s", e.Seq, e.Msg) }

// BuildLinkedTrie builds the sampling tree of a group of sequences from
// their explicit parent links, in the Trie layout that BuildTrie gives, so
// that every consumer of a Trie works on it unchanged. links[i] is sequence
// i's link (Parent indexes seqs, -1 for a child of the root).
//
// A response with parent (p, k) branches off p after its first k tokens: the
// node of p's path that ends at position k gets a child holding the
// response's tokens [k, len) (p's node is split at k when k falls inside
// it). A response whose length is k ends at that node. Siblings are distinct
// nodes even when their tokens start alike (or are identical), unlike in the
// prefix trie, where responses that share leading tokens share a node: a
// tree sampler that forks k children at a node samples k distinct segments,
// and SPO-tree's and TreeRL's values are means over those children.
//
// Children are ordered by their smallest member, members that end at a node
// come first in Members (ascending), like in BuildTrie. Errors (*LinkError):
// a parent out of range or on a cycle, k outside [0, len(parent)] or beyond
// the response's own length, a response whose first k tokens differ from its
// parent's.
func BuildLinkedTrie(seqs [][]int64, links []Link) (*Trie, error) {
	n := len(seqs)
	if len(links) != n {
		return nil, fmt.Errorf("tree.BuildLinkedTrie: %d links for %d sequences", len(links), n)
	}
	type lnode struct {
		parent, start, end int
		kids, ends         []int
		min                int
	}
	nodes := []lnode{{parent: -1}}
	leaf := make([]int, n)
	state := make([]int8, n) // 0 new, 1 placing, 2 placed
	// attachAt returns the node of p's path that ends at position k,
	// splitting the node that holds token k-1 when k falls inside it.
	attachAt := func(p, k int) int {
		x := leaf[p]
		for x != 0 && nodes[x].start >= k {
			x = nodes[x].parent
		}
		if x == 0 || nodes[x].end == k {
			return x
		}
		y := len(nodes)
		nodes = append(nodes, lnode{parent: x, start: k, end: nodes[x].end, kids: nodes[x].kids, ends: nodes[x].ends})
		for _, c := range nodes[y].kids {
			nodes[c].parent = y
		}
		for _, e := range nodes[y].ends {
			leaf[e] = y
		}
		nodes[x].end, nodes[x].kids, nodes[x].ends = k, []int{y}, nil
		return x
	}
	var place func(j int) error
	place = func(j int) error {
		switch state[j] {
		case 2:
			return nil
		case 1:
			return &LinkError{Seq: j, Msg: "the parent links form a cycle"}
		}
		state[j] = 1
		at, k := 0, 0
		if l := links[j]; l.Parent >= 0 {
			p := l.Parent
			if p >= n || p == j {
				return &LinkError{Seq: j, Msg: fmt.Sprintf("parent %d is not another sequence of the group (0..%d)", p, n-1)}
			}
			if err := place(p); err != nil {
				return err
			}
			k = l.Token
			if k < 0 || k > len(seqs[p]) {
				return &LinkError{Seq: j, Msg: fmt.Sprintf("token = %d, want a prefix length in [0, %d] (the parent's length)", k, len(seqs[p]))}
			}
			if k > len(seqs[j]) {
				return &LinkError{Seq: j, Msg: fmt.Sprintf("token = %d, but the response has only %d tokens (responses hold the shared prefix)", k, len(seqs[j]))}
			}
			for t := 0; t < k; t++ {
				if seqs[j][t] != seqs[p][t] {
					return &LinkError{Seq: j, Msg: fmt.Sprintf("token = %d, but token %d differs from the parent's (%d vs %d): responses hold the shared prefix", k, t, seqs[j][t], seqs[p][t])}
				}
			}
			at = attachAt(p, k)
		} else if l.Parent < -1 {
			return &LinkError{Seq: j, Msg: fmt.Sprintf("parent %d, want -1 or a sequence index", l.Parent)}
		}
		if len(seqs[j]) > k {
			c := len(nodes)
			nodes = append(nodes, lnode{parent: at, start: k, end: len(seqs[j]), ends: []int{j}})
			nodes[at].kids = append(nodes[at].kids, c)
			leaf[j] = c
		} else {
			nodes[at].ends = append(nodes[at].ends, j)
			leaf[j] = at
		}
		state[j] = 2
		return nil
	}
	for j := range n {
		if err := place(j); err != nil {
			return nil, err
		}
	}
	// Smallest member of every node, deepest nodes first.
	depth := make([]int, len(nodes))
	byDepth := make([]int, len(nodes))
	for x := range nodes {
		byDepth[x] = x
		for y := nodes[x].parent; y >= 0; y = nodes[y].parent {
			depth[x]++
		}
		nodes[x].min = n
	}
	slices.SortStableFunc(byDepth, func(a, b int) int { return depth[b] - depth[a] })
	for _, x := range byDepth {
		nd := &nodes[x]
		slices.Sort(nd.ends)
		if len(nd.ends) > 0 {
			nd.min = min(nd.min, nd.ends[0])
		}
		if p := nd.parent; p >= 0 {
			nodes[p].min = min(nodes[p].min, nd.min)
		}
	}
	// Lay the tree out in preorder, children by smallest member.
	tr := &Trie{Nodes: make([]TrieNode, 0, len(nodes)), Leaf: make([]int, n), order: make([]int, 0, n)}
	// Preorder by recursion; the depth is bounded by the group size.
	var lay func(x, parent int)
	lay = func(x, parent int) {
		nd := &nodes[x]
		me := len(tr.Nodes)
		tr.Nodes = append(tr.Nodes, TrieNode{Parent: parent, Start: nd.start, End: nd.end, Ends: len(nd.ends),
			FirstChild: -1, NextSibling: -1, Min: nd.min, lo: len(tr.order)})
		for _, e := range nd.ends {
			tr.order = append(tr.order, e)
			tr.Leaf[e] = me
		}
		kids := slices.Clone(nd.kids)
		slices.SortFunc(kids, func(a, b int) int { return nodes[a].min - nodes[b].min })
		prev := -1
		for _, c := range kids {
			cid := len(tr.Nodes)
			if prev < 0 {
				tr.Nodes[me].FirstChild = cid
			} else {
				tr.Nodes[prev].NextSibling = cid
			}
			prev = cid
			lay(c, me)
		}
		tr.Nodes[me].hi = len(tr.order)
	}
	lay(0, -1)
	return tr, nil
}

// BatchLinks returns the rows' parent links of b (nil when no trajectory
// has one), checking each: the parent is a trajectory of the same group,
// its prefix fits both and the response starts with it.
func BatchLinks(b *rollout.Batch) ([]Link, error) {
	linked := false
	for _, t := range b.Trajectories {
		linked = linked || t.Parent != nil
	}
	if !linked {
		return nil, nil
	}
	row := make(map[string]int, len(b.Trajectories))
	for i, t := range b.Trajectories {
		row[t.ID] = i
	}
	links := make([]Link, len(b.Trajectories))
	for i, t := range b.Trajectories {
		links[i] = Link{Parent: -1}
		if t.Parent == nil {
			continue
		}
		bad := func(field, format string, args ...any) error {
			return fmt.Errorf("trajectory %d (traj_uid %q): field parent.%s: %s", i, t.ID, field, fmt.Sprintf(format, args...))
		}
		j, ok := row[t.Parent.Trajectory]
		if !ok || j == i {
			return nil, bad("traj_uid", "want another trajectory of the batch, got %q", t.Parent.Trajectory)
		}
		p := b.Trajectories[j]
		if p.Group != t.Group {
			return nil, bad("traj_uid", "parent %q is in group %q, want the same uid %q (a tree is sampled for one prompt)", p.ID, p.Group, t.Group)
		}
		k := t.Parent.Token
		if k < 0 || k > p.Len() || k > t.Len() {
			return nil, bad("token", "prefix of %d tokens, want at most the parent's %d and the response's own %d", k, p.Len(), t.Len())
		}
		for u := 0; u < k; u++ {
			if t.Tokens[u] != p.Tokens[u] {
				return nil, bad("token", "prefix of %d tokens, but responses[%d] = %d differs from parent %q's %d (responses hold the shared prefix)", k, u, t.Tokens[u], p.ID, p.Tokens[u])
			}
		}
		links[i] = Link{Parent: j, Token: k}
	}
	return links, nil
}
