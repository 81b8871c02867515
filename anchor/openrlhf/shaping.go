package openrlhf

import (
	"fmt"
	"github.com/credo-rl/credo/internal/arrays"
	"math"
)

// Estimator names OpenRLHF's --advantage_estimator choices.
type Estimator string

// The estimators of OpenRLHF's compute_advantages_and_returns.
const (
	EstimatorGAE               Estimator = "gae"
	EstimatorReinforce         Estimator = "reinforce"
	EstimatorRLOO              Estimator = "rloo"
	EstimatorReinforceBaseline Estimator = "reinforce_baseline"
	EstimatorDrGRPO            Estimator = "dr_grpo"
	EstimatorGroupNorm         Estimator = "group_norm"
)

// Valid reports whether e is one of the estimators above.
func (e Estimator) Valid() bool {
	switch e {
	case EstimatorGAE, EstimatorReinforce, EstimatorRLOO, EstimatorReinforceBaseline, EstimatorDrGRPO, EstimatorGroupNorm:
		return true
	}
	return false
}

// grouped reports whether e shapes rewards with a prompt-group baseline;
// these estimators force γ = 1.
func (e Estimator) grouped() bool {
	switch e {
	case EstimatorRLOO, EstimatorReinforceBaseline, EstimatorDrGRPO, EstimatorGroupNorm:
		return true
	}
	return false
}

// whitened reports whether the pipeline whitens e's advantages globally.
func (e Estimator) whitened() bool {
	return e == EstimatorGAE || e == EstimatorReinforce || e == EstimatorReinforceBaseline
}

// OverlongPenalty applies DAPO's soft overlong punishment to scalar rewards:
//
//	expected = maxNewTokens − bufferLen
//	exceed   = min(len − expected, bufferLen)
//	r'       = r − exceed/bufferLen·factor   when exceed > 0, else r
//
// The reference asserts maxNewTokens >= bufferLen (an error here). A
// bufferLen <= 0 is accepted as the reference does: exceed <= bufferLen <= 0
// then, so no row is penalised.
//
// Provenance: OpenRLHF/OpenRLHF@3c3be6234e0cb353e76bb8019947db9dfe99fca7
// openrlhf/trainer/ppo_utils/experience_maker.py::RemoteExperienceMaker.compute_advantages_and_returns
// (overlong_buffer_len branch). Paper: "DAPO: An Open-Source LLM
// Reinforcement Learning System at Scale", arXiv:2503.14476.
func OverlongPenalty(rewards, responseLength []float64, maxNewTokens, bufferLen, factor float64) ([]float64, error) {
	const fn = "openrlhf.overlong_penalty"
	if len(responseLength) != len(rewards) {
		return nil, fmt.Errorf("%s: response_length has %d values, rewards has %d", fn, len(responseLength), len(rewards))
	}
	if err := arrays.FiniteScalar(fn, "overlong_buffer_len", bufferLen); err != nil {
		return nil, err
	}
	if !(maxNewTokens >= bufferLen) || math.IsInf(maxNewTokens, 0) {
		return nil, fmt.Errorf("%s: max_new_tokens (%v) must be >= overlong_buffer_len (%v)", fn, maxNewTokens, bufferLen)
	}
	if err := arrays.FiniteScalar(fn, "overlong_penalty_factor", factor); err != nil {
		return nil, err
	}
	if err := arrays.FiniteVector(fn, "response_length", responseLength); err != nil {
		return nil, err
	}
	out := make([]float64, len(rewards))
	overlongInto(out, rewards, responseLength, maxNewTokens, bufferLen, factor)
	return out, nil
}

func overlongInto(out, rewards, responseLength []float64, maxNewTokens, bufferLen, factor float64) {
	expected := maxNewTokens - bufferLen
	for i, r := range rewards {
		exceed := math.Min(responseLength[i]-expected, bufferLen)
		if exceed > 0 {
			r += -exceed / bufferLen * factor
		}
		out[i] = r
	}
}

// StopProperlyPenalty applies ProRL's penalty to rows truncated by the
// length limit (no EOS):
//
//	r' = coef·r   when truncated and coef >= 0
//	r' = coef     when truncated and coef < 0
//	r' = r        otherwise
//
// Provenance: OpenRLHF/OpenRLHF@3c3be6234e0cb353e76bb8019947db9dfe99fca7
// openrlhf/trainer/ppo_utils/experience_maker.py (stop_properly_penalty_coef).
// Paper: "ProRL: Prolonged Reinforcement Learning Expands Reasoning
// Boundaries in Large Language Models", arXiv:2505.24864.
func StopProperlyPenalty(rewards []float64, truncated []bool, coef float64) ([]float64, error) {
	const fn = "openrlhf.stop_properly_penalty"
	if len(truncated) != len(rewards) {
		return nil, fmt.Errorf("%s: truncated has %d values, rewards has %d", fn, len(truncated), len(rewards))
	}
	if err := arrays.FiniteScalar(fn, "stop_properly_penalty_coef", coef); err != nil {
		return nil, err
	}
	out := make([]float64, len(rewards))
	stopProperlyInto(out, rewards, truncated, coef)
	return out, nil
}

func stopProperlyInto(out, rewards []float64, truncated []bool, coef float64) {
	for i, r := range rewards {
		if truncated[i] {
			if coef >= 0 {
				r *= coef
			} else {
				r = coef
			}
		}
		out[i] = r
	}
}

// ShapeGroupRewards applies OpenRLHF's prompt-group baseline to scalar
// rewards. Row k belongs to prompt group index[k]/n, where index[k] is its
// position in the original rollout (OpenRLHF re-sorts rewards by index and
// reshapes them to (-1, n)); index must be a permutation of 0..N-1 and N a
// multiple of n. With μ the group mean, S the group sum and σ the unbiased
// (n−1) standard deviation:
//
//	rloo                         r − (S − r)/(n − 1)
//	reinforce_baseline, dr_grpo  r − μ
//	group_norm                   (r − μ)/(σ + 1e-9)
//	gae, reinforce               r (unchanged)
//
// rloo and group_norm need n >= 2 (with n = 1 the reference divides by
// zero and yields NaN; ComputeAdvantagesAndReturns reproduces that with
// Options.PropagateNaN); reinforce_baseline and dr_grpo accept n = 1 and then give 0, as
// the reference function does (OpenRLHF's launcher asserts n > 1 for all
// four, this function does not).
//
// Provenance: OpenRLHF/OpenRLHF@3c3be6234e0cb353e76bb8019947db9dfe99fca7
// openrlhf/trainer/ppo_utils/experience_maker.py::RemoteExperienceMaker.compute_advantages_and_returns.
// Papers: RLOO, "Back to Basics: Revisiting REINFORCE Style Optimization for
// Learning from Human Feedback in LLMs", arXiv:2402.14740; GRPO,
// "DeepSeekMath", arXiv:2402.03300; Dr. GRPO, "Understanding R1-Zero-Like
// Training: A Critical Perspective", arXiv:2503.20783; REINFORCE++-baseline,
// arXiv:2501.03262.
func ShapeGroupRewards(rewards []float64, index []int, n int, est Estimator) ([]float64, error) {
	const fn = "openrlhf.shape_group_rewards"
	if !est.Valid() {
		return nil, fmt.Errorf("%s: unknown advantage estimator %q", fn, est)
	}
	if err := arrays.FiniteVector(fn, "rewards", rewards); err != nil {
		return nil, err
	}
	if err := checkIndex(fn, index, len(rewards), n, est, false); err != nil {
		return nil, err
	}
	out := make([]float64, len(rewards))
	shapeInto(out, rewards, index, n, est)
	return out, nil
}

// checkIndex validates the rollout positions and the group size. With
// allowNaN, n = 1 is accepted for rloo and group_norm (the reference then
// yields NaN).
func checkIndex(fn string, index []int, rows, n int, est Estimator, allowNaN bool) error {
	if len(index) != rows {
		return fmt.Errorf("%s: index has %d values, rewards has %d", fn, len(index), rows)
	}
	if n < 1 {
		return fmt.Errorf("%s: n_samples_per_prompt must be >= 1, got %d", fn, n)
	}
	if (est == EstimatorRLOO || est == EstimatorGroupNorm) && n < 2 && !allowNaN {
		return fmt.Errorf("%s: estimator %s needs n_samples_per_prompt > 1, got %d", fn, est, n)
	}
	if rows%n != 0 {
		return fmt.Errorf("%s: %d rows cannot be reshaped to groups of n_samples_per_prompt=%d", fn, rows, n)
	}
	seen := make([]bool, rows)
	for k, p := range index {
		if p < 0 || p >= rows {
			return fmt.Errorf("%s: index[%d] = %d is outside [0, %d)", fn, k, p, rows)
		}
		if seen[p] {
			return fmt.Errorf("%s: index[%d] = %d appears twice; index must be a permutation of the rollout positions", fn, k, p)
		}
		seen[p] = true
	}
	return nil
}

func shapeInto(out, rewards []float64, index []int, n int, est Estimator) {
	if !est.grouped() {
		copy(out, rewards)
		return
	}
	groups := len(rewards) / n
	sum := make([]float64, groups)
	for k, r := range rewards {
		sum[index[k]/n] += r
	}
	nf := float64(n)
	switch est {
	case EstimatorRLOO:
		for k, r := range rewards {
			out[k] = r - (sum[index[k]/n]-r)/(nf-1)
		}
	case EstimatorReinforceBaseline, EstimatorDrGRPO:
		for k, r := range rewards {
			out[k] = r - sum[index[k]/n]/nf
		}
	case EstimatorGroupNorm:
		ss := make([]float64, groups)
		for k, r := range rewards {
			d := r - sum[index[k]/n]/nf
			ss[index[k]/n] += d * d
		}
		for k, r := range rewards {
			g := index[k] / n
			std := math.Sqrt(ss[g] / (nf - 1))
			out[k] = (r - sum[g]/nf) / (std + 1e-9)
		}
	}
}
