package tree

import (
	"errors"
	"fmt"
	"math"

	"github.com/credo-rl/credo/anchor/spo"
	"github.com/credo-rl/credo/anchor/treerl"
	"github.com/credo-rl/credo/anchor/verl"
	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Registry bindings. Every method reads the trajectories' token ids
// (responses) and groups them by uid; see each Method's Notes for the other
// fields it reads.

const (
	spoPaper    = "Segment Policy Optimization: Effective Segment-Level Credit Assignment in RL for Large Language Models"
	spoArXiv    = "2505.23564"
	spoRefChain = "AIFrameResearch/SPO@b9fc6a263dec54e28137fd488a9b9c0e0d026025 src/treetune/episode_generators/math_episode_generator_with_mc_advantages.py::MathEpisodeGeneratorWithMCAdvantages._compute_token_advantages"
	spoRefTree  = "AIFrameResearch/SPO@b9fc6a263dec54e28137fd488a9b9c0e0d026025 src/treetune/episode_generators/tree_episode_generator.py::TreeEpisodeUtils.extract_edges_from_tree"
	treerlRef   = "THUDM/TreeRL@f0edbea6f2f6392c46d297f83fb4929a9524266e openrlhf/trainer/ppo_utils/tree_node.py::build_into_tree_format + openrlhf/trainer/ppo_utils/parallel_mcts.py::gather_paths"
)

var (
	pProbThreshold = credit.Param{Name: "prob_threshold", Kind: credit.Float, Default: 0.9,
		Doc: "probability mask: tokens with p = exp(old_log_probs) above it get advantage 0 (>= 1 disables)"}
	pLossMask = credit.Param{Name: "loss_mask", Kind: credit.Bool, Default: true,
		Doc: "write loss_weights: response_mask with 0 where the reference trains no sample (see notes)"}
	inTokens = credit.Input{Name: "responses", Doc: "token ids; responses of a group that share a prefix share its trie node"}
	inParent = credit.Input{Name: "parent (optional)", Doc: "{traj_uid, token}: the tree-sampled response forks after the parent's first token tokens (its responses start with them); without links the tree is the prefix trie"}
)

func oldLogProbsWhen(cond func(v credit.Values) bool) credit.Input {
	return credit.Input{Name: "old_log_probs", Doc: "behaviour-policy log-probs per token (probability mask, cutpoints)",
		Has: func(t *rollout.Trajectory, v credit.Values) bool {
			return t.Probe || !cond(v) || t.OldLogProbs != nil
		}}
}

func init() {
	credit.Register(&credit.Method{
		Name:    "tempo",
		Summary: "TEMPO: GRPO plus a TD correction V(s_{t+1}) − V(s_t) from the group's prefix trie at branching tokens",
		Params: []credit.Param{
			{Name: "epsilon", Kind: credit.Float, Default: 1e-6, Doc: "added to the group standard deviation"},
			{Name: "norm_adv_by_std_in_grpo", Kind: credit.Bool, Default: true, Doc: "divide by the group std (false = Dr.GRPO's r - mean)"},
			{Name: "td_coef", Kind: credit.Float, Default: 1.0, Doc: "weight of the TD term (not given by the paper)"},
			{Name: "raw_values", Kind: credit.Bool, Default: false, Doc: "V(prefix) = mean raw score instead of mean group-normalised advantage"},
			credit.RewardParam,
		},
		Inputs:  []credit.Input{credit.InGroup, inTokens, credit.InTokenRewards},
		Outputs: []string{"advantages", "returns"},
		Scope:   credit.ScopeGroup,
		Provenance: credit.Provenance{Paper: "Exploiting Tree Structure for Credit Assignment in RL Training of LLMs", ArXiv: "2509.18314", SpecRow: 29,
			Reference: "no public code; base advantage = volcengine/verl@b178a3cd56f58b2d502255daba591e92833930a7 verl/trainer/ppo/core_algos.py::compute_grpo_outcome_advantage"},
		Notes: "reads responses, uid, token_level_rewards or rewards.<reward>, response_mask; score = sum of token rewards as in verl.grpo; " +
			"equals verl.grpo on every token where the trie does not branch; returns == advantages; the prefix trie of the token ids is TEMPO's own " +
			"construction (P2T: V(prefix) is a mean over the responses sharing that prefix), so parent links are not read",
		Run: runTEMPO,
	})
	credit.Register(&credit.Method{
		Name:    "spo.chain",
		Summary: "SPO-chain: segment advantages from Monte Carlo values at low-probability cutpoints, with the probability mask",
		Params: []credit.Param{
			pProbThreshold,
			{Name: "cutpoint_interval", Kind: credit.Int, Default: 5, Doc: "keep every k-th cutpoint"},
			{Name: "value_key", Kind: credit.String, Default: "mc", Doc: "step value channel of given MC values"},
			{Name: "init_feature", Kind: credit.String, Default: "mc_init", Doc: "feature with the query state's MC value (given values only)"},
			pLossMask,
			credit.RewardParam,
		},
		Inputs: []credit.Input{credit.InGroup, inTokens,
			oldLogProbsWhen(func(credit.Values) bool { return true }),
			credit.InOutcome,
			{Name: "steps[].values.<value_key> | probe trajectories", Doc: "MC values: given per step, or probe=true trajectories with parent={traj_uid, token} as planned by tree.PlanChainProbes"},
		},
		Outputs:    []string{"advantages", "loss_weights (loss_mask)"},
		Scope:      credit.ScopeGroup,
		Provenance: credit.Provenance{Paper: spoPaper, ArXiv: spoArXiv, SpecRow: 3, Reference: spoRefChain},
		Notes: "reads responses, old_log_probs, rewards.<reward> (trajectories and probes), steps[].values.mc + features.mc_init or probe trajectories; " +
			"cutpoints = (tokens with p < prob_threshold) − 1, every cutpoint_interval-th; first segment gets 0 without a query-state value (reference quirk); " +
			"probes get advantage 0 and mask 0; loss_mask writes loss_weights = response_mask with 0 where p >= prob_threshold (the trainer's action_mask &= p < 0.9)",
		Run: runChain,
	})
	credit.Register(&credit.Method{
		Name:    "spo.tree",
		Summary: "SPO-tree: edge advantages V(child) − V(parent) over the sampled tree given by parent links (prefix trie of the tokens when no links are given)",
		Params: []credit.Param{
			{Name: "adv_method", Kind: credit.String, Default: "rloo", Choices: []string{"rloo", "grpo"}, Doc: "V(c) − V(p), or divided by the parent's children std"},
			{Name: "only_nonzero", Kind: credit.Bool, Default: true, Doc: "drop edges whose advantage + prover advantage is 0 (only_adv_greater_than_zero)"},
			{Name: "prover_k", Kind: credit.Int, Default: 4, Doc: "best-of-K horizon of the prover advantage"},
			{Name: "prover_coef", Kind: credit.Float, Default: 0.0, Doc: "weight of the prover (PAV) advantage added to each edge"},
			{Name: "grpo_epsilon", Kind: credit.Float, Default: 1e-8, Doc: "added to the parent's std by adv_method=grpo"},
			{Name: "dedupe", Kind: credit.Bool, Default: true, Doc: "train a shared segment once (in its first response)"},
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
	credit.Register(&credit.Method{
		Name:    "treerl.group_trie",
		Summary: "TreeRL's tree credit on a group's sampled tree from parent links, or its prefix trie when no links are given (responses as EPTree generations)",
		Params: []credit.Param{
			{Name: "mode", Kind: credit.String, Default: "advantage", Choices: []string{"advantage", "state_value", "value_only", "orm", "chain", "ancestor"}, Doc: "per-step value (gather_paths flags)"},
			{Name: "norm_style", Kind: credit.String, Default: "token", Choices: []string{"token", "step", "none"}, Doc: "re-centring of accumulated values (overall_norm_style)"},
			{Name: "use_weighted_value", Kind: credit.Bool, Default: false, Doc: "divide values by a function of the leaves below"},
			{Name: "weighted_value_style", Kind: credit.String, Default: "uniform", Choices: []string{"uniform", "sqrt", "original"}, Doc: "that function"},
			{Name: "average_one_generation", Kind: credit.Bool, Default: false, Doc: "values as means of children"},
			credit.RewardParam,
		},
		Inputs:     []credit.Input{credit.InGroup, inTokens, inParent, credit.InOutcome},
		Outputs:    []string{"advantages"},
		Scope:      credit.ScopeGroup,
		Provenance: credit.Provenance{Paper: "TreeRL: LLM Reinforcement Learning with On-Policy Tree Search", ArXiv: "2506.11902", Reference: treerlRef},
		Notes: "reads responses, uid, parent, rewards.<reward> (binary score = reward == 1); the tree is built from the parent links {traj_uid, token} " +
			"(a group with no link falls back to its prefix trie, exact only when sibling segments start with different tokens); " +
			"each response is one EPTree generation forking where it leaves the earlier responses (tree.TrieForest); singleton groups get 0 (TreeRL needs two leaves)",
		Run: runTreeRL,
	})
}

func tokensOf(b *rollout.Batch) [][]int64 {
	out := make([][]int64, len(b.Trajectories))
	for i, t := range b.Trajectories {
		out[i] = t.Tokens
	}
	return out
}

func runTEMPO(b *rollout.Batch, v credit.Values) error {
	r, err := credit.TokenRewards(b, v.String("reward"))
	if err != nil {
		return err
	}
	adv, err := TEMPO(tokensOf(b), r, credit.Masks(b), credit.GroupIDs(b), TEMPOOptions{
		GRPO:      verl.GRPOOptions{Epsilon: v.Float("epsilon"), NormByStd: v.Bool("norm_adv_by_std_in_grpo")},
		TDCoef:    v.Float("td_coef"),
		RawValues: v.Bool("raw_values"),
	})
	if err != nil {
		return err
	}
	credit.Store(b, adv, adv)
	return nil
}

// applyMask multiplies adv by the response mask and, with lossMask, writes
// mask·train as the trajectory's loss_weights (the response_mask given by
// the user is left as it is).
func applyMask(b *rollout.Batch, adv, train [][]float64, lossMask bool) {
	for i, t := range b.Trajectories {
		m := make([]float64, t.Len())
		for u := range m {
			m[u] = t.MaskAt(u)
			adv[i][u] *= m[u]
			if train != nil {
				m[u] *= train[i][u]
			}
		}
		t.Advantages = adv[i]
		t.Returns = nil
		t.LossWeights = nil
		if lossMask && train != nil {
			t.LossWeights = m
		}
	}
}

func runChain(b *rollout.Batch, v credit.Values) error {
	opt := DefaultChainBatchOptions()
	opt.Plan.ProbThreshold = v.Float("prob_threshold")
	opt.Plan.Interval = v.Int("cutpoint_interval")
	opt.Reward = v.String("reward")
	opt.ValueKey = v.String("value_key")
	opt.InitFeature = v.String("init_feature")
	res, err := ChainBatch(b, opt)
	if err != nil {
		var mp *MissingProbeError
		if errors.As(err, &mp) {
			return &credit.InputError{Method: "spo.chain", Trajectory: mp.Row, ID: mp.ID,
				Input: credit.Input{Name: fmt.Sprintf("probe trajectories for cutpoint %d (parent token %d)", mp.Cutpoint, mp.Cutpoint+1),
					Doc: "MC continuations planned by tree.PlanChainProbes, with probe=true and parent={traj_uid, token}"}}
		}
		return err
	}
	applyMask(b, res.Advantages, res.Train, v.Bool("loss_mask"))
	return nil
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
	opt.Edges.GRPOEpsilon = v.Float("grpo_epsilon")
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

func runTreeRL(b *rollout.Batch, v credit.Values) error {
	var opts treerl.Options
	var err error
	if opts.Mode, err = treerl.ParseMode(v.String("mode")); err != nil {
		return err
	}
	if opts.NormStyle, err = treerl.ParseNormStyle(v.String("norm_style")); err != nil {
		return err
	}
	if opts.WeightStyle, err = treerl.ParseWeightStyle(v.String("weighted_value_style")); err != nil {
		return err
	}
	opts.UseWeightedValue = v.Bool("use_weighted_value")
	opts.AverageOneGeneration = v.Bool("average_one_generation")
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
	adv, err := TreeRLAdvantagesLinked(tokensOf(b), scores, nil, links, credit.GroupIDs(b), opts)
	if err != nil {
		return err
	}
	applyMask(b, adv, nil, false)
	return nil
}
