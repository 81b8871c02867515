package train

import (
	"strings"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/lab/env"
	"github.com/credo-rl/credo/lab/sample"
)

// How the lab feeds each registered method. The default serves any
// method: independent groups of episodes per start state, token-level
// rewards, critic values, reference and behaviour log-probs, greedy
// baselines, stratum features, a PRM judge's votes where the environment
// has a "prm" signal, and every discount set to γ = 1 (A^π is
// undiscounted). Only the exceptions are listed here.

// Profile is how the lab feeds one method.
type Profile struct {
	// Set overrides parameter defaults (applied when the method has the parameter).
	Set map[string]any
	// NoTokenRewards leaves token_level_rewards out: verl-agent's step-row
	// methods read token rewards as the reward of each step row, where the
	// episode reward is meant.
	NoTokenRewards bool
	// Tree samples rollout trees (shared prefixes) instead of independent groups.
	Tree bool
	// Probes adds SPO-chain's Monte Carlo probes (tree.PlanChainProbes).
	Probes bool
}

var profiles = map[string]Profile{
	// A stable prompt id across batches (verl's uid is per batch).
	"knapsack.grpo": {Set: map[string]any{"prompt_key": "features.prompt"}},
	// Tree methods recover the tree from the group's token trie.
	"spo.tree":          {Tree: true},
	"treerl.group_trie": {Tree: true},
	"tempo":             {Tree: true},
	// SPO-chain: MC probes at its cutpoints (cutpoint_interval is set per
	// environment by ProbeInterval).
	"spo.chain": {Probes: true},
	// PURE masks the advantage of each step's last (separator) token; the
	// lab's steps are single tokens, so the separator is the step itself.
	"pure.credit_assignment":           {Set: map[string]any{"nomask_separator_adv": true}},
	"pure.credit_assignment.corrected": {Set: map[string]any{"nomask_separator_adv": true}},
	// The stage's own separator masking zeroes every one-token step: off.
	"pure.min_form": {Set: map[string]any{"mask_separator": false}},
}

// MethodProfile returns how the lab runs m and its parameter overrides.
func MethodProfile(m *credit.Method, e env.Env) (Profile, map[string]any) {
	p := profiles[m.Name]
	set := map[string]any{}
	for _, par := range m.Params {
		if par.Name == "gamma" && par.Kind == credit.Float {
			set["gamma"] = 1.0
		}
	}
	for k, v := range p.Set {
		set[k] = v
	}
	if p.Probes {
		set["cutpoint_interval"] = ProbeInterval(e)
	}
	for _, in := range m.Inputs {
		if strings.Contains(in.Name, "steps[].rewards.reward") {
			p.NoTokenRewards = true
		}
	}
	return p, set
}

// UniformPolicy is the uniform policy over e's legal actions: the lab's
// reference policy (ref_log_prob).
func UniformPolicy(e env.Env) sample.Act {
	return func(s env.State, t int) []float64 {
		l := e.Legal(s)
		p := make([]float64, len(e.Actions()))
		n := 0.0
		for a := range p {
			if l == nil || l[a] {
				p[a] = 1
				n++
			}
		}
		for a := range p {
			p[a] /= n
		}
		return p
	}
}
