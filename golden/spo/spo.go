package spo

import (
	"fmt"

	"github.com/credo-rl/credo/anchor/spo"
	"github.com/credo-rl/credo/golden"
)

func init() {
	golden.Register("spo.chain_token_advantages", chainTokenAdvantages)
	golden.Register("spo.tree_edges", treeEdges)
}

// chainTokenAdvantages maps one trajectory of the reference
// (response_token_ids represented by response_len) to spo.ChainTokenAdvantages.
func chainTokenAdvantages(c *golden.Case) (golden.Outputs, error) {
	L, err := c.Int("response_len", -1)
	if err != nil {
		return nil, err
	}
	prob, err := c.Vector("response_prob")
	if err != nil {
		return nil, err
	}
	if L < 0 {
		L = len(prob)
	}
	// The reference reads response_prob[t] for t < response_len only.
	if len(prob) < L {
		return nil, fmt.Errorf("spo.chain_token_advantages: response_prob has %d values, the response has %d tokens", len(prob), L)
	}
	prob = prob[:L]
	var cuts []int
	if _, err := c.Decode("cutpoints", &cuts); err != nil {
		return nil, err
	}
	vals, err := c.Vector("cutpoints_values")
	if err != nil {
		return nil, err
	}
	score, err := c.Float("score", 0)
	if err != nil {
		return nil, err
	}
	if !c.Has("score") {
		return nil, fmt.Errorf("spo.chain_token_advantages: score is missing")
	}
	// The reference walks zip(cutpoints, values, values_std) after taking a
	// leading -1 off all three lists, so the shortest list wins.
	if len(cuts) > 0 {
		s := 0
		if cuts[0] == -1 {
			if len(vals) == 0 {
				return nil, fmt.Errorf("spo.chain_token_advantages: cutpoint -1 has no value")
			}
			s = 1
		}
		m := min(len(cuts), len(vals)) - s
		if c.Has("cutpoints_values_std") {
			std, err := c.Vector("cutpoints_values_std")
			if err != nil {
				return nil, err
			}
			m = min(m, len(std)-s)
		}
		m = max(m, 0)
		cuts, vals = cuts[:s+m], vals[:s+m]
	}
	res, err := spo.ChainTokenAdvantages(prob, cuts, vals, score, spo.DefaultChainOptions())
	if err != nil {
		return nil, err
	}
	values := make([]any, L)
	for t := range values {
		if res.HasValue[t] {
			values[t] = res.Values[t]
		}
	}
	return golden.Outputs{"values": values, "advantages": res.Advantages}, nil
}

type treeJSON struct {
	Text      string      `json:"text"`
	FullText  string      `json:"full_text"`
	Reward    *golden.Num `json:"reward"`
	RewardStd *golden.Num `json:"reward_std"`
	Leaf      *bool       `json:"leaf"`
	Children  []*treeJSON `json:"children"`
}

type edgeOut struct {
	QueryText       string  `json:"query_text"`
	ResponseText    string  `json:"response_text"`
	Advantage       float64 `json:"advantage"`
	ProverAdvantage float64 `json:"prover_advantage"`
	Value           float64 `json:"value"`
	Leaf            *bool   `json:"leaf"`
}

// treeEdges flattens the nested reference tree into spo.TreeNode's node list
// (pre-order, so list order = the reference's children order) and maps the
// edges back to the reference's edge records.
func treeEdges(c *golden.Case) (golden.Outputs, error) {
	const fn = "spo.tree_edges"
	opts := spo.DefaultTreeOptions()
	method, err := c.String("adv_method", "rloo")
	if err != nil {
		return nil, err
	}
	switch method {
	case "rloo":
		opts.Method = spo.AdvRLOO
	case "grpo":
		opts.Method = spo.AdvGRPO
	default:
		return nil, fmt.Errorf("%s: adv_method %q is not supported", fn, method)
	}
	if opts.OnlyNonZero, err = c.Bool("only_adv_greater_than_zero", true); err != nil {
		return nil, err
	}
	// use_hard_estimation selects how node rewards are estimated when the
	// tree is built (hard: any correct leaf below -> 1; soft: the mean);
	// extract_edges_from_tree only reads the resulting reward/reward_std,
	// which are inputs here, so the flag does not change the edges.
	if _, err := c.Bool("use_hard_estimation", false); err != nil {
		return nil, err
	}
	var tree treeJSON
	ok, err := c.Decode("tree", &tree)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%s: tree is missing", fn)
	}

	var nodes []spo.TreeNode
	var info []*treeJSON
	var walk func(t *treeJSON, parent int) error
	walk = func(t *treeJSON, parent int) error {
		i := len(nodes)
		if t.Reward == nil {
			return fmt.Errorf("%s: node %d has no reward", fn, i)
		}
		nd := spo.TreeNode{Parent: parent, Reward: float64(*t.Reward)}
		if t.RewardStd != nil {
			nd.RewardStd = float64(*t.RewardStd)
		} else if opts.Method == spo.AdvGRPO && len(t.Children) > 0 {
			return fmt.Errorf("%s: node %d has no reward_std", fn, i)
		}
		nd.Leaf = t.Leaf != nil && *t.Leaf
		nodes = append(nodes, nd)
		info = append(info, t)
		for _, ch := range t.Children {
			if err := walk(ch, i); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(&tree, -1); err != nil {
		return nil, err
	}
	edges, err := spo.TreeEdges(nodes, opts)
	if err != nil {
		return nil, err
	}
	out := make([]edgeOut, len(edges))
	for k, e := range edges {
		out[k] = edgeOut{
			QueryText:       info[e.Parent].FullText,
			ResponseText:    info[e.Child].Text,
			Advantage:       e.Advantage,
			ProverAdvantage: e.ProverAdvantage,
			Value:           e.Value,
			Leaf:            info[e.Child].Leaf,
		}
	}
	return golden.Outputs{"edges": out}, nil
}
