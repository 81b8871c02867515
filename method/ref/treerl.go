package ref

// The registry binding of TreeRL (anchor/treerl; the group-trie estimator
// in method/tree): treerl.group_trie.

import (
	"fmt"

	"github.com/credo-rl/credo/anchor/treerl"
	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/method/tree"
	"github.com/credo-rl/credo/rollout"
)

const treerlRef = "THUDM/TreeRL@f0edbea6f2f6392c46d297f83fb4929a9524266e openrlhf/trainer/ppo_utils/tree_node.py::build_into_tree_format + openrlhf/trainer/ppo_utils/parallel_mcts.py::gather_paths"

// Parameters of treerl.group_trie.
var (
	pTreeRLMode                 = credit.StringParam{Param: credit.Param{Name: "mode", Kind: credit.String, Default: "advantage", Choices: []string{"advantage", "state_value", "value_only", "orm", "chain", "ancestor"}, Doc: "per-step value (gather_paths flags)", Origin: credit.FromReference("THUDM/TreeRL openrlhf/trainer/ppo_utils/parallel_mcts.py::gather_paths (keyword defaults: advantage)")}}
	pTreeRLNormStyle            = credit.StringParam{Param: credit.Param{Name: "norm_style", Kind: credit.String, Default: "token", Choices: []string{"token", "step", "none"}, Doc: "re-centring of accumulated values (overall_norm_style)", Origin: credit.FromReference("THUDM/TreeRL openrlhf/trainer/ppo_utils/parallel_mcts.py::gather_paths (overall_norm_style \"token\")")}}
	pTreeRLUseWeightedValue     = credit.BoolParam{Param: credit.Param{Name: "use_weighted_value", Kind: credit.Bool, Default: false, Doc: "divide values by a function of the leaves below", Origin: credit.FromReference("THUDM/TreeRL openrlhf/trainer/ppo_utils/parallel_mcts.py::gather_paths (use_weighted_value False)")}}
	pTreeRLWeightedValueStyle   = credit.StringParam{Param: credit.Param{Name: "weighted_value_style", Kind: credit.String, Default: "uniform", Choices: []string{"uniform", "sqrt", "original"}, Doc: "that function", Origin: credit.FromReference("THUDM/TreeRL openrlhf/trainer/ppo_utils/parallel_mcts.py::gather_paths (weighted_value_style \"uniform\")")}}
	pTreeRLAverageOneGeneration = credit.BoolParam{Param: credit.Param{Name: "average_one_generation", Kind: credit.Bool, Default: false, Doc: "values as means of children", Origin: credit.FromReference("THUDM/TreeRL openrlhf/trainer/ppo_utils/parallel_mcts.py::gather_paths (average_one_generation False)")}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "treerl.group_trie",
		Summary: "TreeRL's tree credit on a group's sampled tree from parent links, or its prefix trie when no links are given (responses as EPTree generations)",
		Params: credit.Params(
			pTreeRLMode,
			pTreeRLNormStyle,
			pTreeRLUseWeightedValue,
			pTreeRLWeightedValueStyle,
			pTreeRLAverageOneGeneration,
			credit.Reward,
		),
		Inputs:     []credit.Input{credit.InGroup, tree.InTokens, inParent, credit.InOutcome},
		Reads:      credit.ReadsTokenIDs | credit.ReadsMask | credit.ReadsTokenRewards,
		Outputs:    []string{"advantages"},
		Scope:      credit.ScopeGroup,
		Provenance: credit.Provenance{Paper: "TreeRL: LLM Reinforcement Learning with On-Policy Tree Search", ArXiv: "2506.11902", Reference: treerlRef},
		Notes: "reads responses, uid, parent, rewards.<reward> (binary score = reward == 1); the tree is built from the parent links {traj_uid, token} " +
			"(a group with no link falls back to its prefix trie, exact only when sibling segments start with different tokens); " +
			"each response is one EPTree generation forking where it leaves " +
			"the earlier responses (tree.TrieForest); singleton groups get 0 (TreeRL needs two leaves)",
		Run: runTreeRL,
	})
}

func runTreeRL(b *rollout.Batch, v credit.Values) error {
	var opts treerl.Options
	var err error
	if opts.Mode, err = treerl.ParseMode(pTreeRLMode.Get(v)); err != nil {
		return err
	}
	if opts.NormStyle, err = treerl.ParseNormStyle(pTreeRLNormStyle.Get(v)); err != nil {
		return err
	}
	if opts.WeightStyle, err = treerl.ParseWeightStyle(pTreeRLWeightedValueStyle.Get(v)); err != nil {
		return err
	}
	opts.UseWeightedValue = pTreeRLUseWeightedValue.Get(v)
	opts.AverageOneGeneration = pTreeRLAverageOneGeneration.Get(v)
	scores := make([]float64, len(b.Trajectories))
	for i, t := range b.Trajectories {
		s, ok := credit.Outcome(t, credit.Reward.Get(v))
		if !ok {
			return fmt.Errorf("trajectory %d (traj_uid %q) has no rewards.%s", i, t.ID, credit.Reward.Get(v))
		}
		scores[i] = s
	}
	links, err := tree.BatchLinks(b)
	if err != nil {
		return err
	}
	adv, err := tree.TreeRLAdvantagesLinked(tree.TokenIDs(b), scores, nil, links, credit.GroupIDs(b), opts)
	if err != nil {
		return err
	}
	tree.ApplyMask(b, adv, nil, false)
	return nil
}
