package ref

// The registry bindings of SPO (anchor/spo; estimators in method/tree):
// spo.chain and spo.tree. Every method reads the trajectories' token ids
// (responses) and groups them by uid; see each Method's Notes for the
// other fields it reads.

import (
	"errors"
	"fmt"
	"math"

	"github.com/credo-rl/credo/anchor/spo"
	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/method/tree"
	"github.com/credo-rl/credo/rollout"
)

const (
	spoPaper    = "Segment Policy Optimization: Effective Segment-Level Credit Assignment in RL for Large Language Models"
	spoArXiv    = "2505.23564"
	spoRefChain = "AIFrameResearch/SPO@b9fc6a263dec54e28137fd488a9b9c0e0d026025 src/treetune/episode_generators/math_episode_generator_with_mc_advantages.py::MathEpisodeGeneratorWithMCAdvantages._compute_token_advantages"
	spoRefTree  = "AIFrameResearch/SPO@b9fc6a263dec54e28137fd488a9b9c0e0d026025 src/treetune/episode_generators/tree_episode_generator.py::TreeEpisodeUtils.extract_edges_from_tree"
)

var (
	pProbThreshold = credit.FloatParam{Param: credit.Param{Name: "prob_threshold", Kind: credit.Float, Default: 0.9,
		Doc: "probability mask: tokens with p = exp(old_log_probs) above it get advantage 0 (>= 1 disables)", Origin: credit.FromReference("AIFrameResearch/SPO src/treetune/episode_generators/math_episode_generator_with_mc_advantages.py (p > 0.9 masked, hard-coded; use_prob_mask true in the configs)"), Range: credit.NonNeg}}
	pLossMask = credit.BoolParam{Param: credit.Param{Name: "loss_mask", Kind: credit.Bool, Default: true,
		Doc: "write loss_weights: response_mask with 0 where the reference trains no sample (see notes)", Origin: credit.FromReference("AIFrameResearch/SPO configs (use_prob_mask: true; the trainer drops the masked tokens from the loss)")}}
	inParent = credit.Input{Name: "parent (optional)", Doc: "{traj_uid, token}: the tree-sampled response forks after the parent's first token tokens (its responses start with them); without links the tree is the prefix trie"}
)

func oldLogProbsWhen(cond func(v credit.Values) bool) credit.Input {
	return credit.Input{Name: "old_log_probs", Doc: "behaviour-policy log-probs per token (probability mask, cutpoints)",
		Has: func(t *rollout.Trajectory, v credit.Values) bool {
			return t.Probe || !cond(v) || t.OldLogProbs != nil
		}}
}

func init() {
	registerSPOChain()
	registerSPOTree()
}

// Parameters of spo.chain.
var (
	pSPOChainCutpointInterval = credit.IntParam{Param: credit.Param{Name: "cutpoint_interval", Kind: credit.Int, Default: 5, Doc: "keep every k-th cutpoint", Origin: credit.FromReference("AIFrameResearch/SPO src/treetune/episode_generators/math_episode_generator_with_mc_advantages.py (cutpoint_interval 5, the \"int5\" configs)"), Range: credit.AtLeast(1)}}
	pSPOChainValueKey         = credit.StringParam{Param: credit.Param{Name: "value_key", Kind: credit.String, Default: "mc", Doc: "step value channel of given MC values", Origin: credit.Channel}}
	pSPOChainInitFeature      = credit.StringParam{Param: credit.Param{Name: "init_feature", Kind: credit.String, Default: "mc_init", Doc: "feature with the query state's MC value (given values only)", Origin: credit.Channel}}
)

func registerSPOChain() {
	credit.Register(&credit.Method{
		Name:    "spo.chain",
		Summary: "SPO-chain: segment advantages from Monte Carlo values at low-probability cutpoints, with the probability mask",
		Params: credit.Params(
			pProbThreshold,
			pSPOChainCutpointInterval,
			pSPOChainValueKey,
			pSPOChainInitFeature,
			pLossMask,
			credit.Reward,
		),
		Inputs: []credit.Input{credit.InGroup, tree.InTokens,
			oldLogProbsWhen(func(credit.Values) bool { return true }),
			credit.InOutcome,
			{Name: "steps[].values.<value_key> | probe trajectories", Doc: "MC values: given per step, or probe=true trajectories with parent={traj_uid, token} as planned by tree.PlanChainProbes"},
		},
		Reads:      credit.ReadsTokenIDs | credit.ReadsMask | credit.ReadsOldLogProbs | credit.ReadsTokenRewards,
		Outputs:    []string{"advantages", "loss_weights (loss_mask)"},
		Scope:      credit.ScopeGroup,
		Provenance: credit.Provenance{Paper: spoPaper, ArXiv: spoArXiv, SpecRow: 3, Reference: spoRefChain},
		Notes: "reads responses, old_log_probs, rewards.<reward> (trajectories and probes), steps[].values.mc + features.mc_init or probe trajectories; " +
			"cutpoints = (tokens with p < prob_threshold) − 1, every cutpoint_interval-th; first segment gets 0 without a query-state value (reference quirk); " +
			"probes get advantage 0 and mask 0; loss_mask writes loss_weights = response_mask with 0 where p >= prob_threshold (the trainer's action_mask &= p < 0.9)",
		Run: runChain,
	})
}

func runChain(b *rollout.Batch, v credit.Values) error {
	opt := tree.DefaultChainBatchOptions()
	opt.Plan.ProbThreshold = pProbThreshold.Get(v)
	opt.Plan.Interval = pSPOChainCutpointInterval.Get(v)
	opt.Reward = credit.Reward.Get(v)
	opt.ValueKey = pSPOChainValueKey.Get(v)
	opt.InitFeature = pSPOChainInitFeature.Get(v)
	res, err := tree.ChainBatch(b, opt)
	if err != nil {
		var mp *tree.MissingProbeError
		if errors.As(err, &mp) {
			return &credit.InputError{Method: "spo.chain", Trajectory: mp.Row, ID: mp.ID,
				Input: credit.Input{Name: fmt.Sprintf("probe trajectories for cutpoint %d (parent token %d)", mp.Cutpoint, mp.Cutpoint+1),
					Doc: "MC continuations planned by tree.PlanChainProbes, with probe=true and parent={traj_uid, token}"}}
		}
		return err
	}
	tree.ApplyMask(b, res.Advantages, res.Train, pLossMask.Get(v))
	return nil
}

// Parameters of spo.tree.
var (
	pSPOTreeAdvMethod   = credit.StringParam{Param: credit.Param{Name: "adv_method", Kind: credit.String, Default: "rloo", Choices: []string{"rloo", "grpo"}, Doc: "V(c) − V(p), or divided by the parent's children std", Origin: credit.FromReference("AIFrameResearch/SPO src/treetune/episode_generators/tree_episode_generator.py::TreeEpisodeUtils.extract_edges_from_tree (adv_method \"rloo\")")}}
	pSPOTreeOnlyNonzero = credit.BoolParam{Param: credit.Param{Name: "only_nonzero", Kind: credit.Bool, Default: true, Doc: "drop edges whose advantage + prover advantage is 0 (only_adv_greater_than_zero)", Origin: credit.FromReference("AIFrameResearch/SPO src/treetune/episode_generators/tree_episode_generator.py::TreeEpisodeUtils.extract_edges_from_tree (only_adv_greater_than_zero true)")}}
	pSPOTreeProverK     = credit.IntParam{Param: credit.Param{Name: "prover_k", Kind: credit.Int, Default: 4, Doc: "best-of-K horizon of the prover advantage", Origin: credit.FromReference("AIFrameResearch/SPO src/treetune/episode_generators/tree_episode_generator.py::TreeEpisodeUtils.extract_edges_from_tree (BoK horizon 4: 1 − (1 − V)^4)"), Range: credit.AtLeast(1)}}
	pSPOTreeProverCoef  = credit.FloatParam{Param: credit.Param{Name: "prover_coef", Kind: credit.Float, Default: 0.0, Doc: "weight of the prover (PAV) advantage added to each edge", Origin: credit.FromReference("AIFrameResearch/SPO src/treetune/episode_generators/tree_episode_generator.py::TreeEpisodeUtils.extract_edges_from_tree (the prover term is off by default)")}}
	pSPOTreeEpsilon     = credit.FloatParam{Param: credit.Param{Name: "epsilon", Kind: credit.Float, Default: 1e-8, Doc: "added to the parent's std by adv_method=grpo", Aliases: []credit.Alias{credit.Deprecated("grpo_epsilon", "epsilon")}, Origin: credit.FromReference("AIFrameResearch/SPO src/treetune/episode_generators/tree_episode_generator.py::TreeEpisodeUtils.extract_edges_from_tree (std + 1e-8 for adv_method grpo)"), Range: credit.NonNeg}}
	pSPOTreeDedupe      = credit.BoolParam{Param: credit.Param{Name: "dedupe", Kind: credit.Bool, Default: true, Doc: "train a shared segment once (in its first response)", Origin: credit.FromReference("AIFrameResearch/SPO src/treetune/episode_generators/tree_episode_generator.py::TreeEpisodeUtils.extract_edges_from_tree (each edge is one training sample)")}}
)

func registerSPOTree() {
	credit.Register(&credit.Method{
		Name:    "spo.tree",
		Summary: "SPO-tree: edge advantages V(child) − V(parent) over the sampled tree given by parent links (prefix trie of the tokens when no links are given)",
		Params: credit.Params(
			pSPOTreeAdvMethod,
			pSPOTreeOnlyNonzero,
			pSPOTreeProverK,
			pSPOTreeProverCoef,
			pSPOTreeEpsilon,
			pSPOTreeDedupe,
			pProbThreshold,
			pLossMask,
			credit.Reward,
		),
		Inputs: []credit.Input{credit.InGroup, tree.InTokens, inParent, credit.InOutcome,
			oldLogProbsWhen(func(v credit.Values) bool { return pProbThreshold.Get(v) < 1 })},
		Reads:      credit.ReadsTokenIDs | credit.ReadsMask | credit.ReadsOldLogProbs | credit.ReadsTokenRewards,
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
	opt := tree.DefaultTreeOptions()
	switch pSPOTreeAdvMethod.Get(v) {
	case "rloo":
		opt.Edges.Method = spo.AdvRLOO
	case "grpo":
		opt.Edges.Method = spo.AdvGRPO
	default:
		return fmt.Errorf("unknown adv_method %q", pSPOTreeAdvMethod.Get(v))
	}
	opt.Edges.OnlyNonZero = pSPOTreeOnlyNonzero.Get(v)
	opt.Edges.K = pSPOTreeProverK.Get(v)
	opt.Edges.GRPOEpsilon = pSPOTreeEpsilon.Get(v)
	opt.ProverCoef = pSPOTreeProverCoef.Get(v)
	opt.Dedupe = pSPOTreeDedupe.Get(v)
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
	opt.Links = links
	res, err := tree.TreeAdvantages(tree.TokenIDs(b), scores, credit.GroupIDs(b), opt)
	if err != nil {
		return err
	}
	if thr := pProbThreshold.Get(v); thr < 1 {
		if err := probMask(b, res.Advantages, res.Train, thr); err != nil {
			return err
		}
	}
	tree.ApplyMask(b, res.Advantages, res.Train, pLossMask.Get(v))
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
