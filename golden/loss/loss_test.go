package lossgolden

import (
	"testing"

	"github.com/credo-rl/credo/golden/goldentest"
)

func TestGolden(t *testing.T) {
	goldentest.Check(t,
		"verl.agg_loss.json",
		"verl.kl_penalty.json",
		"verl.value_loss.json",
		"verl.policy_loss_vanilla.json",
		"verl.policy_loss_cispo.json",
		"verl.policy_loss_clip_cov.json",
		"verl.policy_loss_geo_mean.json",
		"verl.policy_loss_gpg.json",
		"verl.policy_loss_gspo.json",
		"verl.policy_loss_kl_cov.json",
		"verl.policy_loss_sapo.json",
		"openrlhf.policy_loss.json",
		"openrlhf.compute_approx_kl.json",
	)
}
