package tree

// Shared helpers of the registry bindings. Each method's binding (its
// credit.Register call and run function) is in <estimator>_register.go,
// beside the file of its estimator.

import (
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
		Doc: "probability mask: tokens with p = exp(old_log_probs) above it get advantage 0 (>= 1 disables)", Origin: credit.FromReference("AIFrameResearch/SPO src/treetune/episode_generators/math_episode_generator_with_mc_advantages.py (p > 0.9 masked, hard-coded; use_prob_mask true in the configs)"), Range: credit.NonNeg}
	pLossMask = credit.Param{Name: "loss_mask", Kind: credit.Bool, Default: true,
		Doc: "write loss_weights: response_mask with 0 where the reference trains no sample (see notes)", Origin: credit.FromReference("AIFrameResearch/SPO configs (use_prob_mask: true; the trainer drops the masked tokens from the loss)")}
	inTokens = credit.Input{Name: "responses", Doc: "token ids; responses of a group that share a prefix share its trie node"}
	inParent = credit.Input{Name: "parent (optional)", Doc: "{traj_uid, token}: the tree-sampled response forks after the parent's first token tokens (its responses start with them); without links the tree is the prefix trie"}
)

func oldLogProbsWhen(cond func(v credit.Values) bool) credit.Input {
	return credit.Input{Name: "old_log_probs", Doc: "behaviour-policy log-probs per token (probability mask, cutpoints)",
		Has: func(t *rollout.Trajectory, v credit.Values) bool {
			return t.Probe || !cond(v) || t.OldLogProbs != nil
		}}
}

func tokensOf(b *rollout.Batch) [][]int64 {
	out := make([][]int64, len(b.Trajectories))
	for i, t := range b.Trajectories {
		out[i] = t.Tokens
	}
	return out
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
