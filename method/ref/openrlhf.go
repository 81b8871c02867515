package ref

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/credo-rl/credo/credit"

	"github.com/credo-rl/credo/anchor/openrlhf"
	"github.com/credo-rl/credo/rollout"
)

// Bindings of OpenRLHF's estimators (anchor/openrlhf).

const openrlhfRef = "OpenRLHF/OpenRLHF@3c3be6234e0cb353e76bb8019947db9dfe99fca7 openrlhf/trainer/ppo_utils/experience_maker.py::"

var (
	// pLambd is OpenRLHF's GAE λ under verl's spelling.
	pLambd = credit.FloatParam{Param: credit.Param{Name: "lam", Kind: credit.Float, Default: 0.95, Doc: "GAE lambda", Range: credit.Unit,
		Origin:  credit.FromReference("openrlhf/cli/train_ppo_ray.py::--lambd (0.95)"),
		Aliases: []credit.Alias{{Name: "lambd", Note: "OpenRLHF's flag"}}}}
	pGammaOpenRLHF = pGamma.From(credit.FromReference("openrlhf/cli/train_ppo_ray.py::--gamma (1)"))
)

// clipRange converts OpenRLHF's --reward_clip_range LOW,HIGH (symmetric)
// into reward_clip = HIGH.
func clipRange(raw string) (string, error) {
	xs, err := credit.ParseFloats("reward_clip_range", strings.NewReplacer("(", "", ")", "", "[", "", "]", "", " ", ",").Replace(raw))
	if err != nil {
		return "", err
	}
	if len(xs) != 2 || xs[0] != -xs[1] || xs[1] < 0 {
		return "", fmt.Errorf("want LOW,HIGH with LOW = -HIGH (credo clamps to [-c, c]), got %q", raw)
	}
	return strconv.FormatFloat(xs[1], 'g', -1, 64), nil
}

// Parameters of openrlhf.compute_advantages_and_returns.
var (
	pOpenRLHFEstimator = credit.StringParam{Param: credit.Param{Name: "estimator", Kind: credit.String, Default: "gae", Choices: []string{"gae", "reinforce", "rloo", "reinforce_baseline", "group_norm", "dr_grpo"}, Doc: "advantage estimator (--advantage_estimator)", Origin: credit.FromReference("openrlhf/cli/train_ppo_ray.py::--advantage_estimator (gae)")}}
	pOpenRLHFKLCoef    = credit.FloatParam{Param: credit.Param{Name: "kl_coef", Kind: credit.Float, Default: 0.0, Doc: "KL penalty coefficient (k1 = old_log_probs - ref_log_prob); 0 = off", Origin: credit.ByCredo("KL shaping off unless asked for, so the estimator alone is compared (OpenRLHF's --init_kl_coef defaults to 0.01)"), Range: credit.NonNeg,
		Aliases: []credit.Alias{{Name: "init_kl_coef", Note: "OpenRLHF's flag"}}}}
	pOpenRLHFRewardClip = credit.FloatParam{Param: credit.Param{Name: "reward_clip", Kind: credit.Float, Default: 10.0, Doc: "rewards are clamped to [-reward_clip, reward_clip]; 0 = no clamp", Origin: credit.FromReference("openrlhf/cli/train_ppo_ray.py::--reward_clip_range (-10, 10)"), Range: credit.NonNeg,
		Aliases: []credit.Alias{{Name: "reward_clip_range", Note: "OpenRLHF's flag: LOW,HIGH with LOW = -HIGH (credo clamps symmetrically)", Convert: clipRange}}}}
	pOpenRLHFNormAdvByStdInGrpo = credit.BoolParam{Param: credit.Param{Name: "norm_adv_by_std_in_grpo", Kind: credit.Bool, Default: true, Doc: "whitening divides by the std (false: it only centres, OpenRLHF's --no_advantage_std_norm)",
		Origin:  credit.FromReference("openrlhf/cli/train_ppo_ray.py::--no_advantage_std_norm (off, so the std divides)"),
		Aliases: []credit.Alias{credit.Negation("no_advantage_std_norm", false, "OpenRLHF's flag (true = do not divide by the std)"), credit.Negation("no_std_norm", true, "deprecated: use norm_adv_by_std_in_grpo=false (the opposite sense)")}}}
	pOpenRLHFOverlongBufferLen     = credit.FloatParam{Param: credit.Param{Name: "overlong_buffer_len", Kind: credit.Float, Default: 0.0, Doc: "DAPO overlong penalty buffer; 0 = off", Origin: credit.FromReference("openrlhf/cli/train_ppo_ray.py::--overlong_buffer_len (None = off)"), Range: credit.NonNeg}}
	pOpenRLHFOverlongPenaltyFactor = credit.FloatParam{Param: credit.Param{Name: "overlong_penalty_factor", Kind: credit.Float, Default: 1.0, Doc: "DAPO overlong penalty factor", Origin: credit.FromReference("openrlhf/cli/train_ppo_ray.py::--overlong_penalty_factor (1.0)"), Range: credit.NonNeg}}
	pOpenRLHFMaxNewTokens          = credit.FloatParam{Param: credit.Param{Name: "max_new_tokens", Kind: credit.Float, Default: 0.0, Doc: "generation limit for the overlong penalty", Origin: credit.ByCredo("no limit known to credo: the penalty is off until overlong_buffer_len and this limit are set (OpenRLHF's --generate_max_len, default 1024)"), Range: credit.NonNeg,
		Aliases: []credit.Alias{{Name: "generate_max_len", Note: "OpenRLHF's flag"}}}}
)

func init() {
	credit.Register(&credit.Method{
		Name:       "openrlhf.gae",
		Summary:    "OpenRLHF's GAE: masked values and rewards zeroed, no skipping, no whitening",
		Params:     credit.Params(pGammaOpenRLHF, pLambd, credit.Reward),
		Inputs:     []credit.Input{credit.InTokenRewards, credit.InValues},
		Reads:      credit.ReadsMask | credit.ReadsTokenRewards | credit.ReadsValues,
		Outputs:    []string{"advantages", "returns"},
		Scope:      credit.ScopeGroup,
		Provenance: prov(paperGAE, openrlhfRef+"RemoteExperienceMaker.get_advantages_and_returns"),
		Notes:      "per trajectory only; returns = advantages + masked values",
		Run: func(b *rollout.Batch, v credit.Values) error {
			r, err := credit.TokenRewards(b, credit.Reward.Get(v))
			if err != nil {
				return err
			}
			adv, ret, err := openrlhf.GAE(credit.TokenValues(b), r, credit.Masks(b), pGammaOpenRLHF.Get(v), pLambd.Get(v))
			if err != nil {
				return err
			}
			credit.Store(b, adv, ret)
			return nil
		},
	})
	credit.Register(&credit.Method{
		Name:       "openrlhf.cumulative_returns",
		Summary:    "discounted return of the masked token rewards; advantages = returns",
		Params:     credit.Params(pGammaOpenRLHF, credit.Reward),
		Inputs:     []credit.Input{credit.InTokenRewards},
		Reads:      credit.ReadsMask | credit.ReadsTokenRewards,
		Outputs:    []string{"advantages", "returns"},
		Scope:      credit.ScopeGroup,
		Provenance: prov(paperRFPP, openrlhfRef+"RemoteExperienceMaker.get_cumulative_returns"),
		Run: func(b *rollout.Batch, v credit.Values) error {
			r, err := credit.TokenRewards(b, credit.Reward.Get(v))
			if err != nil {
				return err
			}
			ret, err := openrlhf.CumulativeReturns(r, credit.Masks(b), pGammaOpenRLHF.Get(v))
			if err != nil {
				return err
			}
			credit.Store(b, ret, ret)
			return nil
		},
	})
	credit.Register(&credit.Method{
		Name:    "openrlhf.compute_advantages_and_returns",
		Summary: "OpenRLHF's whole shaping pipeline: length penalties, group baseline, KL reward, GAE or returns, whitening",
		Params: credit.Params(
			pOpenRLHFEstimator,
			pGammaOpenRLHF, pLambd,
			pOpenRLHFKLCoef,
			pOpenRLHFRewardClip,
			pOpenRLHFNormAdvByStdInGrpo,
			pOpenRLHFOverlongBufferLen,
			pOpenRLHFOverlongPenaltyFactor,
			pOpenRLHFMaxNewTokens,
			credit.Reward,
		),
		Inputs: []credit.Input{credit.InGroup, credit.InOutcome,
			{Name: "values (estimator gae)", Doc: "critic values per token", Critic: true, Has: func(t *rollout.Trajectory, v credit.Values) bool {
				return pOpenRLHFEstimator.Get(v) != "gae" || t.Values != nil
			}}, credit.KLLogProbs(pOpenRLHFKLCoef)},
		Reads:      credit.ReadsMask | credit.ReadsTokenRewards | credit.ReadsValues,
		Outputs:    []string{"advantages", "returns"},
		Scope:      credit.ScopeBatch,
		Provenance: prov(credit.Provenance{Paper: "OpenRLHF: An Easy-to-use, Scalable and High-performance RLHF Framework", ArXiv: "2405.11143"}, openrlhfRef+"RemoteExperienceMaker.compute_advantages_and_returns"),
		Notes:      "groups must all have n_samples_per_prompt rows (taken from the data); gamma is forced to 1 for rloo, reinforce_baseline, group_norm, dr_grpo; masked positions are not re-zeroed after whitening",
		Run:        runOpenRLHF,
		Sums:       func(v credit.Values) (credit.SumPass, error) { return &openrlhfSums{v: v}, nil },
	})
	// OpenRLHF users pick the estimator with --advantage_estimator; each
	// value is also a method name (openrlhf.gae is the bare GAE function
	// above, so the pipeline with estimator=gae keeps the long name).
	pipe, _ := credit.Lookup("openrlhf.compute_advantages_and_returns")
	for _, est := range []string{"reinforce", "rloo", "reinforce_baseline", "group_norm", "dr_grpo"} {
		m := *pipe
		m.Name = "openrlhf." + est
		m.Summary = "OpenRLHF's pipeline with --advantage_estimator " + est
		m.Notes = "the same as openrlhf.compute_advantages_and_returns with estimator=" + est + "; " + pipe.Notes
		m.Params = append([]credit.Param(nil), pipe.Params...)
		for i := range m.Params {
			if m.Params[i].Name == "estimator" {
				m.Params[i].Default = est
				m.Params[i].Origin = credit.ByCredo("the method's name: OpenRLHF's --advantage_estimator " + est)
			}
		}
		credit.Register(&m)
	}
}

func runOpenRLHF(b *rollout.Batch, v credit.Values) error {
	order, n, err := Blocks(b)
	if err != nil {
		return err
	}
	exp, opt := openrlhfInputs(b, v, order, n)
	res, err := openrlhf.ComputeAdvantagesAndReturns([]openrlhf.Experience{exp}, opt)
	if err != nil {
		return err
	}
	storeOpenRLHF(b, order, res.Experiences[0])
	return nil
}

// openrlhfInputs builds the pipeline's experience from b, its rows in the
// block order of Blocks.
func openrlhfInputs(b *rollout.Batch, v credit.Values, order []int, n int) (openrlhf.Experience, openrlhf.Options) {
	opt := openrlhf.DefaultOptions()
	opt.Estimator = openrlhf.Estimator(pOpenRLHFEstimator.Get(v))
	opt.NSamplesPerPrompt = n
	opt.Gamma = pGammaOpenRLHF.Get(v)
	opt.Lambda = pLambd.Get(v)
	opt.KLCoef = pOpenRLHFKLCoef.Get(v)
	opt.NoStdNorm = !pOpenRLHFNormAdvByStdInGrpo.Get(v)
	if c := pOpenRLHFRewardClip.Get(v); c > 0 {
		opt.RewardClip = &openrlhf.Range{Low: -c, High: c}
	} else {
		opt.RewardClip = nil
	}
	if l := pOpenRLHFOverlongBufferLen.Get(v); l > 0 {
		opt.OverlongBufferLen = &l
		opt.OverlongPenaltyFactor = pOpenRLHFOverlongPenaltyFactor.Get(v)
		opt.MaxNewTokens = pOpenRLHFMaxNewTokens.Get(v)
	}
	exp := openrlhf.Experience{}
	kl := opt.KLCoef > 0
	for pos, i := range order {
		t := b.Trajectories[i]
		r, _ := credit.Outcome(t, credit.Reward.Get(v))
		m := credit.Masks(&rollout.Batch{Trajectories: []*rollout.Trajectory{t}})[0]
		exp.Index = append(exp.Index, pos)
		exp.Rewards = append(exp.Rewards, r)
		exp.KL = append(exp.KL, k1(t, kl))
		vals := t.Values
		if vals == nil {
			vals = make([]float64, t.Len())
		}
		exp.Values = append(exp.Values, vals)
		exp.ActionMask = append(exp.ActionMask, m)
		l := 0.0
		for _, x := range m {
			if x != 0 {
				l++
			}
		}
		exp.ResponseLength = append(exp.ResponseLength, l)
		tr, _ := t.Features["truncated"].(bool)
		exp.Truncated = append(exp.Truncated, tr)
	}
	return exp, opt
}

func storeOpenRLHF(b *rollout.Batch, order []int, out openrlhf.ExperienceResult) {
	for pos, i := range order {
		t := b.Trajectories[i]
		t.Advantages = out.Advantages[pos]
		t.Returns = append([]float64(nil), out.Returns[pos]...)
	}
}

// openrlhfSums is the pipeline's multi-pass form: steps 1-4 act on each
// prompt group alone and are run group by group (again in every pass); the
// global whitening's mean and variance are summed over the groups in batch
// order (anchor/openrlhf.WhitenSums). Groups must come in the order of
// Blocks, i.e. each group's rows contiguous; every group must have the size
// of the first (n_samples_per_prompt).
type openrlhfSums struct {
	v     credit.Values
	n     int
	first string
	w     openrlhf.WhitenSums
}

func (s *openrlhfSums) Grouped() bool { return true }

func (s *openrlhfSums) Passes() int {
	switch {
	case !openrlhf.Estimator(pOpenRLHFEstimator.Get(s.v)).Whitened():
		return 0
	case !pOpenRLHFNormAdvByStdInGrpo.Get(s.v):
		return 1
	}
	return 2
}

// before runs steps 1-4 on the complete groups of b.
func (s *openrlhfSums) before(b *rollout.Batch) ([]int, *openrlhf.Result, openrlhf.Experience, error) {
	order, n, err := Blocks(b)
	if err != nil {
		return nil, nil, openrlhf.Experience{}, err
	}
	if s.n == 0 {
		s.n, s.first = n, b.Trajectories[order[0]].Group
	} else if n != s.n {
		return nil, nil, openrlhf.Experience{}, fmt.Errorf("every group needs the same number of trajectories (n_samples_per_prompt): group %q has %d, group %q has %d",
			s.first, s.n, b.Trajectories[order[0]].Group, n)
	}
	exp, opt := openrlhfInputs(b, s.v, order, n)
	res, err := openrlhf.BeforeWhitening([]openrlhf.Experience{exp}, opt)
	return order, res, exp, err
}

func (s *openrlhfSums) Add(k int, b *rollout.Batch) error {
	_, res, exp, err := s.before(b)
	if err != nil {
		return err
	}
	if k == 0 {
		s.w.AddMean(res.Experiences[0].Advantages, exp.ActionMask)
	} else {
		s.w.AddVar(res.Experiences[0].Advantages, exp.ActionMask)
	}
	return nil
}

func (s *openrlhfSums) EndPass(k int) error {
	if k == 0 {
		return s.w.EndMean("openrlhf.compute_advantages_and_returns", !pOpenRLHFNormAdvByStdInGrpo.Get(s.v), false)
	}
	return nil
}

func (s *openrlhfSums) Apply(b *rollout.Batch) error {
	order, res, _, err := s.before(b)
	if err != nil {
		return err
	}
	out := res.Experiences[0]
	if s.Passes() > 0 {
		s.w.Apply(out.Advantages)
	}
	storeOpenRLHF(b, order, out)
	return nil
}

// k1 returns logp - logp_ref per token (zeros when kl is off).
func k1(t *rollout.Trajectory, on bool) []float64 {
	out := make([]float64, t.Len())
	if !on {
		return out
	}
	for i := range out {
		out[i] = t.OldLogProbs[i] - t.RefLogProbs[i]
	}
	return out
}
