package openrlhf

import (
	"fmt"
	"github.com/credo-rl/credo/internal/arrays"
)

// Experience is one micro-batch of OpenRLHF's experience list, reduced to
// the fields the advantage pipeline reads. Rows may be ragged, but KL,
// Values and ActionMask must share a shape.
type Experience struct {
	// Index is the original rollout position of each row; prompt group =
	// Index/NSamplesPerPrompt. Over all experiences it must be a permutation
	// of 0..N-1.
	Index []int
	// Rewards is the scalar reward of each row.
	Rewards []float64
	// KL is the per-token KL estimate [B][T].
	KL [][]float64
	// Values is the critic's value per token [B][T] (read by gae only).
	Values [][]float64
	// ActionMask marks response tokens [B][T].
	ActionMask [][]float64
	// ResponseLength is read only by the overlong penalty.
	ResponseLength []float64
	// Truncated is read only by the stop-properly penalty.
	Truncated []bool
}

// Options are the arguments of ComputeAdvantagesAndReturns. The zero value
// is not useful; start from DefaultOptions.
type Options struct {
	Estimator         Estimator // --advantage_estimator (default gae)
	NSamplesPerPrompt int       // --n_samples_per_prompt (default 1)
	Gamma             float64   // --gamma (default 1)
	Lambda            float64   // --lambd (default 0.95)
	KLCoef            float64   // the KL controller's value (--init_kl_coef default 0.01)
	RewardClip        *Range    // --reward_clip_range (default (-10, 10)); nil = no clamp
	NoStdNorm         bool      // --no_advantage_std_norm: whitening centres only

	// OverlongBufferLen enables DAPO's overlong penalty when non-nil
	// (--overlong_buffer_len), with OverlongPenaltyFactor
	// (--overlong_penalty_factor, default 1) and MaxNewTokens
	// (--generate_max_len).
	OverlongBufferLen     *float64
	OverlongPenaltyFactor float64
	MaxNewTokens          float64

	// StopProperlyPenaltyCoef enables ProRL's penalty on truncated rows
	// when non-nil (--stop_properly_penalty_coef).
	StopProperlyPenaltyCoef *float64

	// PropagateNaN reproduces the reference's non-finite results on the two
	// degenerate inputs that are rejected by default: with
	// n_samples_per_prompt = 1, rloo's leave-one-out baseline (sum−r)/(n−1)
	// is 0/0 and group_norm's unbiased std of one sample is NaN, so every
	// shaped reward, and every return up to the row's last action token, is
	// NaN; and when every action mask is zero, the whitening mean is 0/0 and
	// every whitened advantage is NaN. Default false: these inputs return an
	// error. The golden adapter sets it, the reference being the contract
	// there.
	PropagateNaN bool
}

// DefaultOptions returns OpenRLHF's defaults.
func DefaultOptions() Options {
	clip := DefaultRewardClip
	return Options{
		Estimator:             EstimatorGAE,
		NSamplesPerPrompt:     1,
		Gamma:                 1,
		Lambda:                0.95,
		KLCoef:                0.01,
		RewardClip:            &clip,
		OverlongPenaltyFactor: 1,
	}
}

// ExperienceResult is what the pipeline computes for one experience.
type ExperienceResult struct {
	Advantages [][]float64
	Returns    [][]float64
	// RewardsAfterLengthPenalty are the scalar rewards after the DAPO and
	// ProRL penalties (experience.rewards in the reference), before the
	// group baseline.
	RewardsAfterLengthPenalty []float64
	// ReturnSums is the sum over all positions of the token reward
	// (experience.info["return"]).
	ReturnSums []float64
}

// Result is the output of ComputeAdvantagesAndReturns.
type Result struct {
	Experiences []ExperienceResult
	// GammaUsed is the discount actually applied: 1 for the grouped
	// estimators, which force γ = 1, Options.Gamma otherwise.
	GammaUsed float64
}

// ComputeAdvantagesAndReturns runs OpenRLHF's whole shaping pipeline over a
// list of micro-batch experiences:
//
//  1. length penalties on the scalar rewards: DAPO overlong (OverlongPenalty),
//     then ProRL stop-properly (StopProperlyPenalty);
//  2. prompt-group baseline (ShapeGroupRewards) over the concatenated rows,
//     grouped by Index/n;
//  3. per-token rewards (ComputeReward) with the clip range and KL coefficient;
//  4. gae: GAE(values, reward, mask, γ, λ); all others: returns =
//     CumulativeReturns(reward, mask, γ) and advantages = returns, with γ
//     forced to 1 for rloo, reinforce_baseline, group_norm and dr_grpo;
//  5. gae, reinforce and reinforce_baseline only: WhitenGlobal over all
//     experiences (population variance; masked positions not re-zeroed).
//
// Returns are not whitened. Quirks reproduced: see the functions above;
// rloo, group_norm and dr_grpo are not whitened again.
//
// Provenance: OpenRLHF/OpenRLHF@3c3be6234e0cb353e76bb8019947db9dfe99fca7
// openrlhf/trainer/ppo_utils/experience_maker.py::RemoteExperienceMaker.compute_advantages_and_returns.
func ComputeAdvantagesAndReturns(exps []Experience, opt Options) (*Result, error) {
	const fn = "openrlhf.compute_advantages_and_returns"
	res, err := BeforeWhitening(exps, opt)
	if err != nil {
		return nil, err
	}
	// (5) global whitening.
	if opt.Estimator.whitened() {
		var w WhitenSums
		for k := range exps {
			w.AddMean(res.Experiences[k].Advantages, exps[k].ActionMask)
		}
		if err := w.EndMean(fn, opt.NoStdNorm, opt.PropagateNaN); err != nil {
			return nil, err
		}
		if !opt.NoStdNorm {
			for k := range exps {
				w.AddVar(res.Experiences[k].Advantages, exps[k].ActionMask)
			}
		}
		for k := range exps {
			w.Apply(res.Experiences[k].Advantages)
		}
	}
	return res, nil
}

// Whitened reports whether the pipeline whitens the advantages of the
// estimator over the whole batch (gae, reinforce, reinforce_baseline).
func (e Estimator) Whitened() bool { return e.whitened() }

// BeforeWhitening is ComputeAdvantagesAndReturns without step 5: the
// advantages are those before the global whitening. Steps 1-4 act on each
// prompt group alone, so a batch can be run group by group with it and
// whitened afterwards with WhitenSums (two more passes), which gives the
// whole-batch result bit for bit when the groups are visited in the
// batch's order.
func BeforeWhitening(exps []Experience, opt Options) (*Result, error) {
	const fn = "openrlhf.compute_advantages_and_returns"
	est := opt.Estimator
	if !est.Valid() {
		return nil, fmt.Errorf("%s: unknown advantage estimator %q", fn, est)
	}
	if err := checkOptions(fn, &opt); err != nil {
		return nil, err
	}
	if len(exps) == 0 {
		return nil, fmt.Errorf("%s: no experiences", fn)
	}
	total := 0
	for k := range exps {
		if err := checkExperience(fn, k, &exps[k], &opt); err != nil {
			return nil, err
		}
		total += len(exps[k].Rewards)
	}

	// (1) length penalties, per experience.
	res := &Result{Experiences: make([]ExperienceResult, len(exps))}
	raw := make([]float64, 0, total)
	index := make([]int, 0, total)
	for k := range exps {
		e := &exps[k]
		r := append([]float64(nil), e.Rewards...)
		if opt.OverlongBufferLen != nil {
			overlongInto(r, r, e.ResponseLength, opt.MaxNewTokens, *opt.OverlongBufferLen, opt.OverlongPenaltyFactor)
		}
		if opt.StopProperlyPenaltyCoef != nil {
			stopProperlyInto(r, r, e.Truncated, *opt.StopProperlyPenaltyCoef)
		}
		res.Experiences[k].RewardsAfterLengthPenalty = r
		raw = append(raw, r...)
		index = append(index, e.Index...)
	}

	// (2) group baseline over all rows.
	if err := checkIndex(fn, index, total, opt.NSamplesPerPrompt, est, opt.PropagateNaN); err != nil {
		return nil, err
	}
	shaped := make([]float64, total)
	shapeInto(shaped, raw, index, opt.NSamplesPerPrompt, est)

	// (3) token rewards and (4) advantages/returns.
	gamma := opt.Gamma
	if est.grouped() {
		gamma = 1
	}
	res.GammaUsed = gamma
	off := 0
	for k := range exps {
		e := &exps[k]
		out := &res.Experiences[k]
		b := len(e.Rewards)
		reward := arrays.Like(e.KL)
		computeRewardInto(reward, shaped[off:off+b], e.KL, e.ActionMask, opt.KLCoef, opt.RewardClip)
		off += b
		out.ReturnSums = make([]float64, b)
		for i, row := range reward {
			s := 0.0
			for _, v := range row {
				s += v
			}
			out.ReturnSums[i] = s
		}
		out.Returns = arrays.Like(e.KL)
		if est == EstimatorGAE {
			out.Advantages = arrays.Like(e.KL)
			gaeInto(out.Advantages, out.Returns, e.Values, reward, e.ActionMask, gamma, opt.Lambda)
		} else {
			cumulativeReturnsInto(out.Returns, reward, e.ActionMask, gamma)
			out.Advantages = arrays.Like(e.KL)
			for i, row := range out.Returns {
				copy(out.Advantages[i], row)
			}
		}
	}

	return res, nil
}

func checkOptions(fn string, opt *Options) error {
	if err := arrays.FiniteScalar(fn, "gamma", opt.Gamma); err != nil {
		return err
	}
	if err := arrays.FiniteScalar(fn, "lambd", opt.Lambda); err != nil {
		return err
	}
	if err := arrays.FiniteScalar(fn, "kl_coef", opt.KLCoef); err != nil {
		return err
	}
	if opt.RewardClip != nil && !(opt.RewardClip.Low <= opt.RewardClip.High) {
		return fmt.Errorf("%s: reward_clip_range (%v, %v) is empty", fn, opt.RewardClip.Low, opt.RewardClip.High)
	}
	if b := opt.OverlongBufferLen; b != nil {
		if err := arrays.FiniteScalar(fn, "overlong_buffer_len", *b); err != nil {
			return err
		}
		if !(opt.MaxNewTokens >= *b) {
			return fmt.Errorf("%s: generate_max_len (%v) must be >= overlong_buffer_len (%v)", fn, opt.MaxNewTokens, *b)
		}
		if err := arrays.FiniteScalar(fn, "overlong_penalty_factor", opt.OverlongPenaltyFactor); err != nil {
			return err
		}
		if err := arrays.FiniteScalar(fn, "generate_max_len", opt.MaxNewTokens); err != nil {
			return err
		}
	}
	if c := opt.StopProperlyPenaltyCoef; c != nil {
		if err := arrays.FiniteScalar(fn, "stop_properly_penalty_coef", *c); err != nil {
			return err
		}
	}
	return nil
}

func checkExperience(fn string, k int, e *Experience, opt *Options) error {
	b := len(e.Rewards)
	where := func(name string) string { return fmt.Sprintf("experience %d %s", k, name) }
	if len(e.Index) != b {
		return fmt.Errorf("%s: %s has %d values, rewards has %d", fn, where("index"), len(e.Index), b)
	}
	if len(e.KL) != b {
		return fmt.Errorf("%s: %s has %d rows, rewards has %d", fn, where("kl"), len(e.KL), b)
	}
	if err := arrays.SameShape(fn, where("kl"), e.KL, where("action_mask"), e.ActionMask); err != nil {
		return err
	}
	if err := arrays.FiniteVector(fn, where("rewards"), e.Rewards); err != nil {
		return err
	}
	if err := arrays.FiniteMatrix(fn, where("kl"), e.KL); err != nil {
		return err
	}
	if err := arrays.FiniteMatrix(fn, where("action_mask"), e.ActionMask); err != nil {
		return err
	}
	if opt.Estimator == EstimatorGAE {
		if e.Values == nil {
			return fmt.Errorf("%s: %s is missing; gae needs critic values", fn, where("values"))
		}
		if err := arrays.SameShape(fn, where("kl"), e.KL, where("values"), e.Values); err != nil {
			return err
		}
		if err := arrays.FiniteMatrix(fn, where("values"), e.Values); err != nil {
			return err
		}
	}
	if opt.OverlongBufferLen != nil {
		if len(e.ResponseLength) != b {
			return fmt.Errorf("%s: %s has %d values, rewards has %d", fn, where("response_length"), len(e.ResponseLength), b)
		}
		if err := arrays.FiniteVector(fn, where("response_length"), e.ResponseLength); err != nil {
			return err
		}
	}
	if opt.StopProperlyPenaltyCoef != nil && len(e.Truncated) != b {
		return fmt.Errorf("%s: %s has %d values, rewards has %d", fn, where("truncated"), len(e.Truncated), b)
	}
	return nil
}
