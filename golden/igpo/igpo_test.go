package igpo

import (
	"testing"

	"github.com/credo-rl/credo/golden/goldentest"
)

func TestGolden(t *testing.T) {
	goldentest.Check(t, "igpo.grpo_turn_level.json")
}
