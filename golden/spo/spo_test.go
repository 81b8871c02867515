package spo

import (
	"testing"

	"github.com/credo-rl/credo/golden/goldentest"
)

func TestGolden(t *testing.T) {
	goldentest.Check(t, "spo.chain_token_advantages.json", "spo.tree_edges.json")
}
