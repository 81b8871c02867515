package spo

import (
	"fmt"
	"math"
)

// TreeNode is one node of an SPO-tree rollout tree, given as a node list with
// parent links. The children of a node are the nodes that name it as Parent,
// in list order.
type TreeNode struct {
	// Parent is the index of the parent node in the list, -1 for the root
	// (the query state). Exactly one node is the root.
	Parent int
	// Reward is the node's value estimate V: a leaf's own reward, or the mean
	// of its children's rewards (computed at tree construction).
	Reward float64
	// RewardStd is the population standard deviation of the children's
	// rewards (0 for a leaf). Only AdvGRPO reads it.
	RewardStd float64
	// Leaf marks a finished response; it is copied to the edge.
	Leaf bool
}

// AdvMethod selects the value advantage of TreeEdges.
type AdvMethod int

const (
	// AdvRLOO is A = V(child) - V(parent) (the reference's "rloo", its
	// default): the parent's value is the mean of its children's values, so
	// this is a leave-none-out group baseline over siblings.
	AdvRLOO AdvMethod = iota
	// AdvGRPO is A = (V(child) - V(parent)) / (RewardStd(parent) + GRPOEpsilon)
	// (the reference's "grpo").
	AdvGRPO
)

// TreeOptions are the hyper-parameters of TreeEdges.
type TreeOptions struct {
	// Method is the value advantage (reference default AdvRLOO).
	Method AdvMethod
	// OnlyNonZero drops the edges whose Advantage + ProverAdvantage is
	// exactly 0. It is the reference's only_adv_greater_than_zero (default
	// true), which despite its name keeps negative edges too.
	OnlyNonZero bool
	// K is the best-of-K horizon of the prover advantage (reference: 4).
	K int
	// GRPOEpsilon is added to the parent's standard deviation by AdvGRPO
	// (reference: 1e-8).
	GRPOEpsilon float64
}

// DefaultTreeOptions returns the reference's defaults: rloo advantages,
// only_adv_greater_than_zero=True, best-of-4 prover, epsilon 1e-8.
func DefaultTreeOptions() TreeOptions {
	return TreeOptions{Method: AdvRLOO, OnlyNonZero: true, K: 4, GRPOEpsilon: 1e-8}
}

// Edge is one training sample of SPO-tree: the segment generated from the
// Parent node's state to the Child node's state. The advantage is constant
// over the segment's tokens.
type Edge struct {
	Parent, Child   int // indices into the node list
	Advantage       float64
	ProverAdvantage float64
	Value           float64 // V(child)
	Leaf            bool    // the child's Leaf flag
}

// BestOfK is the value of a best-of-K prover policy that solves the task
// with per-attempt probability v: BoK(v) = 1 - (1 - v)^K.
//
// Paper: Setlur et al., "Rewarding Progress: Scaling Automated Process
// Verifiers for LLM Reasoning", arXiv:2410.08146 (process advantage
// verifiers, best-of-K prover), as used by SPO-tree.
// Reference: AIFrameResearch/SPO@b9fc6a263dec54e28137fd488a9b9c0e0d026025
// src/treetune/episode_generators/tree_episode_generator.py::TreeEpisodeUtils.extract_edges_from_tree (BoK)
func BestOfK(v float64, k int) float64 {
	return 1 - math.Pow(1-v, float64(k))
}

// TreeEdges extracts the SPO-tree training edges of one rollout tree, one per
// non-root node, in DFS pre-order (a node's edge comes before the edges of
// its children, children in list order):
//
//	Advantage       = V(c) - V(p)                              (AdvRLOO)
//	                = (V(c) - V(p)) / (std(p) + GRPOEpsilon)   (AdvGRPO)
//	ProverAdvantage = BoK(V(c)) - BoK(V(p)),  BoK(v) = 1 - (1-v)^K
//	Value           = V(c)
//
// With OnlyNonZero an edge is kept iff Advantage + ProverAdvantage != 0
// (exact float comparison, as in the reference).
//
// The node list must hold exactly one root (Parent -1), valid parent indices
// and no cycle; rewards must be finite.
//
// Paper: Guo et al., "Segment Policy Optimization: Effective Segment-Level
// Credit Assignment in RL for Large Language Models", arXiv:2505.23564
// (SPO-tree).
// Reference: AIFrameResearch/SPO@b9fc6a263dec54e28137fd488a9b9c0e0d026025
// src/treetune/episode_generators/tree_episode_generator.py::TreeEpisodeUtils.extract_edges_from_tree
func TreeEdges(nodes []TreeNode, opts TreeOptions) ([]Edge, error) {
	const fn = "spo.tree_edges"
	if opts.Method != AdvRLOO && opts.Method != AdvGRPO {
		return nil, fmt.Errorf("%s: unknown advantage method %d", fn, opts.Method)
	}
	n := len(nodes)
	if n == 0 {
		return nil, fmt.Errorf("%s: the tree has no nodes", fn)
	}
	root := -1
	// childStart[p]..childStart[p+1] indexes the children of p in kids
	// (a stable counting sort by parent, so children keep list order).
	childStart := make([]int, n+1)
	for i, nd := range nodes {
		if math.IsNaN(nd.Reward) || math.IsInf(nd.Reward, 0) {
			return nil, fmt.Errorf("%s: node %d reward is %v", fn, i, nd.Reward)
		}
		if math.IsNaN(nd.RewardStd) || math.IsInf(nd.RewardStd, 0) {
			return nil, fmt.Errorf("%s: node %d reward_std is %v", fn, i, nd.RewardStd)
		}
		switch {
		case nd.Parent == -1:
			if root >= 0 {
				return nil, fmt.Errorf("%s: nodes %d and %d are both roots (parent -1)", fn, root, i)
			}
			root = i
		case nd.Parent < 0 || nd.Parent >= n || nd.Parent == i:
			return nil, fmt.Errorf("%s: node %d has parent %d, want -1 or another node index in [0, %d)", fn, i, nd.Parent, n)
		default:
			childStart[nd.Parent+1]++
		}
	}
	if root < 0 {
		return nil, fmt.Errorf("%s: no root (a node with parent -1)", fn)
	}
	for p := 0; p < n; p++ {
		childStart[p+1] += childStart[p]
	}
	kids := make([]int, n-1)
	fill := make([]int, n)
	copy(fill, childStart[:n])
	for i, nd := range nodes {
		if nd.Parent >= 0 {
			kids[fill[nd.Parent]] = i
			fill[nd.Parent]++
		}
	}

	edges := make([]Edge, 0, n-1)
	stack := fill[:0] // reuse: at most n entries are ever pushed
	stack = append(stack, root)
	visited := 0
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		visited++
		if p := nodes[c].Parent; p >= 0 {
			vc, vp := nodes[c].Reward, nodes[p].Reward
			var adv float64
			if opts.Method == AdvRLOO {
				adv = vc - vp
			} else {
				adv = (vc - vp) / (nodes[p].RewardStd + opts.GRPOEpsilon)
			}
			prover := BestOfK(vc, opts.K) - BestOfK(vp, opts.K)
			if !opts.OnlyNonZero || adv+prover != 0 {
				edges = append(edges, Edge{Parent: p, Child: c, Advantage: adv, ProverAdvantage: prover, Value: vc, Leaf: nodes[c].Leaf})
			}
		}
		for j := childStart[c+1] - 1; j >= childStart[c]; j-- {
			stack = append(stack, kids[j])
		}
	}
	if visited != n {
		return nil, fmt.Errorf("%s: %d of %d nodes are not reachable from the root (a parent cycle)", fn, n-visited, n)
	}
	return edges, nil
}
