package verl_test

import (
	"testing"

	"github.com/credo-rl/credo/golden/goldentest"
	_ "github.com/credo-rl/credo/golden/verl"
)

func TestGolden(t *testing.T) {
	goldentest.Check(t,
		"verl.grpo.json",
		"verl.grpo_vectorized.json",
		"verl.grpo_passk.json",
		"verl.rloo.json",
		"verl.rloo_vectorized.json",
		"verl.opo.json",
		"verl.gpg.json",
		"verl.remax.json",
		"verl.reinforce_plus_plus.json",
		"verl.reinforce_plus_plus_baseline.json",
		"verl.gae.json",
		"verl.optimal_token_baseline.json",
		"verl.tir_optimal_token_baseline.json",
	)
}
