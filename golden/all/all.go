// Package all links every golden-vector adapter into a program.
package all

import (
	_ "github.com/credo-rl/credo/golden/spo"    // spo.*
	_ "github.com/credo-rl/credo/golden/treerl" // treerl.*
	_ "github.com/credo-rl/credo/golden/verl"   // verl.* advantage estimators
)
