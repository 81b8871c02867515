package turn

import (
	"fmt"

	"github.com/credo-rl/credo/internal/arrays"
)

// MALTCredit selects the per-node credit MALT writes.
type MALTCredit string

// MALT credit modes.
const (
	// MALTLabel gives +1 to nodes labelled correct and −1 to the others:
	// the sign of the SFT-positive / DPO-pair assignment (default).
	MALTLabel MALTCredit = "label"
	// MALTValue gives the node value V itself.
	MALTValue MALTCredit = "value"
	// MALTAdvantage gives V − mean V of the node's siblings (itself
	// included), the value of the output relative to the alternatives
	// sampled from the same input.
	MALTAdvantage MALTCredit = "advantage"
)

// DefaultMALTThreshold is the binarisation threshold of node values (0.5,
// recalled from the paper, spec §2.1).
const DefaultMALTThreshold = 0.5

// MALTValues runs MALT's value iteration over a search tree given as parent
// links:
//
//	V(leaf) = leafReward[leaf]                      (a final refinement's 0/1 correctness)
//	V(node) = mean over children c of V(c)          (verifier: mean of its refinements;
//	                                                 generator: mean of its verifiers)
//	correct(node) = V(node) > threshold
//
// parent[i] is the index of node i's parent or −1 for a root; a node with no
// children is a leaf and must have a finite leafReward (leafReward of
// inner nodes is ignored). The tree need not be the paper's full
// n × n × n tree nor have exactly three levels. A value equal to the
// threshold is labelled incorrect (strict >; the paper's tie rule was not
// found, and with its n = 3 ties cannot occur).
//
// Paper: "MALT: Improving Reasoning with Multi-Agent LLM Training"
// (arXiv:2412.01928), spec row #1. No reference code.
func MALTValues(parent []int, leafReward []float64, threshold float64) (value []float64, correct []bool, err error) {
	n := len(parent)
	if len(leafReward) != n {
		return nil, nil, fmt.Errorf("malt: leafReward has %d values, parent %d", len(leafReward), n)
	}
	nChild := make([]int, n)
	for i, p := range parent {
		if p < -1 || p >= n || p == i {
			return nil, nil, fmt.Errorf("malt: parent[%d] = %d, want −1 or another node in [0, %d)", i, p, n)
		}
		if p >= 0 {
			nChild[p]++
		}
	}
	pending := append([]int(nil), nChild...)
	sum := make([]float64, n)
	value = make([]float64, n)
	queue := make([]int, 0, n)
	for i := range parent {
		if nChild[i] == 0 {
			if !arrays.Finite(leafReward[i]) {
				return nil, nil, fmt.Errorf("malt: leaf %d has reward %v, want a finite number", i, leafReward[i])
			}
			value[i] = leafReward[i]
			queue = append(queue, i)
		}
	}
	for h := 0; h < len(queue); h++ {
		i := queue[h]
		p := parent[i]
		if p < 0 {
			continue
		}
		sum[p] += value[i]
		pending[p]--
		if pending[p] == 0 {
			value[p] = sum[p] / float64(nChild[p])
			queue = append(queue, p)
		}
	}
	if len(queue) != n {
		return nil, nil, fmt.Errorf("malt: parent links contain a cycle (%d of %d nodes reachable from the leaves)", len(queue), n)
	}
	correct = make([]bool, n)
	for i, v := range value {
		correct[i] = v > threshold
	}
	return value, correct, nil
}

// MALTPair is one DPO preference pair between sibling outputs of one role.
type MALTPair struct {
	Role     string
	Chosen   int // a node labelled correct
	Rejected int // a sibling of the same role labelled incorrect
}

// MALTPairs builds MALT's per-role DPO data: every (correct, incorrect) pair
// of nodes that share a parent and a role. Roots (parent −1) count as
// siblings of one another, so pass one question's tree per call. Pairs are
// ordered by chosen index, then rejected index. (The SFT data of a role are
// simply its nodes labelled correct.)
//
// Paper: MALT (arXiv:2412.01928), spec row #1.
func MALTPairs(parent []int, role []string, correct []bool) ([]MALTPair, error) {
	n := len(parent)
	if len(role) != n || len(correct) != n {
		return nil, fmt.Errorf("malt: parent has %d nodes, role %d, correct %d", n, len(role), len(correct))
	}
	var out []MALTPair
	for i := 0; i < n; i++ {
		if !correct[i] {
			continue
		}
		for j := 0; j < n; j++ {
			if j != i && !correct[j] && parent[j] == parent[i] && role[j] == role[i] {
				out = append(out, MALTPair{Role: role[i], Chosen: i, Rejected: j})
			}
		}
	}
	return out, nil
}

// MALTNodeCredit turns the value iteration's results into one credit per
// node: ±1 labels (MALTLabel), the value (MALTValue) or the value minus the
// mean value of the node's siblings including itself (MALTAdvantage; roots
// are siblings of one another).
//
// Paper: MALT (arXiv:2412.01928), spec row #1. The per-node scalar credit is
// credo's bridge from MALT's SFT/DPO labels to a policy-gradient signal.
func MALTNodeCredit(parent []int, value []float64, correct []bool, mode MALTCredit) ([]float64, error) {
	n := len(parent)
	if len(value) != n || len(correct) != n {
		return nil, fmt.Errorf("malt: parent has %d nodes, value %d, correct %d", n, len(value), len(correct))
	}
	out := make([]float64, n)
	switch mode {
	case MALTLabel:
		for i, c := range correct {
			out[i] = -1
			if c {
				out[i] = 1
			}
		}
	case MALTValue:
		copy(out, value)
	case MALTAdvantage:
		// Sibling sets are keyed by parent index + 1 (0 = the roots).
		sum := make([]float64, n+1)
		cnt := make([]int, n+1)
		for i, p := range parent {
			if p < -1 || p >= n {
				return nil, fmt.Errorf("malt: parent[%d] = %d, want −1 or a node in [0, %d)", i, p, n)
			}
			sum[p+1] += value[i]
			cnt[p+1]++
		}
		for i, p := range parent {
			out[i] = value[i] - sum[p+1]/float64(cnt[p+1])
		}
	default:
		return nil, fmt.Errorf("malt: unknown credit %q (want label, value or advantage)", mode)
	}
	return out, nil
}
