package tree

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/credo-rl/credo/anchor/verl"
	"github.com/credo-rl/credo/internal/groups"
)

// TEMPOOptions are the hyper-parameters of TEMPO.
type TEMPOOptions struct {
	// GRPO configures the group-relative outcome advantage Â (verl's
	// GRPO: Epsilon 1e-6 added to the unbiased group std; NormByStd false
	// gives the Dr.GRPO advantage r - mean).
	GRPO verl.GRPOOptions
	// TDCoef weighs the TD correction (the paper gives no coefficient:
	// default 1).
	TDCoef float64
	// RawValues makes V(s) the mean RAW score of the responses through s
	// instead of the mean of their GRPO advantages Â. The TD differences
	// then are in reward units, not in normalised units (they coincide
	// when NormByStd is false, except in singleton groups). Default false.
	RawValues bool
}

// DefaultTEMPOOptions returns the defaults: verl's GRPO (Epsilon 1e-6,
// NormByStd true), TDCoef 1, V over the group-normalised rewards.
func DefaultTEMPOOptions() TEMPOOptions {
	return TEMPOOptions{GRPO: verl.DefaultGRPOOptions(), TDCoef: 1}
}

// TEMPO computes TEMPO's token advantages for a batch of responses grouped
// by prompt (index = group ids, verl's uid).
//
// Per group, the responses' token ids are inserted into a prefix trie
// (Prefix-to-Tree, P2T; see BuildTrie). For a prefix s, V(s) is the mean
// over the responses that pass through s of their group-normalised reward
// Â_j (RawValues: of their raw score s_j). With s_t the prefix of the first
// t tokens of response i:
//
//	s_i     = Σ_t r[i][t]                         (verl's score: all positions)
//	Â_i     = GRPO(s)_i                            (verl.GRPOScalar)
//	A[i][t] = (Â_i + c·(V(s_{t+1}) − V(s_t))) · mask[i][t]
//
// The TD term is zero except at the first token of a trie node whose
// parent branches (responses that agreed on s_t part there), so TEMPO is
// exactly GRPO on every other token; on a group whose responses never part
// (a trie without branching) it equals GRPO everywhere. A response that
// shares no first token with any other gets the TD term Â_i − V(root) at
// its token 0 (V(root) = mean Â = 0 in non-singleton groups), i.e. 2·Â_i
// there.
//
// Paper: Tran, Yao, Yu, "Exploiting Tree Structure for Credit Assignment in
// RL Training of LLMs", arXiv:2509.18314 (TEMPO, spec row #29). No
// reference code is public; the exact form of the TD term (gating, the
// coefficient, raw or normalised V) is inferred from the paper's summary
// (spec methods.md §2.2, §7).
//
// Shapes: tokens, tokenLevelRewards and responseMask have one row per
// response with equal lengths per row (rows may be ragged). Errors name the
// argument and row; non-finite rewards are rejected.
func TEMPO(tokens [][]int64, tokenLevelRewards, responseMask [][]float64, index []string, opt TEMPOOptions) ([][]float64, error) {
	const fn = "tempo"
	B := len(tokens)
	if len(tokenLevelRewards) != B || len(responseMask) != B || len(index) != B {
		return nil, fmt.Errorf("%s: responses has %d rows, token_level_rewards %d, response_mask %d, index %d", fn, B, len(tokenLevelRewards), len(responseMask), len(index))
	}
	scores := make([]float64, B)
	for i := range tokens {
		if len(tokenLevelRewards[i]) != len(tokens[i]) {
			return nil, fmt.Errorf("%s: token_level_rewards row %d has %d values, responses has %d", fn, i, len(tokenLevelRewards[i]), len(tokens[i]))
		}
		if len(responseMask[i]) != len(tokens[i]) {
			return nil, fmt.Errorf("%s: response_mask row %d has %d values, responses has %d", fn, i, len(responseMask[i]), len(tokens[i]))
		}
		s := 0.0
		for _, r := range tokenLevelRewards[i] {
			s += r
		}
		if math.IsNaN(s) || math.IsInf(s, 0) {
			return nil, fmt.Errorf("%s: token_level_rewards row %d sums to %v", fn, i, s)
		}
		scores[i] = s
	}
	if math.IsNaN(opt.TDCoef) || math.IsInf(opt.TDCoef, 0) {
		return nil, fmt.Errorf("%s: td_coef is %v", fn, opt.TDCoef)
	}
	g, nG := groups.Index(index)
	base, err := verl.GRPOScalar(scores, g, nG, opt.GRPO)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fn, err)
	}
	val := base
	if opt.RawValues {
		val = scores
	}

	// One allocation for all output rows.
	total := 0
	for _, row := range tokens {
		total += len(row)
	}
	buf := make([]float64, total)
	adv := make([][]float64, B)
	for i, row := range tokens {
		adv[i], buf = buf[:len(row):len(row)], buf[len(row):]
		a := base[i]
		for t, m := range responseMask[i] {
			adv[i][t] = a * m
		}
	}

	var sum []float64
	err = eachGroupTrie(tokens, g, nG, nil, func(members []int, tr *Trie, seqs [][]int64) error {
		// V(x) = mean of val over x's members.
		sum = slices.Grow(sum[:0], len(tr.Nodes))[:len(tr.Nodes)]
		clear(sum)
		for x := len(tr.Nodes) - 1; x >= 0; x-- {
			for _, k := range tr.Members(x)[:tr.Nodes[x].Ends] {
				sum[x] += val[members[k]]
			}
			if p := tr.Nodes[x].Parent; p >= 0 {
				sum[p] += sum[x]
			}
		}
		for x := 1; x < len(tr.Nodes); x++ {
			nd := &tr.Nodes[x]
			p := &tr.Nodes[nd.Parent]
			td := sum[x]/float64(nd.Count()) - sum[nd.Parent]/float64(p.Count())
			if td == 0 {
				continue
			}
			td *= opt.TDCoef
			for _, k := range tr.Members(x) {
				i := members[k]
				adv[i][nd.Start] += td * responseMask[i][nd.Start]
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return adv, nil
}

// eachGroupTrie builds the trie of every group's sequences (in batch order
// within the group) and calls f with the group's row indices, its trie
// (whose sequence k is row members[k]; valid only during the call) and the
// sequences. With links (one per row, nil = none), a group in which some
// row has a parent link gets the tree of its links (BuildLinkedTrie)
// instead of the prefix trie.
func eachGroupTrie(tokens [][]int64, g []int, nG int, links []Link, f func(members []int, tr *Trie, seqs [][]int64) error) error {
	// Counting sort of the rows by group, stable.
	start := make([]int, nG+1)
	for _, k := range g {
		start[k+1]++
	}
	for k := 0; k < nG; k++ {
		start[k+1] += start[k]
	}
	rows := make([]int, len(g))
	fill := make([]int, nG)
	copy(fill, start[:nG])
	for i, k := range g {
		rows[fill[k]] = i
		fill[k]++
	}
	seqs := make([][]int64, len(g))
	for i, r := range rows {
		seqs[i] = tokens[r]
	}
	var local []int // row -> index within its group (links only)
	if links != nil {
		if len(links) != len(g) {
			return fmt.Errorf("%d parent links for %d rows", len(links), len(g))
		}
		local = make([]int, len(g))
		for k := 0; k < nG; k++ {
			for j, r := range rows[start[k]:start[k+1]] {
				local[r] = j
			}
		}
	}
	var b trieBuilder
	var gl []Link
	for k := 0; k < nG; k++ {
		members := rows[start[k]:start[k+1]]
		sq := seqs[start[k]:start[k+1]]
		linked := false
		for _, r := range members {
			linked = linked || (links != nil && links[r].Parent >= 0)
		}
		tr := (*Trie)(nil)
		if linked {
			gl = append(gl[:0], make([]Link, len(members))...)
			for j, r := range members {
				gl[j] = Link{Parent: -1}
				if l := links[r]; l.Parent >= 0 {
					if l.Parent >= len(g) || g[l.Parent] != k {
						return fmt.Errorf("row %d: parent row %d is not in its group", r, l.Parent)
					}
					gl[j] = Link{Parent: local[l.Parent], Token: l.Token}
				}
			}
			var err error
			if tr, err = BuildLinkedTrie(sq, gl); err != nil {
				var le *LinkError
				if errors.As(err, &le) {
					return fmt.Errorf("row %d: parent: %s", members[le.Seq], le.Msg)
				}
				return err
			}
		} else {
			tr = b.build(sq)
		}
		if err := f(members, tr, sq); err != nil {
			return err
		}
	}
	return nil
}
