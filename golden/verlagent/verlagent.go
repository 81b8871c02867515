package verlagent

import (
	"encoding/json"
	"fmt"

	"github.com/credo-rl/credo/anchor/verlagent"
	"github.com/credo-rl/credo/golden"
)

func init() {
	golden.Register("verl_agent.grpo", grpo)
	golden.Register("verl_agent.rloo", rloo)
	golden.Register("verl_agent.reinforce_plus_plus_baseline", rfppBaseline)
	golden.Register("verl_agent.step_discounted_returns", stepReturns)
	golden.Register("verl_agent.gigpo", gigpo)
}

// batch holds the inputs shared by the outcome estimators.
type batch struct {
	rewards, mask [][]float64
	index, traj   []string
	cross         bool
}

func readBatch(c *golden.Case) (b batch, err error) {
	if b.rewards, err = c.Matrix("token_level_rewards"); err != nil {
		return b, err
	}
	if b.mask, err = c.Matrix("response_mask"); err != nil {
		return b, err
	}
	if b.index, err = c.Strings("index"); err != nil {
		return b, err
	}
	if b.traj, err = c.Strings("traj_index"); err != nil {
		return b, err
	}
	b.cross, err = c.Bool("compute_mean_std_cross_steps", true)
	return b, err
}

func outputs(adv [][]float64) golden.Outputs {
	return golden.Outputs{"advantages": adv, "returns": adv}
}

func grpo(c *golden.Case) (golden.Outputs, error) {
	b, err := readBatch(c)
	if err != nil {
		return nil, err
	}
	o := verlagent.DefaultGRPOOptions()
	o.CrossSteps = b.cross
	if o.Epsilon, err = c.Float("epsilon", o.Epsilon); err != nil {
		return nil, err
	}
	if o.NormByStd, err = c.Bool("norm_adv_by_std_in_grpo", o.NormByStd); err != nil {
		return nil, err
	}
	adv, err := verlagent.GRPO(b.rewards, b.mask, b.index, b.traj, o)
	if err != nil {
		return nil, err
	}
	return outputs(adv), nil
}

func rloo(c *golden.Case) (golden.Outputs, error) {
	b, err := readBatch(c)
	if err != nil {
		return nil, err
	}
	adv, err := verlagent.RLOO(b.rewards, b.mask, b.index, b.traj, verlagent.RLOOOptions{CrossSteps: b.cross})
	if err != nil {
		return nil, err
	}
	return outputs(adv), nil
}

func rfppBaseline(c *golden.Case) (golden.Outputs, error) {
	b, err := readBatch(c)
	if err != nil {
		return nil, err
	}
	adv, err := verlagent.ReinforcePlusPlusBaseline(b.rewards, b.mask, b.index, b.traj,
		verlagent.ReinforcePlusPlusBaselineOptions{CrossSteps: b.cross})
	if err != nil {
		return nil, err
	}
	return outputs(adv), nil
}

func stepReturns(c *golden.Case) (golden.Outputs, error) {
	r, err := c.Vector("rewards")
	if err != nil {
		return nil, err
	}
	traj, err := c.Strings("traj_uid")
	if err != nil {
		return nil, err
	}
	gamma, err := c.Float("gamma", 1.0)
	if err != nil {
		return nil, err
	}
	out, err := verlagent.StepDiscountedReturns(r, traj, gamma)
	if err != nil {
		return nil, err
	}
	return golden.Outputs{"step_rewards": out}, nil
}

// anchorKeys renders anchor observations as exact-match keys: strings stay
// as they are; any other JSON value (integer lists standing for arrays) is
// rendered as a NUL byte followed by its canonical JSON, so that it can
// never equal a string observation (the reference's to_hashable keeps str
// and tuple apart). text reports whether every observation is a string.
func anchorKeys(c *golden.Case) (keys []string, text bool, err error) {
	var raw []json.RawMessage
	if _, err := c.Decode("anchor_obs", &raw); err != nil {
		return nil, false, err
	}
	keys = make([]string, len(raw))
	text = true
	for i, r := range raw {
		var s string
		if json.Unmarshal(r, &s) == nil {
			keys[i] = s
			continue
		}
		var v any
		if err := json.Unmarshal(r, &v); err != nil {
			return nil, false, fmt.Errorf("anchor_obs[%d]: %w", i, err)
		}
		j, _ := json.Marshal(v)
		keys[i] = "\x00" + string(j)
		text = false
	}
	return keys, text, nil
}

// checkSimilarityText reproduces when the reference's similarity grouping
// raises on non-text observations: are_similar raises only when it compares
// two observations, and in a group (same index) of two or more rows every
// observation is compared at least with the group's first one, so the
// reference raises iff such a group holds a non-string observation. A
// non-string observation alone in its group is never compared and forms its
// own cluster.
func checkSimilarityText(keys, index []string) error {
	size := map[string]int{}
	for _, id := range index {
		size[id]++
	}
	for i, k := range keys {
		if len(k) > 0 && k[0] == 0 && i < len(index) && size[index[i]] > 1 {
			return fmt.Errorf("verl_agent.gigpo: anchor_obs[%d] is not text; similarity grouping compares text observations only (the reference raises ValueError)", i)
		}
	}
	return nil
}

func gigpo(c *golden.Case) (golden.Outputs, error) {
	b, err := readBatch(c)
	if err != nil {
		return nil, err
	}
	envRewards, err := c.Vector("rewards")
	if err != nil {
		return nil, err
	}
	gamma, err := c.Float("gamma", 1.0)
	if err != nil {
		return nil, err
	}
	o := verlagent.DefaultGiGPOOptions()
	if o.Epsilon, err = c.Float("epsilon", o.Epsilon); err != nil {
		return nil, err
	}
	if o.StepAdvantageW, err = c.Float("step_advantage_w", o.StepAdvantageW); err != nil {
		return nil, err
	}
	if o.EnableSimilarity, err = c.Bool("enable_similarity", o.EnableSimilarity); err != nil {
		return nil, err
	}
	if o.SimilarityThresh, err = c.Float("similarity_thresh", o.SimilarityThresh); err != nil {
		return nil, err
	}
	mode, err := c.String("mode", "mean_norm")
	if err != nil {
		return nil, err
	}
	switch mode {
	case "mean_norm":
		o.Mode = verlagent.MeanNorm
	case "mean_std_norm":
		o.Mode = verlagent.MeanStdNorm
	default:
		return nil, fmt.Errorf("verl_agent.gigpo: unknown mode %q", mode)
	}
	keys, text, err := anchorKeys(c)
	if err != nil {
		return nil, err
	}
	if o.EnableSimilarity && !text {
		if err := checkSimilarityText(keys, b.index); err != nil {
			return nil, err
		}
	}
	stepRewards, err := verlagent.StepDiscountedReturns(envRewards, b.traj, gamma)
	if err != nil {
		return nil, err
	}
	adv, err := verlagent.GiGPO(b.rewards, stepRewards, b.mask, keys, b.index, b.traj, o)
	if err != nil {
		return nil, err
	}
	return golden.Outputs{"step_rewards": stepRewards, "advantages": adv, "returns": adv}, nil
}
