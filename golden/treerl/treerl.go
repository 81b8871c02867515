package treerl

import (
	"fmt"
	"math"

	"github.com/credo-rl/credo/anchor/treerl"
	"github.com/credo-rl/credo/golden"
)

func init() {
	golden.Register("treerl.tree_paths", treePaths)
}

type nodeJSON struct {
	NodeIdx      *int        `json:"node_idx"`
	ParentIdx    *int        `json:"parent_node_idx"`
	SplitIdx     *int        `json:"parent_node_split_idx"`
	Tokens       []int       `json:"token_id_list"`
	Score        *golden.Num `json:"score"`
	BinaryScore  *golden.Num `json:"binary_score"`
	FinishReason *string     `json:"finish_reason"`
}

type stepOut struct {
	TokenAnswer []int   `json:"token_answer"`
	Value       float64 `json:"value"`
	StateValue  float64 `json:"state_value"`
	PassRatio   float64 `json:"pass_ratio"`
}

func treePaths(c *golden.Case) (golden.Outputs, error) {
	const fn = "treerl.tree_paths"
	flag := func(key string, def bool, err *error) bool {
		if *err != nil {
			return def
		}
		v, e := c.Bool(key, def)
		*err = e
		return v
	}
	var err error
	allTerminals := flag("use_all_terminals", false, &err)
	var opts treerl.Options
	opts.AverageOneGeneration = flag("average_one_generation", false, &err)
	opts.InnerRepetitionPenalty = flag("inner_repetition_penalty", false, &err)
	opts.UseWeightedValue = flag("use_weighted_value", false, &err)
	chain := flag("use_chain_reward", false, &err)
	orm := flag("use_orm_reward", false, &err)
	stateValue := flag("use_state_value_reward", false, &err)
	valueOnly := flag("use_value_only", false, &err)
	ancestor := flag("advantage_mix_allancestor", false, &err)
	if err != nil {
		return nil, err
	}
	if !allTerminals {
		return nil, fmt.Errorf("%s: use_all_terminals=false selects leaves at random in the reference; pass Options.Selected instead", fn)
	}
	norm, err := c.String("overall_norm_style", "token")
	if err != nil {
		return nil, err
	}
	if opts.NormStyle, err = treerl.ParseNormStyle(norm); err != nil {
		opts.NormStyle = treerl.NormNone // the reference returns without normalising
	}
	weight, err := c.String("weighted_value_style", "uniform")
	if err != nil {
		return nil, err
	}
	if opts.WeightStyle, err = treerl.ParseWeightStyle(weight); err != nil && opts.UseWeightedValue {
		return nil, fmt.Errorf("%s: %w", fn, err)
	}
	switch {
	case ancestor:
		opts.Mode = treerl.ModeAncestor
	case chain:
		opts.Mode = treerl.ModeChain
	case orm:
		opts.Mode = treerl.ModeORM
	case stateValue:
		opts.Mode = treerl.ModeStateValue
	case valueOnly:
		opts.Mode = treerl.ModeValueOnly
	default:
		opts.Mode = treerl.ModeAdvantage
	}

	var raw [][]nodeJSON
	if _, err := c.Decode("trees", &raw); err != nil {
		return nil, err
	}
	trees := make([][]treerl.TreeNode, len(raw))
	for t, list := range raw {
		pos := make(map[int]int, len(list))
		for i, nd := range list {
			if nd.NodeIdx == nil {
				return nil, fmt.Errorf("%s: tree %d node %d has no node_idx", fn, t, i)
			}
			pos[*nd.NodeIdx] = i
		}
		trees[t] = make([]treerl.TreeNode, len(list))
		for i, nd := range list {
			tn := treerl.TreeNode{Parent: -1, Tokens: nd.Tokens, BinaryScore: math.NaN()}
			if nd.Score == nil {
				return nil, fmt.Errorf("%s: tree %d node %d has no score", fn, t, i)
			}
			tn.Score = float64(*nd.Score)
			if nd.BinaryScore != nil {
				tn.BinaryScore = float64(*nd.BinaryScore)
			}
			if nd.FinishReason != nil {
				tn.FinishReason = *nd.FinishReason
			}
			if i > 0 {
				if nd.ParentIdx == nil || nd.SplitIdx == nil {
					return nil, fmt.Errorf("%s: tree %d node %d has no parent or split index", fn, t, i)
				}
				p, ok := pos[*nd.ParentIdx]
				if !ok {
					return nil, fmt.Errorf("%s: tree %d node %d: parent node_idx %d is not in the tree", fn, t, i, *nd.ParentIdx)
				}
				tn.Parent, tn.SplitIdx = p, *nd.SplitIdx
			}
			trees[t][i] = tn
		}
	}

	res, err := treerl.TreePaths(trees, opts)
	if err != nil {
		return nil, err
	}
	paths := make([][]stepOut, len(res.Paths))
	for k, path := range res.Paths {
		out := make([]stepOut, len(path))
		for m, s := range path {
			tok := trees[s.Tree][s.Node].Tokens[s.Start:s.End]
			if tok == nil {
				tok = []int{}
			}
			out[m] = stepOut{TokenAnswer: tok, Value: s.Value, StateValue: s.StateValue, PassRatio: s.PassRatio}
		}
		paths[k] = out
	}
	return golden.Outputs{"reward_raw": res.RewardRaw, "paths": paths}, nil
}
