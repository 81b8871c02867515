package tree

// The registry binding of spo.tree, beside its estimator.

import (
	"fmt"
	"math"

	"github.com/credo-rl/credo/anchor/spo"
	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

func init() {
	credit.Register(&credit.Method{
		Name:    "spo.tree",
		Summary: "SPO-tree: edge advantages V(child) − V(parent) over the sampled tree given by parent links (prefix trie of the tokens when no links are given)",
		Params: []credit.Param{
			{Name: "adv_method", Kind: credit.String, Default: "rloo", Choices: []string{"rloo", "grpo"}, Doc: "V(c) − V(p), or divided by the parent's children std", Origin: credit.FromReference("AIFrameResearch/SPO src/treetune/episode_generators/tree_episode_generator.py::TreeEpisodeUtils.extract_edges_from_tree (adv_method \"rloo\")")},
			{Name: "only_nonzero", Kind: credit.Bool, Default: true, Doc: "drop edges whose advantage + prover advantage is 0 (only_adv_greater_than_zero)", Origin: credit.FromReference("AIFrameResearch/SPO src/treetune/episode_generators/tree_episode_generator.py::TreeEpisodeUtils.extract_edges_from_tree (only_adv_greater_than_zero true)")},
			{Name: "prover_k", Kind: credit.Int, Default: 4, Doc: "best-of-K horizon of the prover advantage", Origin: credit.FromReference("AIFrameResearch/SPO src/treetune/episode_generators/tree_episode_generator.py::TreeEpisodeUtils.extract_edges_from_tree (BoK horizon 4: 1 − (1 − V)^4)"), Range: credit.AtLeast(1)},
			{Name: "prover_coef", Kind: credit.Float, Default: 0.0, Doc: "weight of the prover (PAV) advantage added to each edge", Origin: credit.FromReference("AIFrameResearch/SPO src/treetune/episode_generators/tree_episode_generator.py::TreeEpisodeUtils.extract_edges_from_tree (the prover term is off by default)")},
			{Name: "epsilon", Kind: credit.Float, Default: 1e-8, Doc: "added to the parent's std by adv_method=grpo", Aliases: []credit.Alias{credit.Deprecated("grpo_epsilon", "epsilon")}, Origin: credit.FromReference("AIFrameResearch/SPO src/treetune/episode_generators/tree_episode_generator.py::TreeEpisodeUtils.extract_edges_from_tree (std + 1e-8 for adv_method grpo)"), Range: credit.NonNeg},
			{Name: "dedupe", Kind: credit.Bool, Default: true, Doc: "train a shared segment once (in its first response)", Origin: credit.FromReference("AIFrameResearch/SPO src/treetune/episode_generators/tree_episode_generator.py::TreeEpisodeUtils.extract_edges_from_tree (each edge is one training sample)")},
			pProbThreshold,
			pLossMask,
			credit.RewardParam,
		},
		Inputs: []credit.Input{credit.InGroup, inTokens, inParent, credit.InOutcome,
			oldLogProbsWhen(func(v credit.Values) bool { return v.Float("prob_threshold") < 1 })},
		Outputs:    []string{"advantages", "loss_weights (loss_mask)"},
		Scope:      credit.ScopeGroup,
		Provenance: credit.Provenance{Paper: spoPaper, ArXiv: spoArXiv, SpecRow: 3, Reference: spoRefTree},
		Notes: "reads responses, uid, parent, rewards.<reward>, old_log_probs (prob mask); the tree is built from the parent links {traj_uid, token} " +
			"(each response holds its whole root-to-leaf path; a group with no link falls back to its prefix trie, which is exact only when sibling " +
			"segments start with different tokens: siblings sharing leading tokens get an extra node); node value = mean of children " +
			"(a response ending at a node is a leaf child); loss_mask writes loss_weights = response_mask with 0 on dropped edges, duplicate segments and p >= prob_threshold",
		Run: runTree,
	})
}

func runTree(b *rollout.Batch, v credit.Values) error {
	opt := DefaultTreeOptions()
	switch v.String("adv_method") {
	case "rloo":
		opt.Edges.Method = spo.AdvRLOO
	case "grpo":
		opt.Edges.Method = spo.AdvGRPO
	default:
		return fmt.Errorf("unknown adv_method %q", v.String("adv_method"))
	}
	opt.Edges.OnlyNonZero = v.Bool("only_nonzero")
	opt.Edges.K = v.Int("prover_k")
	opt.Edges.GRPOEpsilon = v.Float("epsilon")
	opt.ProverCoef = v.Float("prover_coef")
	opt.Dedupe = v.Bool("dedupe")
	scores := make([]float64, len(b.Trajectories))
	for i, t := range b.Trajectories {
		s, ok := credit.Outcome(t, v.String("reward"))
		if !ok {
			return fmt.Errorf("trajectory %d (traj_uid %q) has no rewards.%s", i, t.ID, v.String("reward"))
		}
		scores[i] = s
	}
	links, err := batchLinks(b)
	if err != nil {
		return err
	}
	opt.Links = links
	res, err := TreeAdvantages(tokensOf(b), scores, credit.GroupIDs(b), opt)
	if err != nil {
		return err
	}
	if thr := v.Float("prob_threshold"); thr < 1 {
		if err := probMask(b, res.Advantages, res.Train, thr); err != nil {
			return err
		}
	}
	applyMask(b, res.Advantages, res.Train, v.Bool("loss_mask"))
	return nil
}

// probMask applies SPO's probability mask: advantage 0 where p > thr, no
// training sample where p >= thr.
func probMask(b *rollout.Batch, adv, train [][]float64, thr float64) error {
	for i, t := range b.Trajectories {
		if len(t.OldLogProbs) != t.Len() {
			return fmt.Errorf("trajectory %d (traj_uid %q) has %d old_log_probs, want %d", i, t.ID, len(t.OldLogProbs), t.Len())
		}
		for u, lp := range t.OldLogProbs {
			p := math.Exp(lp)
			if p > thr {
				adv[i][u] = 0
			}
			if !(p < thr) {
				train[i][u] = 0
			}
		}
	}
	return nil
}
