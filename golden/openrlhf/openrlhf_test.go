package openrlhf

import (
	"testing"

	"github.com/credo-rl/credo/golden/goldentest"
)

func TestGolden(t *testing.T) {
	goldentest.Check(t,
		"openrlhf.compute_reward.json",
		"openrlhf.cumulative_returns.json",
		"openrlhf.gae.json",
		"openrlhf.compute_advantages_and_returns.json",
	)
}
