package all

import (
	_ "github.com/credo-rl/credo/golden/igpo"      // igpo.*
	_ "github.com/credo-rl/credo/golden/loss"      // losses, KL and aggregation (verl, OpenRLHF)
	_ "github.com/credo-rl/credo/golden/openrlhf"  // openrlhf.* estimators
	_ "github.com/credo-rl/credo/golden/pure"      // pure.*
	_ "github.com/credo-rl/credo/golden/spiral"    // spiral.*
	_ "github.com/credo-rl/credo/golden/spo"       // spo.*
	_ "github.com/credo-rl/credo/golden/treerl"    // treerl.*
	_ "github.com/credo-rl/credo/golden/verl"      // verl.* advantage estimators
	_ "github.com/credo-rl/credo/golden/verlagent" // verl_agent.*
)
