package pure

import (
	"fmt"

	"github.com/credo-rl/credo/anchor/pure"
	"github.com/credo-rl/credo/golden"
)

func init() {
	golden.Register("pure.turn_process_reward_logits_to_reward", processRewardFromLogits)
	golden.Register("pure.credit_assignment", creditAssignment)
}

func logits3(v [][][]golden.Num) ([][][2]float64, error) {
	out := make([][][2]float64, len(v))
	for i, row := range v {
		out[i] = make([][2]float64, len(row))
		for k, l := range row {
			if len(l) != 2 {
				return nil, fmt.Errorf("logits row %d step %d has %d values, want 2", i, k, len(l))
			}
			out[i][k] = [2]float64{float64(l[0]), float64(l[1])}
		}
	}
	return out, nil
}

func processRewardFromLogits(c *golden.Case) (golden.Outputs, error) {
	var raw [][][]golden.Num
	if _, err := c.Decode("logits", &raw); err != nil {
		return nil, err
	}
	logits, err := logits3(raw)
	if err != nil {
		return nil, err
	}
	mask, err := c.Matrix("reward_mask")
	if err != nil {
		return nil, err
	}
	temp, err := c.Float("temperature", pure.DefaultTemperature)
	if err != nil {
		return nil, err
	}
	uniform, err := c.Bool("disable_weighted_reward", false)
	if err != nil {
		return nil, err
	}
	withOutcome, err := c.Bool("return_outcome_reward", false)
	if err != nil {
		return nil, err
	}
	pr, outcome, err := pure.ProcessRewardFromLogits(logits, mask, temp, uniform)
	if err != nil {
		return nil, err
	}
	out := golden.Outputs{"process_reward": pr}
	if withOutcome {
		out["outcome_reward"] = outcome
	}
	return out, nil
}

type experienceIn struct {
	Logits           [][][]golden.Num `json:"logits"`
	ScoreMask        [][]golden.Num   `json:"score_mask"`
	RewardMask       [][]golden.Num   `json:"reward_mask"`
	ActionMask       [][]golden.Num   `json:"action_mask"`
	NumTokensPerStep [][]golden.Num   `json:"num_tokens_per_step"`
	TokenLogProbs    [][]golden.Num   `json:"token_log_probs"`
	BaseLogProbs     [][]golden.Num   `json:"base_token_log_probs"`
	Solved           []golden.Num     `json:"solved"`
	HaveAnswers      []golden.Num     `json:"have_answers"`
}

type experienceOut struct {
	ProcessRewardsAfterBaseline [][]float64 `json:"process_rewards_after_baseline"`
	Returns                     [][]float64 `json:"returns"`
	Advantages                  [][]float64 `json:"advantages"`
	Match                       []float64   `json:"match"`
	Reward                      []float64   `json:"reward"`
	Return                      []float64   `json:"return"`
}

func creditAssignment(c *golden.Case) (golden.Outputs, error) {
	var in []experienceIn
	if ok, err := c.Decode("experiences", &in); err != nil {
		return nil, err
	} else if !ok {
		return nil, fmt.Errorf("case %q: experiences is missing", c.Name)
	}
	n, err := c.Int("n_samples_per_prompt", 0)
	if err != nil {
		return nil, err
	}
	opt := pure.DefaultOptions(n)
	// The reference is the contract here: degenerate groups give NaN/Inf in
	// PURE instead of an error.
	opt.PropagateNaN = true
	s, err := c.String("reward_baseline", string(opt.RewardBaseline))
	if err != nil {
		return nil, err
	}
	opt.RewardBaseline = pure.Baseline(s)
	if s, err = c.String("reward_mode", string(opt.RewardMode)); err != nil {
		return nil, err
	}
	opt.RewardMode = pure.RewardMode(s)
	if opt.VerifiableRewardCoef, err = c.Float("verifiable_reward_coef", opt.VerifiableRewardCoef); err != nil {
		return nil, err
	}
	if opt.KLCoef, err = c.Float("kl_coef", opt.KLCoef); err != nil {
		return nil, err
	}
	if opt.UseKLEstimatorK3, err = c.Bool("use_kl_estimator_k3", false); err != nil {
		return nil, err
	}
	if opt.NoMaskSeparatorAdv, err = c.Bool("nomask_separator_adv", false); err != nil {
		return nil, err
	}
	if opt.DisableWeightedReward, err = c.Bool("disable_weighted_reward", false); err != nil {
		return nil, err
	}
	if opt.Temperature, err = c.Float("temperature", opt.Temperature); err != nil {
		return nil, err
	}
	if opt.DisableAdvantageNormalization, err = c.Bool("disable_advantage_normalization", false); err != nil {
		return nil, err
	}

	exps := make([]pure.Experience, len(in))
	for k, e := range in {
		var logits [][][2]float64
		if e.Logits != nil {
			if logits, err = logits3(e.Logits); err != nil {
				return nil, fmt.Errorf("experience %d: %w", k, err)
			}
		}
		have := make([]bool, len(e.HaveAnswers))
		for i, h := range e.HaveAnswers {
			have[i] = h != 0
		}
		exps[k] = pure.Experience{
			Logits:           logits,
			ScoreMask:        golden.Matrix(e.ScoreMask),
			RewardMask:       golden.Matrix(e.RewardMask),
			ActionMask:       golden.Matrix(e.ActionMask),
			NumTokensPerStep: golden.Matrix(e.NumTokensPerStep),
			LogProbs:         golden.Matrix(e.TokenLogProbs),
			BaseLogProbs:     golden.Matrix(e.BaseLogProbs),
			Solved:           golden.Floats(e.Solved),
			HaveAnswers:      have,
		}
	}
	res, err := pure.CreditAssignment(exps, opt)
	if err != nil {
		return nil, err
	}
	steps := make([]any, len(res.Experiences))
	outs := make([]experienceOut, len(res.Experiences))
	for k, r := range res.Experiences {
		if r.StepProcessReward != nil {
			steps[k] = r.StepProcessReward
		}
		outs[k] = experienceOut{r.ProcessRewardsAfterBaseline, r.Returns, r.Advantages, r.Match, r.Reward, r.Return}
	}
	var norm any
	if res.AdvantagesNormalized != nil {
		norm = res.AdvantagesNormalized
	}
	return golden.Outputs{"step_process_reward": steps, "experiences": outs, "advantages_normalized": norm}, nil
}
