package verl

import (
	"github.com/credo-rl/credo/anchor/verl"
	"github.com/credo-rl/credo/golden"
)

func init() {
	golden.Register("verl.grpo", grpo)
	golden.Register("verl.grpo_vectorized", grpoVectorized)
	golden.Register("verl.grpo_passk", grpoPassK)
	golden.Register("verl.rloo", rloo)
	golden.Register("verl.rloo_vectorized", rlooVectorized)
	golden.Register("verl.opo", opo)
	golden.Register("verl.gpg", gpg)
	golden.Register("verl.remax", remax)
	golden.Register("verl.reinforce_plus_plus", reinforcePlusPlus)
	golden.Register("verl.reinforce_plus_plus_baseline", reinforcePlusPlusBaseline)
	golden.Register("verl.gae", gae)
	golden.Register("verl.optimal_token_baseline", otb)
	golden.Register("verl.tir_optimal_token_baseline", tirOTB)
}

// batch holds the common inputs of the outcome estimators.
type batch struct {
	rewards, mask [][]float64
	index         []string
}

func readBatch(c *golden.Case, withIndex bool) (b batch, err error) {
	if b.rewards, err = c.Matrix("token_level_rewards"); err != nil {
		return b, err
	}
	if b.mask, err = c.Matrix("response_mask"); err != nil {
		return b, err
	}
	if withIndex {
		b.index, err = c.Strings("index")
	}
	return b, err
}

func result(adv, ret [][]float64, err error) (golden.Outputs, error) {
	if err != nil {
		return nil, err
	}
	return golden.Outputs{"advantages": adv, "returns": ret}, nil
}

func grpoOptions(c *golden.Case) (verl.GRPOOptions, error) {
	opt := verl.DefaultGRPOOptions()
	var err error
	if opt.Epsilon, err = c.Float("epsilon", opt.Epsilon); err != nil {
		return opt, err
	}
	opt.NormByStd, err = c.Bool("norm_adv_by_std_in_grpo", opt.NormByStd)
	return opt, err
}

func grpo(c *golden.Case) (golden.Outputs, error) {
	b, err := readBatch(c, true)
	if err != nil {
		return nil, err
	}
	opt, err := grpoOptions(c)
	if err != nil {
		return nil, err
	}
	return result(verl.GRPO(b.rewards, b.mask, b.index, opt))
}

func grpoVectorized(c *golden.Case) (golden.Outputs, error) {
	b, err := readBatch(c, true)
	if err != nil {
		return nil, err
	}
	o, err := grpoOptions(c)
	if err != nil {
		return nil, err
	}
	opt := verl.DefaultGRPOVectorizedOptions()
	opt.Epsilon, opt.NormByStd = o.Epsilon, o.NormByStd
	return result(verl.GRPOVectorized(b.rewards, b.mask, b.index, opt))
}

func grpoPassK(c *golden.Case) (golden.Outputs, error) {
	b, err := readBatch(c, true)
	if err != nil {
		return nil, err
	}
	opt, err := grpoOptions(c)
	if err != nil {
		return nil, err
	}
	return result(verl.GRPOPassK(b.rewards, b.mask, b.index, opt))
}

func rloo(c *golden.Case) (golden.Outputs, error) {
	b, err := readBatch(c, true)
	if err != nil {
		return nil, err
	}
	return result(verl.RLOO(b.rewards, b.mask, b.index))
}

func rlooVectorized(c *golden.Case) (golden.Outputs, error) {
	b, err := readBatch(c, true)
	if err != nil {
		return nil, err
	}
	return result(verl.RLOOVectorized(b.rewards, b.mask, b.index, verl.RLOOVectorizedOptions{}))
}

func opo(c *golden.Case) (golden.Outputs, error) {
	b, err := readBatch(c, true)
	if err != nil {
		return nil, err
	}
	// The reference's 0/0 = NaN baseline of an all-empty group is the contract.
	return result(verl.OPOWithOptions(b.rewards, b.mask, b.index, verl.OPOOptions{EmptyGroupNaN: true}))
}

func gpg(c *golden.Case) (golden.Outputs, error) {
	b, err := readBatch(c, true)
	if err != nil {
		return nil, err
	}
	opt := verl.DefaultGPGOptions()
	if opt.FNorm, err = c.Float("f_norm", opt.FNorm); err != nil {
		return nil, err
	}
	// The "alpha" parameter is overwritten by the reference and not read.
	return result(verl.GPG(b.rewards, b.mask, b.index, opt))
}

func remax(c *golden.Case) (golden.Outputs, error) {
	b, err := readBatch(c, false)
	if err != nil {
		return nil, err
	}
	base, err := c.Vector("reward_baselines")
	if err != nil {
		return nil, err
	}
	return result(verl.ReMax(b.rewards, base, b.mask))
}

func reinforcePlusPlus(c *golden.Case) (golden.Outputs, error) {
	b, err := readBatch(c, false)
	if err != nil {
		return nil, err
	}
	gamma, err := c.Float("gamma", 1.0)
	if err != nil {
		return nil, err
	}
	return result(verl.ReinforcePlusPlus(b.rewards, b.mask, gamma))
}

func reinforcePlusPlusBaseline(c *golden.Case) (golden.Outputs, error) {
	b, err := readBatch(c, true)
	if err != nil {
		return nil, err
	}
	return result(verl.ReinforcePlusPlusBaseline(b.rewards, b.mask, b.index))
}

func gae(c *golden.Case) (golden.Outputs, error) {
	b, err := readBatch(c, false)
	if err != nil {
		return nil, err
	}
	values, err := c.Matrix("values")
	if err != nil {
		return nil, err
	}
	gamma, err := c.Float("gamma", 1.0)
	if err != nil {
		return nil, err
	}
	lam, err := c.Float("lam", 1.0)
	if err != nil {
		return nil, err
	}
	return result(verl.GAE(b.rewards, values, b.mask, gamma, lam))
}

// otbArgs reads the extra inputs of the optimal-token-baseline estimators.
func otbArgs(c *golden.Case) (logp, sumPi2, isw [][]float64, opt verl.OTBOptions, err error) {
	opt = verl.DefaultOTBOptions()
	if logp, err = c.Matrix("old_log_probs"); err != nil {
		return
	}
	if sumPi2, err = c.Matrix("sum_pi_squared"); err != nil {
		return
	}
	if isw, err = c.Matrix("rollout_is_weights"); err != nil {
		return
	}
	if opt.Epsilon, err = c.Float("epsilon", opt.Epsilon); err != nil {
		return
	}
	opt.HandleZeroTail, err = c.Bool("handle_zero_tail", opt.HandleZeroTail)
	return
}

func otb(c *golden.Case) (golden.Outputs, error) {
	b, err := readBatch(c, true)
	if err != nil {
		return nil, err
	}
	logp, sumPi2, isw, opt, err := otbArgs(c)
	if err != nil {
		return nil, err
	}
	return result(verl.OptimalTokenBaseline(b.rewards, b.mask, b.index, logp, sumPi2, isw, opt))
}

func tirOTB(c *golden.Case) (golden.Outputs, error) {
	b, err := readBatch(c, true)
	if err != nil {
		return nil, err
	}
	logp, sumPi2, isw, opt, err := otbArgs(c)
	if err != nil {
		return nil, err
	}
	return result(verl.TIROptimalTokenBaseline(b.rewards, b.mask, b.index, logp, sumPi2, isw, opt))
}
