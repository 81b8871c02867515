package pure

import (
	"fmt"
	"github.com/credo-rl/credo/internal/arrays"
	"math"
	"strings"
)

// Baseline names PURE's --reward_baseline choices.
type Baseline string

// PURE's process-reward baselines.
const (
	BaselineStep  Baseline = "step"  // mean per-step reward of the other samples, at every step end
	BaselineToken Baseline = "token" // per-token reward of the other samples × tokens in the step
)

// RewardMode names PURE's --reward_mode choices.
type RewardMode string

// PURE's reward modes: process reward, verifiable reward, or both.
const (
	ModePRMVR RewardMode = "PRMVR"
	ModePRM   RewardMode = "PRM"
	ModeVR    RewardMode = "VR"
)

func (m RewardMode) valid() bool { return m == ModePRMVR || m == ModePRM || m == ModeVR }

// usesPRM and usesVR follow the reference's substring tests.
func (m RewardMode) usesPRM() bool { return strings.Contains(string(m), "PRM") }
func (m RewardMode) usesVR() bool  { return strings.Contains(string(m), "VR") }

// Experience is one micro-batch of PURE, reduced to what the credit
// assignment reads. S is the number of step slots, A the number of action
// tokens; rows may be ragged across the fields that share a shape.
type Experience struct {
	// Logits are the PRM logits [B][S] at each step end (read in PRM modes).
	Logits [][][2]float64
	// ScoreMask marks the valid steps [B][S].
	ScoreMask [][]float64
	// RewardMask marks the step-end tokens (separators and EOS) [B][A], in
	// step order: its k-th non-zero position receives step k's reward.
	RewardMask [][]float64
	// ActionMask marks the response tokens [B][A].
	ActionMask [][]float64
	// NumTokensPerStep is the token count of each step [B][S] (read by the
	// token baseline only, at the ScoreMask positions).
	NumTokensPerStep [][]float64
	// LogProbs and BaseLogProbs are the actor and reference log-probs [B][A].
	LogProbs, BaseLogProbs [][]float64
	// Solved is 1 when the verifier accepts the answer, else 0 [B].
	Solved []float64
	// HaveAnswers reports whether a ground-truth answer exists [B].
	HaveAnswers []bool
}

// Options are PURE's hyper-parameters; start from DefaultOptions.
type Options struct {
	NSamplesPerPrompt     int        // --n_samples_per_prompt (>= 2)
	RewardBaseline        Baseline   // --reward_baseline (default step)
	RewardMode            RewardMode // --reward_mode (default PRMVR)
	VerifiableRewardCoef  float64    // --verifiable_reward_coef (default 1)
	KLCoef                float64    // KL controller value (--init_kl_coef default 0.01)
	UseKLEstimatorK3      bool       // --use_kl_estimator_k3
	NoMaskSeparatorAdv    bool       // --nomask_separator_adv: keep returns at step-end tokens
	DisableWeightedReward bool       // --disable_weighted_reward: uniform step weights
	Temperature           float64    // softmin temperature (hard-coded 0.1)
	// DisableAdvantageNormalization skips the replay-buffer normalisation
	// (--disable_advantage_normalization).
	DisableAdvantageNormalization bool
	// CorrectedNormalization uses a consistent mean/variance set in the
	// replay-buffer normalisation; see NormalizeAdvantages. Default false
	// (faithful to the reference).
	CorrectedNormalization bool
	// PropagateNaN reproduces the reference's non-finite results on the
	// degenerate inputs that are rejected by default: n_samples_per_prompt
	// = 1 (every leave-one-out baseline is 0/0 = NaN), a row without a
	// valid step under the step baseline (R/0 = NaN for its whole group), a
	// group whose other samples have no action token under the token
	// baseline (x/0 = ±Inf or NaN), and a replay-buffer normalisation
	// count <= 0 (the statistics are then computed as the reference does:
	// 0/0 gives NaN on every non-zero advantage, a negative count a
	// variance clamped to 1e-8). Default false. The golden adapter sets it,
	// the reference being the contract there.
	PropagateNaN bool
}

// DefaultOptions returns PURE's defaults with n_samples_per_prompt = n.
func DefaultOptions(n int) Options {
	return Options{
		NSamplesPerPrompt:    n,
		RewardBaseline:       BaselineStep,
		RewardMode:           ModePRMVR,
		VerifiableRewardCoef: 1,
		KLCoef:               0.01,
		Temperature:          DefaultTemperature,
	}
}

// ExperienceResult is what the pipeline computes for one micro-batch.
type ExperienceResult struct {
	// StepProcessReward are the softmin-weighted step rewards [B][S]; nil
	// when the reward mode has no PRM part.
	StepProcessReward [][]float64
	// ProcessRewardsAfterBaseline are the token rewards after the baseline
	// and the verifiable reward, before the KL penalty [B][A].
	ProcessRewardsAfterBaseline [][]float64
	// Returns and Advantages [B][A], before normalisation. PURE sets
	// advantages = returns; here both fields share one matrix (copy it
	// before modifying one of them independently).
	Returns, Advantages [][]float64
	// Match is 1/0 when the sign of the outcome reward agrees/disagrees
	// with Solved, −1 when there is no answer [B].
	Match []float64
	// Reward is the outcome (sum of step) reward before the baseline [B].
	Reward []float64
	// Return is the sum of the final token rewards (after KL) [B].
	Return []float64
}

// Result is the output of CreditAssignment.
type Result struct {
	Experiences []ExperienceResult
	// AdvantagesNormalized is the replay buffer's normalised advantage per
	// sample (all micro-batches in order), each cut to its number of action
	// tokens; nil when normalisation is disabled.
	AdvantagesNormalized [][]float64
}

// CreditAssignment runs PURE's whole min-form pipeline over micro-batches:
//
//  1. PRM modes: step rewards = ProcessRewardFromLogits(logits, score_mask,
//     T, uniform), placed on the RewardMask tokens in step order (else 0);
//     outcome reward R_i = Σ step rewards; match = [sign⁺(R_i) == solved_i]
//     (−1 without answer), sign⁺ mapping −1 to 0;
//  2. all micro-batches are concatenated; groups are n consecutive rows;
//     StepBaseline (num_steps = #ScoreMask) or TokenBaseline (response
//     length = #ActionMask, step lengths = NumTokensPerStep at ScoreMask);
//  3. VR modes: AddVerifiableReward at the EOS token, × coef;
//  4. per micro-batch: kl = ApproxKL (computed on the fly), returns =
//     Returns(..., kl_coef, !NoMaskSeparatorAdv), advantages = returns;
//  5. unless disabled: NormalizeAdvantages over all samples (faithful
//     count by default, see CorrectedNormalization).
//
// Notes. Each row's valid steps (ScoreMask) and step-end tokens
// (RewardMask) must agree in number (PRM modes). A row without a valid step
// gets no step reward (its NaN softmin weights are never placed), and the
// step baseline then rejects it (division by zero steps), or, with
// Options.PropagateNaN, gives its whole group NaN as the reference does. The reference
// slices its outputs back to micro-batches by --micro_rollout_batch_size;
// here each experience's own row count is used, which is the same when
// every micro-batch is full. StepProcessReward is nil in VR mode.
//
// Provenance: CJReinforce/PURE@41f9363b8cc4af044b7fc5f7f9bbbf62139e9553
// openrlhf/trainer/ppo_utils/experience_maker.py::NaiveExperienceMaker.make_experience_list
// + process_experiences, openrlhf/trainer/ppo_utils/replay_buffer.py::NaiveReplayBuffer.normalize.
// The assembly of step rewards onto tokens (step 1) mirrors
// NaiveExperienceMaker.make_experience. Paper: arXiv:2504.15275.
func CreditAssignment(exps []Experience, opt Options) (*Result, error) {
	const fn = "pure.credit_assignment"
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
		total += len(exps[k].ActionMask)
	}
	n := opt.NSamplesPerPrompt
	if err := checkGroups(fn, total, n); err != nil && !(opt.PropagateNaN && n == 1) {
		return nil, err
	}
	res := &Result{Experiences: make([]ExperienceResult, len(exps))}

	// (1) step rewards on tokens, outcome, match; concatenated row views.
	var (
		pr         = make([][]float64, 0, total) // token rewards, shaped in place
		rewardMask = make([][]float64, 0, total)
		actionMask = make([][]float64, 0, total)
		sums       = make([]float64, 0, total)
		numSteps   = make([]float64, 0, total)
		respLen    = make([]float64, 0, total)
		keep       = make([]int, 0, total)
		stepTokens [][]float64
		solved     = make([]float64, 0, total)
	)
	for k := range exps {
		e := &exps[k]
		out := &res.Experiences[k]
		tok := arrays.Like(e.RewardMask)
		b := len(e.ActionMask)
		out.Reward = make([]float64, b)
		out.Match = make([]float64, b)
		if opt.RewardMode.usesPRM() {
			step, _, err := ProcessRewardFromLogits(e.Logits, e.ScoreMask, opt.Temperature, opt.DisableWeightedReward)
			if err != nil {
				return nil, fmt.Errorf("%s: experience %d: %w", fn, k, err)
			}
			for i := range step {
				var ends int
				out.Reward[i], ends = placeSteps(tok[i], e.RewardMask[i], step[i], e.ScoreMask[i])
				if steps := countNonZero(e.ScoreMask[i]); steps != ends {
					return nil, fmt.Errorf("%s: experience %d score_mask row %d has %d valid steps but reward_mask has %d step-end tokens", fn, k, i, steps, ends)
				}
			}
			out.StepProcessReward = step
		}
		for i := 0; i < b; i++ {
			// prediction = sign(R) with −1 mapped to 0.
			pred := 0.0
			if out.Reward[i] > 0 {
				pred = 1
			}
			switch {
			case !e.HaveAnswers[i]:
				out.Match[i] = -1
			case pred == e.Solved[i]:
				out.Match[i] = 1
			}
			acts := countNonZero(e.ActionMask[i])
			pr = append(pr, tok[i])
			rewardMask = append(rewardMask, e.RewardMask[i])
			actionMask = append(actionMask, e.ActionMask[i])
			sums = append(sums, out.Reward[i])
			numSteps = append(numSteps, float64(countNonZero(e.ScoreMask[i])))
			respLen = append(respLen, float64(acts))
			keep = append(keep, acts)
			if opt.RewardBaseline == BaselineToken {
				stepTokens = append(stepTokens, pick(e.NumTokensPerStep[i], e.ScoreMask[i]))
			}
		}
		solved = append(solved, e.Solved...)
	}

	// (2) baseline over groups of n consecutive rows, in place.
	if opt.RewardBaseline == BaselineStep {
		for i, k := range numSteps {
			if !(k > 0) && !opt.PropagateNaN {
				return nil, fmt.Errorf("%s: row %d has no valid step; the per-step average is undefined", fn, i)
			}
		}
		stepBaselineInto(pr, pr, rewardMask, sums, numSteps, n)
	} else {
		if err := checkTokenBaseline(fn, rewardMask, respLen, stepTokens, n, opt.PropagateNaN); err != nil {
			return nil, err
		}
		tokenBaselineInto(pr, pr, rewardMask, sums, respLen, stepTokens, n)
	}

	// (3) verifiable reward at EOS.
	if opt.RewardMode.usesVR() {
		maxLen := 0
		for _, m := range actionMask {
			maxLen = max(maxLen, len(m))
		}
		if maxLen == 0 {
			// The reference's argmax over an empty axis raises.
			return nil, fmt.Errorf("%s: action_mask has no token position; there is no EOS for the verifiable reward", fn)
		}
		addVerifiableInto(pr, actionMask, solved, n, opt.VerifiableRewardCoef)
	}

	// (4) KL penalty and returns (advantages share the returns' storage).
	allAdv := make([][]float64, 0, total)
	off := 0
	for k := range exps {
		e := &exps[k]
		out := &res.Experiences[k]
		b := len(e.ActionMask)
		out.ProcessRewardsAfterBaseline = pr[off : off+b : off+b]
		off += b
		out.Returns = arrays.Like(e.ActionMask)
		out.Advantages = out.Returns
		out.Return = make([]float64, b)
		if !returnsKLInto(out.Returns, out.Return, out.ProcessRewardsAfterBaseline, e.LogProbs, e.BaseLogProbs,
			e.ActionMask, e.RewardMask, opt.KLCoef, opt.UseKLEstimatorK3, !opt.NoMaskSeparatorAdv) {
			return nil, arrays.FirstNonFinite(fn, []string{fmt.Sprintf("experience %d token_log_probs", k), fmt.Sprintf("experience %d base_token_log_probs", k)}, e.LogProbs, e.BaseLogProbs)
		}
		allAdv = append(allAdv, out.Advantages...)
	}

	// (5) replay-buffer normalisation.
	if !opt.DisableAdvantageNormalization {
		var err error
		res.AdvantagesNormalized, err = normalize(fn, allAdv, actionMask, keep, opt.CorrectedNormalization, opt.PropagateNaN)
		if err != nil {
			return nil, err
		}
	}
	return res, nil
}

// checkTokenBaseline validates the inputs of the token baseline; with
// allowNaN a group whose other samples have no token is accepted.
func checkTokenBaseline(fn string, rewardMask [][]float64, respLen []float64, stepTokens [][]float64, n int, allowNaN bool) error {
	for i, m := range rewardMask {
		if c := countNonZero(m); c != len(stepTokens[i]) {
			return fmt.Errorf("%s: row %d has %d step ends in reward_mask but %d step lengths", fn, i, c, len(stepTokens[i]))
		}
		for _, x := range stepTokens[i] {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("%s: row %d num_tokens_per_step is %v", fn, i, x)
			}
		}
	}
	if allowNaN {
		return nil
	}
	for g := 0; g < len(respLen); g += n {
		sl := 0.0
		for j := 0; j < n; j++ {
			sl += respLen[g+j]
		}
		for j := 0; j < n; j++ {
			if sl-respLen[g+j] == 0 {
				return fmt.Errorf("%s: the other samples of row %d have no tokens; the per-token baseline is undefined", fn, g+j)
			}
		}
	}
	return nil
}

// placeSteps writes the valid step rewards, in order, on the step-end
// tokens; it returns their sum and the number of step-end tokens. Step
// ends beyond the valid steps are left at 0 (the caller rejects the row).
func placeSteps(dst, rewardMask, step, scoreMask []float64) (sum float64, ends int) {
	k := 0
	dst = dst[:len(rewardMask)]
	for t, m := range rewardMask {
		if m == 0 {
			continue
		}
		ends++
		for k < len(scoreMask) && scoreMask[k] == 0 {
			k++
		}
		if k < len(scoreMask) {
			dst[t] = step[k]
			sum += step[k]
			k++
		}
	}
	return sum, ends
}

// pick returns the values of v where mask is non-zero.
func pick(v, mask []float64) []float64 {
	out := make([]float64, 0, len(v))
	for s, m := range mask {
		if m != 0 {
			out = append(out, v[s])
		}
	}
	return out
}

func checkOptions(fn string, opt *Options) error {
	if !opt.RewardMode.valid() {
		return fmt.Errorf("%s: unknown reward_mode %q (want PRMVR, PRM or VR)", fn, opt.RewardMode)
	}
	if opt.RewardBaseline != BaselineStep && opt.RewardBaseline != BaselineToken {
		return fmt.Errorf("%s: unknown reward_baseline %q (want step or token)", fn, opt.RewardBaseline)
	}
	if err := arrays.FiniteScalar(fn, "kl_coef", opt.KLCoef); err != nil {
		return err
	}
	if err := arrays.FiniteScalar(fn, "verifiable_reward_coef", opt.VerifiableRewardCoef); err != nil {
		return err
	}
	return nil
}

func checkExperience(fn string, k int, e *Experience, opt *Options) error {
	w := func(name string) string { return fmt.Sprintf("experience %d %s", k, name) }
	b := len(e.ActionMask)
	if err := arrays.SameShape(fn, w("action_mask"), e.ActionMask, w("reward_mask"), e.RewardMask); err != nil {
		return err
	}
	if err := arrays.SameShape(fn, w("action_mask"), e.ActionMask, w("token_log_probs"), e.LogProbs); err != nil {
		return err
	}
	if err := arrays.SameShape(fn, w("action_mask"), e.ActionMask, w("base_token_log_probs"), e.BaseLogProbs); err != nil {
		return err
	}
	if len(e.ScoreMask) != b {
		return fmt.Errorf("%s: %s has %d rows, action_mask has %d", fn, w("score_mask"), len(e.ScoreMask), b)
	}
	if len(e.Solved) != b {
		return fmt.Errorf("%s: %s has %d values, action_mask has %d rows", fn, w("solved"), len(e.Solved), b)
	}
	if len(e.HaveAnswers) != b {
		return fmt.Errorf("%s: %s has %d values, action_mask has %d rows", fn, w("have_answers"), len(e.HaveAnswers), b)
	}
	if err := arrays.FiniteVector(fn, w("solved"), e.Solved); err != nil {
		return err
	}
	if opt.RewardMode.usesPRM() && len(e.Logits) != b {
		return fmt.Errorf("%s: %s has %d rows, action_mask has %d", fn, w("logits"), len(e.Logits), b)
	}
	if opt.RewardBaseline == BaselineToken {
		if err := arrays.SameShape(fn, w("score_mask"), e.ScoreMask, w("num_tokens_per_step"), e.NumTokensPerStep); err != nil {
			return err
		}
	}
	return nil
}
