package pure

import (
	"testing"

	"github.com/credo-rl/credo/golden/goldentest"
)

func TestGolden(t *testing.T) {
	goldentest.Check(t,
		"pure.turn_process_reward_logits_to_reward.json",
		"pure.credit_assignment.json",
	)
}
