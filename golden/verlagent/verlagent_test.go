package verlagent

import (
	"testing"

	"github.com/credo-rl/credo/golden/goldentest"
)

func TestGolden(t *testing.T) {
	goldentest.Check(t,
		"verl_agent.grpo.json",
		"verl_agent.rloo.json",
		"verl_agent.reinforce_plus_plus_baseline.json",
		"verl_agent.step_discounted_returns.json",
		"verl_agent.gigpo.json",
	)
}
