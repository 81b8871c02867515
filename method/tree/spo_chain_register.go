package tree

// The registry binding of spo.chain, beside its estimator.

import (
	"errors"
	"fmt"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

func init() {
	credit.Register(&credit.Method{
		Name:    "spo.chain",
		Summary: "SPO-chain: segment advantages from Monte Carlo values at low-probability cutpoints, with the probability mask",
		Params: []credit.Param{
			pProbThreshold,
			{Name: "cutpoint_interval", Kind: credit.Int, Default: 5, Doc: "keep every k-th cutpoint", Origin: credit.FromReference("AIFrameResearch/SPO src/treetune/episode_generators/math_episode_generator_with_mc_advantages.py (cutpoint_interval 5, the \"int5\" configs)"), Range: credit.AtLeast(1)},
			{Name: "value_key", Kind: credit.String, Default: "mc", Doc: "step value channel of given MC values", Origin: credit.Channel},
			{Name: "init_feature", Kind: credit.String, Default: "mc_init", Doc: "feature with the query state's MC value (given values only)", Origin: credit.Channel},
			pLossMask,
			credit.RewardParam,
		},
		Inputs: []credit.Input{credit.InGroup, inTokens,
			oldLogProbsWhen(func(credit.Values) bool { return true }),
			credit.InOutcome,
			{Name: "steps[].values.<value_key> | probe trajectories", Doc: "MC values: given per step, or probe=true trajectories with parent={traj_uid, token} as planned by tree.PlanChainProbes"},
		},
		Outputs:    []string{"advantages", "loss_weights (loss_mask)"},
		Scope:      credit.ScopeGroup,
		Provenance: credit.Provenance{Paper: spoPaper, ArXiv: spoArXiv, SpecRow: 3, Reference: spoRefChain},
		Notes: "reads responses, old_log_probs, rewards.<reward> (trajectories and probes), steps[].values.mc + features.mc_init or probe trajectories; " +
			"cutpoints = (tokens with p < prob_threshold) − 1, every cutpoint_interval-th; first segment gets 0 without a query-state value (reference quirk); " +
			"probes get advantage 0 and mask 0; loss_mask writes loss_weights = response_mask with 0 where p >= prob_threshold (the trainer's action_mask &= p < 0.9)",
		Run: runChain,
	})
}

func runChain(b *rollout.Batch, v credit.Values) error {
	opt := DefaultChainBatchOptions()
	opt.Plan.ProbThreshold = v.Float("prob_threshold")
	opt.Plan.Interval = v.Int("cutpoint_interval")
	opt.Reward = v.String("reward")
	opt.ValueKey = v.String("value_key")
	opt.InitFeature = v.String("init_feature")
	res, err := ChainBatch(b, opt)
	if err != nil {
		var mp *MissingProbeError
		if errors.As(err, &mp) {
			return &credit.InputError{Method: "spo.chain", Trajectory: mp.Row, ID: mp.ID,
				Input: credit.Input{Name: fmt.Sprintf("probe trajectories for cutpoint %d (parent token %d)", mp.Cutpoint, mp.Cutpoint+1),
					Doc: "MC continuations planned by tree.PlanChainProbes, with probe=true and parent={traj_uid, token}"}}
		}
		return err
	}
	applyMask(b, res.Advantages, res.Train, v.Bool("loss_mask"))
	return nil
}
