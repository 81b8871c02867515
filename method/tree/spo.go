package tree

import (
	"fmt"
	"math"
	"slices"

	"github.com/credo-rl/credo/anchor/spo"
	"github.com/credo-rl/credo/internal/groups"
)

// ChainCutpoints selects SPO-chain's cutpoints from the rollout policy's
// log-probabilities of a response's tokens:
//
//	p_t  = exp(logProbs[t])
//	cut  = [t − 1 for t in 0..L−1 if p_t < threshold]    (ascending)
//	cut  = cut[0], cut[interval], cut[2·interval], ...     (Python cut[::interval])
//
// A cutpoint c is the state after token c, just before the uncertain token
// c+1; c = −1 is the query state (token 0 is uncertain). Its Monte Carlo
// value is estimated by sampling continuations of the prompt followed by the
// first c+1 response tokens.
//
// Defaults (reference): threshold 0.9 (hard-coded there), interval 5
// (cutpoint_interval, "int5"). interval must be >= 1; log-probs must not be
// NaN.
//
// Paper: Guo et al., "Segment Policy Optimization: Effective Segment-Level
// Credit Assignment in RL for Large Language Models", arXiv:2505.23564
// (#3).
// Reference: AIFrameResearch/SPO@b9fc6a263dec54e28137fd488a9b9c0e0d026025
// src/treetune/episode_generators/math_episode_generator_with_mc_advantages.py::MathEpisodeGeneratorWithMCAdvantages._create_value_estimation_requests
func ChainCutpoints(logProbs []float64, threshold float64, interval int) ([]int, error) {
	const fn = "spo.chain_cutpoints"
	if interval < 1 {
		return nil, fmt.Errorf("%s: cutpoint_interval must be >= 1, got %d", fn, interval)
	}
	var cut []int
	n := 0
	for t, lp := range logProbs {
		if math.IsNaN(lp) {
			return nil, fmt.Errorf("%s: old_log_probs[%d] is NaN", fn, t)
		}
		if math.Exp(lp) < threshold {
			if n%interval == 0 {
				cut = append(cut, t-1)
			}
			n++
		}
	}
	return cut, nil
}

// ChainSegments partitions a response of n tokens into SPO-chain segments
// at its cutpoints: every cutpoint c (0 <= c < n−1) closes a segment after
// token c, and the last segment ends with the response. Segments are
// half-open token ranges [start, end); a cutpoint of −1 (the query state)
// or n−1 adds no boundary. SPO-chain gives all tokens of a segment the
// value difference across it (V at its end minus V at its start), see
// spo.ChainTokenAdvantages. cutpoints must be ascending, in [−1, n).
//
// Paper: Guo et al., arXiv:2505.23564 (SPO-chain, #3).
func ChainSegments(n int, cutpoints []int) ([][2]int, error) {
	const fn = "spo.chain_segments"
	var segs [][2]int
	start, prev := 0, -2
	for _, c := range cutpoints {
		if c < -1 || c >= n || c <= prev {
			return nil, fmt.Errorf("%s: cutpoints must be ascending in [-1, %d), got %d after %d", fn, n, c, prev)
		}
		prev = c
		if c >= 0 && c < n-1 {
			segs = append(segs, [2]int{start, c + 1})
			start = c + 1
		}
	}
	if n > 0 {
		segs = append(segs, [2]int{start, n})
	}
	return segs, nil
}

// TreeOptions are the hyper-parameters of TreeAdvantages.
type TreeOptions struct {
	// Edges are anchor/spo's edge options (reference defaults: "rloo"
	// advantages, drop zero edges, best-of-4 prover, epsilon 1e-8).
	Edges spo.TreeOptions
	// ProverCoef adds ProverCoef × the best-of-K prover advantage to each
	// edge's advantage (the reference's PAV term; 0 = off, the default).
	ProverCoef float64
	// Dedupe trains a segment shared by several responses once: only its
	// first response (in input order) gets the edge's tokens, as SPO-tree
	// makes one training sample per edge. Default true.
	Dedupe bool
	// Links are the rows' explicit parent links (the format's parent =
	// {traj_uid, token}), nil when none are given. A group in which some
	// row has a link is the tree of its links (BuildLinkedTrie); a group
	// without links falls back to the prefix trie of its token ids.
	Links []Link
}

// DefaultTreeOptions returns the reference's defaults with Dedupe on.
func DefaultTreeOptions() TreeOptions {
	return TreeOptions{Edges: spo.DefaultTreeOptions(), Dedupe: true}
}

// TreeResult holds the per-token outputs of TreeAdvantages.
type TreeResult struct {
	// Advantages[i][t] is the advantage of the edge that generated token t
	// of response i (0 where the token is not trained).
	Advantages [][]float64
	// Train[i][t] is 1 where the token belongs to a training sample of
	// SPO-tree and 0 where the reference has no sample for it: a dropped
	// zero-advantage edge, or (Dedupe) a copy of a segment already trained
	// in an earlier response.
	Train [][]float64
	// Values[i][t] is V of the trie node holding token t (the recursive mean
	// of its children's values).
	Values [][]float64
}

// TreeAdvantages computes SPO-tree advantages for groups of responses that
// were sampled as a tree (each response a root-to-leaf path, index = group
// ids). The tree is the one given by the responses' parent links
// (opt.Links, BuildLinkedTrie); a group without links falls back to the
// prefix trie of its token ids (BuildTrie). Its nodes are SPO-tree's
// segments, its root the query state.
//
// Node values follow the reference's tree construction: a node's value is
// the mean of its children's values, where a response ending at the node
// counts as a leaf child with value = its score, and RewardStd is the
// population standard deviation of those children's values. The edges are
// then anchor/spo's TreeEdges:
//
//	A(edge p→c) = V(c) − V(p)                       ("rloo", default)
//	            = (V(c) − V(p)) / (std(p) + 1e-8)  ("grpo")
//	            + ProverCoef·(BoK(V(c)) − BoK(V(p)))
//
// and every token of a response gets the advantage of the edge into the
// trie node that holds it. On a group whose responses share no first token
// the "rloo" advantage is s_i − mean(s), the Dr.GRPO advantage.
//
// The trie fallback is exact only when sibling segments start with
// different tokens: siblings that share leading tokens (or are identical)
// get a common node there, so their parent's mean weighs them as one child
// and their own advantages are taken against that extra node. Give parent
// links to get the sampled tree.
//
// Paper: Guo et al., arXiv:2505.23564 (SPO-tree, #3).
// Reference: AIFrameResearch/SPO@b9fc6a263dec54e28137fd488a9b9c0e0d026025
// hybrid_inference_strategy.py::_construct_tree (node values, per the spec;
// not re-read here) +
// src/treetune/episode_generators/tree_episode_generator.py::TreeEpisodeUtils.extract_edges_from_tree (edges).
func TreeAdvantages(tokens [][]int64, scores []float64, index []string, opt TreeOptions) (*TreeResult, error) {
	const fn = "spo.tree"
	B := len(tokens)
	if len(scores) != B || len(index) != B {
		return nil, fmt.Errorf("%s: responses has %d rows, scores %d, index %d", fn, B, len(scores), len(index))
	}
	for i, s := range scores {
		if math.IsNaN(s) || math.IsInf(s, 0) {
			return nil, fmt.Errorf("%s: score of row %d is %v", fn, i, s)
		}
	}
	res := &TreeResult{Advantages: rowsLike(tokens), Train: rowsLike(tokens), Values: rowsLike(tokens)}
	g, nG := groups.Index(index)
	var nodes []spo.TreeNode
	var adv []float64
	var kept []bool
	if opt.Links != nil && len(opt.Links) != B {
		return nil, fmt.Errorf("%s: %d parent links for %d rows", fn, len(opt.Links), B)
	}
	err := eachGroupTrie(tokens, g, nG, opt.Links, func(members []int, tr *Trie, _ [][]int64) error {
		n := len(tr.Nodes)
		nodes = slices.Grow(nodes[:0], n)[:n]
		// Bottom-up: children after parents in tr.Nodes.
		for x := n - 1; x >= 0; x-- {
			nd := &tr.Nodes[x]
			sum, cnt := 0.0, 0
			for _, k := range tr.Members(x)[:nd.Ends] {
				sum += scores[members[k]]
				cnt++
			}
			for c := nd.FirstChild; c >= 0; c = tr.Nodes[c].NextSibling {
				sum += nodes[c].Reward
				cnt++
			}
			v := 0.0
			if cnt > 0 {
				v = sum / float64(cnt)
			}
			ss := 0.0
			for _, k := range tr.Members(x)[:nd.Ends] {
				d := scores[members[k]] - v
				ss += d * d
			}
			for c := nd.FirstChild; c >= 0; c = tr.Nodes[c].NextSibling {
				d := nodes[c].Reward - v
				ss += d * d
			}
			std := 0.0
			if cnt > 0 && nd.FirstChild >= 0 {
				std = math.Sqrt(ss / float64(cnt))
			}
			nodes[x] = spo.TreeNode{Parent: nd.Parent, Reward: v, RewardStd: std, Leaf: nd.FirstChild < 0}
		}
		if n == 1 {
			return nil // no response has a token
		}
		edges, err := spo.TreeEdges(nodes, opt.Edges)
		if err != nil {
			return fmt.Errorf("%s: %w", fn, err)
		}
		adv = slices.Grow(adv[:0], n)[:n]
		kept = slices.Grow(kept[:0], n)[:n]
		clear(adv)
		clear(kept)
		for _, e := range edges {
			adv[e.Child] = e.Advantage + opt.ProverCoef*e.ProverAdvantage
			kept[e.Child] = true
		}
		for x := 1; x < n; x++ {
			nd := &tr.Nodes[x]
			for _, k := range tr.Members(x) {
				i := members[k]
				train := kept[x] && (!opt.Dedupe || k == nd.Min)
				for t := nd.Start; t < nd.End; t++ {
					res.Values[i][t] = nodes[x].Reward
					if train {
						res.Advantages[i][t] = adv[x]
						res.Train[i][t] = 1
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// rowsLike allocates zero rows shaped like tokens, in one block.
func rowsLike(tokens [][]int64) [][]float64 {
	total := 0
	for _, r := range tokens {
		total += len(r)
	}
	buf := make([]float64, total)
	out := make([][]float64, len(tokens))
	for i, r := range tokens {
		out[i], buf = buf[:len(r):len(r)], buf[len(r):]
	}
	return out
}
