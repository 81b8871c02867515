package lab

import (
	"strings"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/lab/env"
)

// How the lab feeds each registered method. The default serves any
// method: independent groups of episodes per start state, token-level
// rewards, critic values, reference and behaviour log-probs, greedy
// baselines, stratum features, a PRM judge's votes where the environment
// has a "prm" signal, and every discount set to γ = 1 (A^π is
// undiscounted). Only the exceptions are listed here.

type profile struct {
	// set overrides parameter defaults (applied when the method has the parameter).
	set map[string]any
	// noTokenRewards leaves token_level_rewards out: verl-agent's step-row
	// methods read token rewards as the reward of each step row, where the
	// episode reward is meant.
	noTokenRewards bool
	// tree samples rollout trees (shared prefixes) instead of independent groups.
	tree bool
	// probes adds SPO-chain's Monte Carlo probes (tree.PlanChainProbes).
	probes bool
}

var profiles = map[string]profile{
	// A stable prompt id across batches (verl's uid is per batch).
	"knapsack.grpo": {set: map[string]any{"prompt_key": "features.prompt"}},
	// Tree methods recover the tree from the group's token trie.
	"spo.tree":          {tree: true},
	"treerl.group_trie": {tree: true},
	"tempo":             {tree: true},
	// SPO-chain: MC probes at its cutpoints (cutpoint_interval is set per
	// environment by probeInterval).
	"spo.chain": {probes: true},
	// PURE masks the advantage of each step's last (separator) token; the
	// lab's steps are single tokens, so the separator is the step itself.
	"pure.credit_assignment":           {set: map[string]any{"nomask_separator_adv": true}},
	"pure.credit_assignment.corrected": {set: map[string]any{"nomask_separator_adv": true}},
	// The stage's own separator masking zeroes every one-token step: off.
	"pure.min_form": {set: map[string]any{"mask_separator": false}},
}

// methodProfile returns how the lab runs m and its parameter overrides.
func methodProfile(m *credit.Method, e env.Env) (profile, map[string]any) {
	p := profiles[m.Name]
	set := map[string]any{}
	for _, par := range m.Params {
		if par.Name == "gamma" && par.Kind == credit.Float {
			set["gamma"] = 1.0
		}
	}
	for k, v := range p.set {
		set[k] = v
	}
	if p.probes {
		set["cutpoint_interval"] = probeInterval(e)
	}
	for _, in := range m.Inputs {
		if strings.Contains(in.Name, "steps[].rewards.reward") {
			p.noTokenRewards = true
		}
	}
	return p, set
}
