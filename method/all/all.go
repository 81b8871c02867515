package all

import (
	_ "github.com/credo-rl/credo/method/group"   // Stratified GRPO, Trust-GRPO, Posterior-GRPO, LSC, GRPO-λ, TRL GRPO, BRPO, Knapsack RL
	_ "github.com/credo-rl/credo/method/process" // PURE min-form stage, Clip/Delta, VSRM, TP-GRPO, OmegaPRM and GroundedPRM labels
	_ "github.com/credo-rl/credo/method/ref"     // the references: verl, verl-agent, OpenRLHF, PURE, IGPO, SPIRAL, SPO, TreeRL
	_ "github.com/credo-rl/credo/method/reward"  // reward stages: TLTS, AdaCtrl, ADR, SCoRe, CRew, GTAlign, Auto-CEI, R³, Retro* (+ ADCL allocator)
	_ "github.com/credo-rl/credo/method/token"   // HICRA, preplan-and-anchor, MA-RLHF, r→Q*, T-REG, OREO, CAPO
	_ "github.com/credo-rl/credo/method/tree"    // SPO chain and tree, TEMPO, TreeRL on a group trie
	_ "github.com/credo-rl/credo/method/turn"    // OPRL, MALT, ArCHer, POAD, Sotopia-RL, CALM, LaRe (+ GMAH mixer)
)
