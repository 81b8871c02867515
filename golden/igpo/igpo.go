package igpo

import (
	"github.com/credo-rl/credo/anchor/igpo"
	"github.com/credo-rl/credo/golden"
)

func init() {
	golden.Register("igpo.grpo_turn_level", grpoTurnLevel)
}

func grpoTurnLevel(c *golden.Case) (golden.Outputs, error) {
	rewards, err := c.Matrix("token_level_rewards")
	if err != nil {
		return nil, err
	}
	mask, err := c.Matrix("response_mask")
	if err != nil {
		return nil, err
	}
	index, err := c.Strings("index")
	if err != nil {
		return nil, err
	}
	o := igpo.DefaultOptions()
	if o.Epsilon, err = c.Float("epsilon", o.Epsilon); err != nil {
		return nil, err
	}
	if o.NormByStd, err = c.Bool("norm_adv_by_std_in_grpo", o.NormByStd); err != nil {
		return nil, err
	}
	if o.Gamma, err = c.Float("gamma", o.Gamma); err != nil {
		return nil, err
	}
	if o.CurriculumF1Weight, err = c.Float("curriculum_f1_weight", o.CurriculumF1Weight); err != nil {
		return nil, err
	}
	if o.CurriculumIGWeight, err = c.Float("curriculum_ig_weight", o.CurriculumIGWeight); err != nil {
		return nil, err
	}
	mode, err := c.String("info_gain_norm_mode", "joint")
	if err != nil {
		return nil, err
	}
	// The reference tests for "separate" and treats every other value as joint.
	if mode == "separate" {
		o.Mode = igpo.Separate
	}
	adv, err := igpo.GRPOTurnLevel(rewards, mask, index, o)
	if err != nil {
		return nil, err
	}
	return golden.Outputs{"advantages": adv, "returns": adv}, nil
}
