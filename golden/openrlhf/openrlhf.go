package openrlhf

import (
	"fmt"

	"github.com/credo-rl/credo/anchor/openrlhf"
	"github.com/credo-rl/credo/golden"
)

func init() {
	golden.Register("openrlhf.compute_reward", computeReward)
	golden.Register("openrlhf.cumulative_returns", cumulativeReturns)
	golden.Register("openrlhf.gae", gae)
	golden.Register("openrlhf.compute_advantages_and_returns", computeAdvantagesAndReturns)
}

// clipRange decodes reward_clip_range ([lo, hi] or null).
func clipRange(c *golden.Case) (*openrlhf.Range, error) {
	var v []golden.Num
	ok, err := c.Decode("reward_clip_range", &v)
	if err != nil || !ok {
		return nil, err
	}
	if len(v) != 2 {
		return nil, fmt.Errorf("reward_clip_range: want [low, high], got %d values", len(v))
	}
	return &openrlhf.Range{Low: float64(v[0]), High: float64(v[1])}, nil
}

func computeReward(c *golden.Case) (golden.Outputs, error) {
	r, err := c.Vector("r")
	if err != nil {
		return nil, err
	}
	kl, err := c.Matrix("kl")
	if err != nil {
		return nil, err
	}
	mask, err := c.Matrix("action_mask")
	if err != nil {
		return nil, err
	}
	klCoef, err := c.Float("kl_coef", 0.01)
	if err != nil {
		return nil, err
	}
	clip, err := clipRange(c)
	if err != nil {
		return nil, err
	}
	out, err := openrlhf.ComputeReward(r, kl, mask, klCoef, clip)
	if err != nil {
		return nil, err
	}
	return golden.Outputs{"reward": out}, nil
}

func cumulativeReturns(c *golden.Case) (golden.Outputs, error) {
	rewards, err := c.Matrix("rewards")
	if err != nil {
		return nil, err
	}
	mask, err := c.Matrix("action_mask")
	if err != nil {
		return nil, err
	}
	if mask == nil {
		mask = ones(rewards)
	}
	gamma, err := c.Float("gamma", 1)
	if err != nil {
		return nil, err
	}
	out, err := openrlhf.CumulativeReturns(rewards, mask, gamma)
	if err != nil {
		return nil, err
	}
	return golden.Outputs{"returns": out}, nil
}

func gae(c *golden.Case) (golden.Outputs, error) {
	values, err := c.Matrix("values")
	if err != nil {
		return nil, err
	}
	rewards, err := c.Matrix("rewards")
	if err != nil {
		return nil, err
	}
	mask, err := c.Matrix("action_mask")
	if err != nil {
		return nil, err
	}
	if mask == nil {
		mask = ones(rewards)
	}
	gamma, err := c.Float("gamma", 1)
	if err != nil {
		return nil, err
	}
	lambd, err := c.Float("lambd", 0.95)
	if err != nil {
		return nil, err
	}
	adv, ret, err := openrlhf.GAE(values, rewards, mask, gamma, lambd)
	if err != nil {
		return nil, err
	}
	return golden.Outputs{"advantages": adv, "returns": ret}, nil
}

// ones is the reference's action_mask=None: every position counts.
func ones(m [][]float64) [][]float64 {
	out := make([][]float64, len(m))
	for i, row := range m {
		out[i] = make([]float64, len(row))
		for t := range out[i] {
			out[i][t] = 1
		}
	}
	return out
}

type experienceIn struct {
	Index          []int          `json:"index"`
	Rewards        []golden.Num   `json:"rewards"`
	KL             [][]golden.Num `json:"kl"`
	Values         [][]golden.Num `json:"values"`
	ActionMask     [][]golden.Num `json:"action_mask"`
	ResponseLength []golden.Num   `json:"response_length"`
	Truncated      []golden.Num   `json:"truncated"`
}

type experienceOut struct {
	Advantages                [][]float64 `json:"advantages"`
	Returns                   [][]float64 `json:"returns"`
	RewardsAfterLengthPenalty []float64   `json:"rewards_after_length_penalty"`
	InfoReturn                []float64   `json:"info_return"`
}

func optFloat(c *golden.Case, key string) (*float64, error) {
	if !c.Has(key) {
		return nil, nil
	}
	v, err := c.Float(key, 0)
	if err != nil {
		return nil, err
	}
	return &v, nil
}

func computeAdvantagesAndReturns(c *golden.Case) (golden.Outputs, error) {
	var in []experienceIn
	if ok, err := c.Decode("experiences", &in); err != nil {
		return nil, err
	} else if !ok {
		return nil, fmt.Errorf("case %q: experiences is missing", c.Name)
	}
	opt := openrlhf.DefaultOptions()
	// The reference is the contract here: n_samples_per_prompt=1 with rloo
	// or group_norm, and all-zero action masks under whitening, give NaN
	// in OpenRLHF instead of an error.
	opt.PropagateNaN = true
	est, err := c.String("estimator", string(opt.Estimator))
	if err != nil {
		return nil, err
	}
	opt.Estimator = openrlhf.Estimator(est)
	if opt.NSamplesPerPrompt, err = c.Int("n_samples_per_prompt", opt.NSamplesPerPrompt); err != nil {
		return nil, err
	}
	if opt.Gamma, err = c.Float("gamma", opt.Gamma); err != nil {
		return nil, err
	}
	if opt.Lambda, err = c.Float("lambd", opt.Lambda); err != nil {
		return nil, err
	}
	if opt.KLCoef, err = c.Float("kl_coef", opt.KLCoef); err != nil {
		return nil, err
	}
	if opt.RewardClip, err = clipRange(c); err != nil {
		return nil, err
	}
	if opt.NoStdNorm, err = c.Bool("no_std_norm", false); err != nil {
		return nil, err
	}
	if opt.OverlongBufferLen, err = optFloat(c, "overlong_buffer_len"); err != nil {
		return nil, err
	}
	if opt.OverlongPenaltyFactor, err = c.Float("overlong_penalty_factor", opt.OverlongPenaltyFactor); err != nil {
		return nil, err
	}
	if opt.MaxNewTokens, err = c.Float("max_new_tokens", 0); err != nil {
		return nil, err
	}
	if opt.StopProperlyPenaltyCoef, err = optFloat(c, "stop_properly_penalty_coef"); err != nil {
		return nil, err
	}

	exps := make([]openrlhf.Experience, len(in))
	for k, e := range in {
		trunc := make([]bool, len(e.Truncated))
		for i, t := range e.Truncated {
			trunc[i] = t != 0
		}
		exps[k] = openrlhf.Experience{
			Index:          e.Index,
			Rewards:        golden.Floats(e.Rewards),
			KL:             golden.Matrix(e.KL),
			Values:         golden.Matrix(e.Values),
			ActionMask:     golden.Matrix(e.ActionMask),
			ResponseLength: golden.Floats(e.ResponseLength),
			Truncated:      trunc,
		}
	}
	res, err := openrlhf.ComputeAdvantagesAndReturns(exps, opt)
	if err != nil {
		return nil, err
	}
	out := make([]experienceOut, len(res.Experiences))
	for k, r := range res.Experiences {
		out[k] = experienceOut{r.Advantages, r.Returns, r.RewardsAfterLengthPenalty, r.ReturnSums}
	}
	return golden.Outputs{"experiences": out, "gamma_used": res.GammaUsed}, nil
}
