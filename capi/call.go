package main

import (
	"fmt"
	"sort"
	"unsafe"

	"github.com/credo-rl/credo/anchor/openrlhf"
	"github.com/credo-rl/credo/anchor/verl"
	"github.com/credo-rl/credo/anchor/verlagent"
)

// dropIn computes one reference function on the arrays of c. It writes
// the outputs only after everything succeeded.
type dropIn func(c *call) error

var dropIns = map[string]dropIn{
	"verl.gae":                                verlGAE,
	"verl.grpo":                               outcome(grpoScalar),
	"verl.grpo_vectorized":                    outcome(grpoVectorizedScalar),
	"verl.grpo_passk":                         outcome(grpoPassKScalar),
	"verl.rloo":                               outcome(rlooScalar),
	"verl.rloo_vectorized":                    outcome(rlooVectorizedScalar),
	"verl.gpg":                                outcome(gpgScalar),
	"verl.opo":                                verlOPO,
	"verl.reinforce_plus_plus":                verlRPP,
	"verl.reinforce_plus_plus_baseline":       verlRPPBaseline,
	"verl.remax":                              verlReMax,
	"verl.optimal_token_baseline":             otb(false),
	"verl.tir_optimal_token_baseline":         otb(true),
	"verl_agent.grpo":                         agentOutcome(agentGRPOScalar),
	"verl_agent.rloo":                         agentOutcome(agentRLOOScalar),
	"verl_agent.reinforce_plus_plus_baseline": agentRPPBaseline,
	"verl_agent.gigpo":                        agentGiGPO,
	"verl_agent.step_discounted_returns":      agentStepReturns,
	"openrlhf.gae":                            openrlhfGAE,
	"openrlhf.cumulative_returns":             openrlhfReturns,
}

// DropIns lists the functions credo_call knows.
func DropIns() []string {
	out := make([]string, 0, len(dropIns))
	for k := range dropIns {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Call decodes a credo_call request and runs it on the caller's arrays.
func Call(req []byte, ptrs []unsafe.Pointer) error {
	c := &call{ptrs: ptrs}
	var err error
	if c.req, err = parseRequest(req); err != nil {
		return fmt.Errorf("credo: bad request: %v", err)
	}
	f, ok := dropIns[c.req.Fn]
	if !ok {
		return fmt.Errorf("credo: unknown function %q (known: %v)", c.req.Fn, DropIns())
	}
	return f(c)
}

// sameShape checks that x has the shape of ref.
func sameShape(est string, x, ref *mat) error {
	if x == nil {
		return nil
	}
	if x.B != ref.B || x.T != ref.T {
		return fmt.Errorf("%s: %s has shape (%d, %d), %s has (%d, %d)", est, x.name, x.B, x.T, ref.name, ref.B, ref.T)
	}
	return nil
}

// outs fetches output arrays shaped like ref.
func (c *call) outs(est string, ref *mat, names ...string) ([]*mat, error) {
	out := make([]*mat, len(names))
	for i, n := range names {
		m, err := c.mat(est, n, false)
		if err != nil {
			return nil, err
		}
		if err := sameShape(est, m, ref); err != nil {
			return nil, err
		}
		out[i] = m
	}
	return out, nil
}

// rm reads token_level_rewards and response_mask (or other names) and
// checks their shapes.
func (c *call) rm(est, rName, mName string) (r, m *mat, err error) {
	if r, err = c.mat(est, rName, false); err != nil {
		return
	}
	if m, err = c.mat(est, mName, false); err != nil {
		return
	}
	if r.T == 1 && len(c.req.Arrays[rName].Shape) == 1 {
		return nil, nil, fmt.Errorf("%s: %s must be 2-d (batch, response_length)", est, rName)
	}
	err = sameShape(est, m, r)
	return
}

// column turns per-row values into [B][1] rows with a unit mask, so that a
// scalar-per-row anchor function runs on B numbers instead of B×T.
func column(s []float64) (rows, ones [][]float64) {
	rows = make([][]float64, len(s))
	ones = make([][]float64, len(s))
	one := []float64{1}
	for i := range s {
		rows[i] = s[i : i+1 : i+1]
		ones[i] = one
	}
	return
}

func firstCol(a [][]float64) []float64 {
	out := make([]float64, len(a))
	for i, r := range a {
		out[i] = r[0]
	}
	return out
}

// scalarFn computes one scalar per row from the row sums.
type scalarFn func(c *call, est string, scores []float64, index []string) ([]float64, error)

// outcome wraps an outcome estimator whose advantage is scalar(row) ×
// response_mask: the anchor runs on the row sums (float64) and the scalar
// is broadcast over the caller's mask.
func outcome(f scalarFn) dropIn {
	return func(c *call) error {
		est := c.req.Fn
		r, m, err := c.rm(est, "token_level_rewards", "response_mask")
		if err != nil {
			return err
		}
		ids, err := c.ids(est, "index", r.B)
		if err != nil {
			return err
		}
		o, err := c.outs(est, r, "advantages")
		if err != nil {
			return err
		}
		scores, pre, err := r.rowSums(est, m)
		if err != nil {
			return err
		}
		s, err := f(c, est, scores, strs(ids))
		if err != nil {
			return err
		}
		return o[0].broadcast(est, s, m, pre)
	}
}

func grpoOpts(c *call) (verl.GRPOOptions, error) {
	o := verl.DefaultGRPOOptions()
	var err error
	if o.Epsilon, err = c.float("epsilon", o.Epsilon); err != nil {
		return o, err
	}
	o.NormByStd, err = c.bool("norm_adv_by_std_in_grpo", o.NormByStd)
	return o, err
}

func grpoScalar(c *call, _ string, s []float64, idx []string) ([]float64, error) {
	o, err := grpoOpts(c)
	if err != nil {
		return nil, err
	}
	r, m := column(s)
	a, _, err := verl.GRPO(r, m, idx, o)
	if err != nil {
		return nil, err
	}
	return firstCol(a), nil
}

func grpoVectorizedScalar(c *call, _ string, s []float64, idx []string) ([]float64, error) {
	o, err := grpoOpts(c)
	if err != nil {
		return nil, err
	}
	v := verl.DefaultGRPOVectorizedOptions()
	v.Epsilon, v.NormByStd = o.Epsilon, o.NormByStd
	r, m := column(s)
	a, _, err := verl.GRPOVectorized(r, m, idx, v)
	if err != nil {
		return nil, err
	}
	return firstCol(a), nil
}

func grpoPassKScalar(c *call, _ string, s []float64, idx []string) ([]float64, error) {
	o, err := grpoOpts(c)
	if err != nil {
		return nil, err
	}
	r, m := column(s)
	a, _, err := verl.GRPOPassK(r, m, idx, o)
	if err != nil {
		return nil, err
	}
	return firstCol(a), nil
}

func rlooScalar(_ *call, _ string, s []float64, idx []string) ([]float64, error) {
	r, m := column(s)
	a, _, err := verl.RLOO(r, m, idx)
	if err != nil {
		return nil, err
	}
	return firstCol(a), nil
}

func rlooVectorizedScalar(_ *call, _ string, s []float64, idx []string) ([]float64, error) {
	r, m := column(s)
	a, _, err := verl.RLOOVectorized(r, m, idx, verl.RLOOVectorizedOptions{})
	if err != nil {
		return nil, err
	}
	return firstCol(a), nil
}

func gpgScalar(c *call, _ string, s []float64, idx []string) ([]float64, error) {
	o := verl.DefaultGPGOptions()
	var err error
	if o.FNorm, err = c.float("f_norm", o.FNorm); err != nil {
		return nil, err
	}
	r, m := column(s)
	a, _, err := verl.GPG(r, m, idx, o)
	if err != nil {
		return nil, err
	}
	return firstCol(a), nil
}

// gaeArgs are the arguments of a GAE drop-in: rewards, mask and values of
// one shape, γ and λ, and the advantages and returns to write.
type gaeArgs struct {
	r, m, v    *mat
	gamma, lam float64
	o          []*mat
}

// gae reads a GAE drop-in's arguments under the reference's names (verl:
// token_level_rewards, response_mask, lam = 1; OpenRLHF: rewards,
// action_mask, lambd = 0.95; γ defaults to 1 in both).
func (c *call) gae(est, rName, mName, lamName string, lamDefault float64) (*gaeArgs, error) {
	a := &gaeArgs{}
	var err error
	if a.r, a.m, err = c.rm(est, rName, mName); err != nil {
		return nil, err
	}
	if a.v, err = c.mat(est, "values", false); err != nil {
		return nil, err
	}
	if err := sameShape(est, a.v, a.r); err != nil {
		return nil, err
	}
	if a.gamma, err = c.float("gamma", 1); err != nil {
		return nil, err
	}
	if a.lam, err = c.float(lamName, lamDefault); err != nil {
		return nil, err
	}
	if a.o, err = c.outs(est, a.r, "advantages", "returns"); err != nil {
		return nil, err
	}
	return a, nil
}

func verlGAE(c *call) error {
	a, err := c.gae("verl.gae", "token_level_rewards", "response_mask", "lam", 1)
	if err != nil {
		return err
	}
	r, m, v, gamma, lam, o := a.r, a.m, a.v, a.gamma, a.lam, a.o
	if r.sameDType(v, m, o[0], o[1]) {
		if r.f4 != nil {
			return verl.GAEIntoOf(o[0].views32(), o[1].views32(), r.views32(), v.views32(), m.views32(), gamma, lam)
		}
		return verl.GAEIntoOf(o[0].views64(), o[1].views64(), r.views64(), v.views64(), m.views64(), gamma, lam)
	}
	adv, ret, err := verl.GAE(r.rows(), v.rows(), m.rows(), gamma, lam)
	if err != nil {
		return err
	}
	o[0].store(adv)
	o[1].store(ret)
	return nil
}

func verlRPP(c *call) error {
	const est = "verl.reinforce_plus_plus"
	r, m, err := c.rm(est, "token_level_rewards", "response_mask")
	if err != nil {
		return err
	}
	gamma, err := c.float("gamma", 1)
	if err != nil {
		return err
	}
	o, err := c.outs(est, r, "advantages", "returns")
	if err != nil {
		return err
	}
	if r.sameDType(m, o[0], o[1]) {
		if r.f4 != nil {
			return verl.ReinforcePlusPlusIntoOf(o[0].views32(), o[1].views32(), r.views32(), m.views32(), gamma, nil)
		}
		return verl.ReinforcePlusPlusIntoOf(o[0].views64(), o[1].views64(), r.views64(), m.views64(), gamma, nil)
	}
	adv, ret, err := verl.ReinforcePlusPlus(r.rows(), m.rows(), gamma)
	if err != nil {
		return err
	}
	o[0].store(adv)
	o[1].store(ret)
	return nil
}

func verlRPPBaseline(c *call) error {
	const est = "verl.reinforce_plus_plus_baseline"
	r, m, err := c.rm(est, "token_level_rewards", "response_mask")
	if err != nil {
		return err
	}
	ids, err := c.ids(est, "index", r.B)
	if err != nil {
		return err
	}
	o, err := c.outs(est, r, "advantages")
	if err != nil {
		return err
	}
	adv, _, err := verl.ReinforcePlusPlusBaseline(r.rows(), m.rows(), strs(ids))
	if err != nil {
		return err
	}
	o[0].store(adv)
	return nil
}

func verlOPO(c *call) error {
	const est = "verl.opo"
	r, m, err := c.rm(est, "token_level_rewards", "response_mask")
	if err != nil {
		return err
	}
	ids, err := c.ids(est, "index", r.B)
	if err != nil {
		return err
	}
	nan, err := c.bool("_empty_group_nan", false)
	if err != nil {
		return err
	}
	o, err := c.outs(est, r, "advantages")
	if err != nil {
		return err
	}
	adv, _, err := verl.OPOWithOptions(r.rows(), m.rows(), strs(ids), verl.OPOOptions{EmptyGroupNaN: nan})
	if err != nil {
		return err
	}
	o[0].store(adv)
	return nil
}

func verlReMax(c *call) error {
	const est = "verl.remax"
	r, m, err := c.rm(est, "token_level_rewards", "response_mask")
	if err != nil {
		return err
	}
	b, err := c.mat(est, "reward_baselines", false)
	if err != nil {
		return err
	}
	o, err := c.outs(est, r, "advantages", "returns")
	if err != nil {
		return err
	}
	adv, ret, err := verl.ReMax(r.rows(), b.vec(), m.rows())
	if err != nil {
		return err
	}
	o[0].store(adv)
	o[1].store(ret)
	return nil
}

func otb(tir bool) dropIn {
	return func(c *call) error {
		est := c.req.Fn
		r, m, err := c.rm(est, "token_level_rewards", "response_mask")
		if err != nil {
			return err
		}
		ids, err := c.ids(est, "index", r.B)
		if err != nil {
			return err
		}
		var in [3]*mat
		for k, n := range []string{"old_log_probs", "sum_pi_squared", "rollout_is_weights"} {
			if in[k], err = c.mat(est, n, k == 2); err != nil {
				return err
			}
			if err := sameShape(est, in[k], r); err != nil {
				return err
			}
		}
		opt := verl.DefaultOTBOptions()
		if opt.Epsilon, err = c.float("epsilon", opt.Epsilon); err != nil {
			return err
		}
		if opt.HandleZeroTail, err = c.bool("handle_zero_tail", tir); err != nil {
			return err
		}
		o, err := c.outs(est, r, "advantages", "returns")
		if err != nil {
			return err
		}
		var isw [][]float64
		if in[2] != nil {
			isw = in[2].rows()
		}
		f := verl.OptimalTokenBaseline
		if tir {
			f = verl.TIROptimalTokenBaseline
		}
		adv, ret, err := f(r.rows(), m.rows(), strs(ids), in[0].rows(), in[1].rows(), isw, opt)
		if err != nil {
			return err
		}
		o[0].store(adv)
		o[1].store(ret)
		return nil
	}
}

// agentScalarFn is scalarFn with verl-agent's trajectory ids.
type agentScalarFn func(c *call, scores []float64, index, traj []string, cross bool) ([]float64, error)

func agentOutcome(f agentScalarFn) dropIn {
	return func(c *call) error {
		est := c.req.Fn
		r, m, err := c.rm(est, "token_level_rewards", "response_mask")
		if err != nil {
			return err
		}
		idx, err := c.ids(est, "index", r.B)
		if err != nil {
			return err
		}
		traj, err := c.ids(est, "traj_index", r.B)
		if err != nil {
			return err
		}
		cross, err := c.bool("compute_mean_std_cross_steps", true)
		if err != nil {
			return err
		}
		o, err := c.outs(est, r, "advantages")
		if err != nil {
			return err
		}
		scores, pre, err := r.rowSums(est, m)
		if err != nil {
			return err
		}
		s, err := f(c, scores, strs(idx), strs(traj), cross)
		if err != nil {
			return err
		}
		return o[0].broadcast(est, s, m, pre)
	}
}

func agentGRPOScalar(c *call, s []float64, idx, traj []string, cross bool) ([]float64, error) {
	o := verlagent.DefaultGRPOOptions()
	o.CrossSteps = cross
	var err error
	if o.Epsilon, err = c.float("epsilon", o.Epsilon); err != nil {
		return nil, err
	}
	if o.NormByStd, err = c.bool("norm_adv_by_std_in_grpo", o.NormByStd); err != nil {
		return nil, err
	}
	r, m := column(s)
	a, err := verlagent.GRPO(r, m, idx, traj, o)
	if err != nil {
		return nil, err
	}
	return firstCol(a), nil
}

func agentRLOOScalar(_ *call, s []float64, idx, traj []string, cross bool) ([]float64, error) {
	r, m := column(s)
	a, err := verlagent.RLOO(r, m, idx, traj, verlagent.RLOOOptions{CrossSteps: cross})
	if err != nil {
		return nil, err
	}
	return firstCol(a), nil
}

func agentRPPBaseline(c *call) error {
	const est = "verl_agent.reinforce_plus_plus_baseline"
	r, m, err := c.rm(est, "token_level_rewards", "response_mask")
	if err != nil {
		return err
	}
	idx, err := c.ids(est, "index", r.B)
	if err != nil {
		return err
	}
	traj, err := c.ids(est, "traj_index", r.B)
	if err != nil {
		return err
	}
	cross, err := c.bool("compute_mean_std_cross_steps", true)
	if err != nil {
		return err
	}
	o, err := c.outs(est, r, "advantages")
	if err != nil {
		return err
	}
	adv, err := verlagent.ReinforcePlusPlusBaseline(r.rows(), m.rows(), strs(idx), strs(traj),
		verlagent.ReinforcePlusPlusBaselineOptions{CrossSteps: cross})
	if err != nil {
		return err
	}
	o[0].store(adv)
	return nil
}

// agentGiGPO runs GiGPO: the episode part on the row sums, the step part on
// step_rewards, with anchor-state groups either given as int64 step_group
// numbers (exact mode: the caller groups (index, anchor_obs) by equality) or
// computed here from the anchor_obs strings (similarity mode).
func agentGiGPO(c *call) error {
	const est = "verl_agent.gigpo"
	r, m, err := c.rm(est, "token_level_rewards", "response_mask")
	if err != nil {
		return err
	}
	idx, err := c.ids(est, "index", r.B)
	if err != nil {
		return err
	}
	traj, err := c.ids(est, "traj_index", r.B)
	if err != nil {
		return err
	}
	sr, err := c.mat(est, "step_rewards", false)
	if err != nil {
		return err
	}
	if sr.B*sr.T != r.B {
		return fmt.Errorf("%s: step_rewards has %d values, token_level_rewards has %d rows", est, sr.B*sr.T, r.B)
	}
	opt := verlagent.DefaultGiGPOOptions()
	if opt.Epsilon, err = c.float("epsilon", opt.Epsilon); err != nil {
		return err
	}
	if opt.StepAdvantageW, err = c.float("step_advantage_w", opt.StepAdvantageW); err != nil {
		return err
	}
	if opt.EnableSimilarity, err = c.bool("enable_similarity", false); err != nil {
		return err
	}
	if opt.SimilarityThresh, err = c.float("similarity_thresh", opt.SimilarityThresh); err != nil {
		return err
	}
	mode, err := c.str("mode", "mean_norm")
	if err != nil {
		return err
	}
	switch mode {
	case "mean_norm":
		opt.Mode = verlagent.MeanNorm
	case "mean_std_norm":
		opt.Mode = verlagent.MeanStdNorm
	default:
		return fmt.Errorf("verl_agent.gigpo: unknown mode %q (want mean_norm or mean_std_norm)", mode)
	}
	o, err := c.outs(est, r, "advantages")
	if err != nil {
		return err
	}
	scores, pre, err := r.rowSums(est, m)
	if err != nil {
		return err
	}
	rows, ones := column(scores)
	sIdx, sTraj := strs(idx), strs(traj)
	var adv [][]float64
	if opt.EnableSimilarity {
		obs, err := c.strings("anchor_obs")
		if err != nil {
			return err
		}
		if len(obs) != r.B {
			return fmt.Errorf("%s: anchor_obs has %d entries, token_level_rewards has %d rows", est, len(obs), r.B)
		}
		adv, err = verlagent.GiGPO(rows, sr.vec(), ones, obs, sIdx, sTraj, opt)
		if err != nil {
			return err
		}
	} else {
		sg, err := c.ids(est, "step_group", r.B)
		if err != nil {
			return err
		}
		g, _ := dense(sg)
		adv, err = verlagent.GiGPOFromGroups(rows, sr.vec(), ones, sIdx, sTraj, g, opt)
		if err != nil {
			return err
		}
	}
	return o[0].broadcast(est, firstCol(adv), m, pre)
}

func agentStepReturns(c *call) error {
	const est = "verl_agent.step_discounted_returns"
	r, err := c.mat(est, "rewards", false)
	if err != nil {
		return err
	}
	n := r.B * r.T
	traj, err := c.ids(est, "traj_uid", n)
	if err != nil {
		return err
	}
	gamma, err := c.float("gamma", 1)
	if err != nil {
		return err
	}
	out, err := c.mat(est, "returns", false)
	if err != nil {
		return err
	}
	if out.B*out.T != n {
		return fmt.Errorf("%s: returns has %d values, rewards has %d", est, out.B*out.T, n)
	}
	ret, err := verlagent.StepDiscountedReturns(r.vec(), strs(traj), gamma)
	if err != nil {
		return err
	}
	out.storeVec(ret)
	return nil
}

func openrlhfGAE(c *call) error {
	a, err := c.gae("openrlhf.gae", "rewards", "action_mask", "lambd", 0.95)
	if err != nil {
		return err
	}
	o := a.o
	adv, ret, err := openrlhf.GAE(a.v.rows(), a.r.rows(), a.m.rows(), a.gamma, a.lam)
	if err != nil {
		return err
	}
	o[0].store(adv)
	o[1].store(ret)
	return nil
}

func openrlhfReturns(c *call) error {
	const est = "openrlhf.cumulative_returns"
	r, m, err := c.rm(est, "rewards", "action_mask")
	if err != nil {
		return err
	}
	gamma, err := c.float("gamma", 1)
	if err != nil {
		return err
	}
	o, err := c.outs(est, r, "returns")
	if err != nil {
		return err
	}
	ret, err := openrlhf.CumulativeReturns(r.rows(), m.rows(), gamma)
	if err != nil {
		return err
	}
	o[0].store(ret)
	return nil
}
