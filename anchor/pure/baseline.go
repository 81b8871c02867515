package pure

import (
	"fmt"

	"github.com/credo-rl/credo/internal/arrays"
)

// checkGroups validates that rows split into groups of n consecutive rows.
func checkGroups(fn string, rows, n int) error {
	if n < 2 {
		return fmt.Errorf("%s: n_samples_per_prompt must be >= 2 for a leave-one-out baseline, got %d", fn, n)
	}
	if rows%n != 0 {
		return fmt.Errorf("%s: %d rows cannot be split into groups of n_samples_per_prompt=%d", fn, rows, n)
	}
	return nil
}

// StepBaseline subtracts PURE's 'step' baseline (--reward_baseline step,
// the default) from token-level process rewards. Groups are n consecutive
// rows. With R_i = Σ_t processReward[i][t] and K_i = numSteps[i]:
//
//	b_i = mean_{j≠i, j∈g(i)} R_j/K_j
//	out[i][t] = processReward[i][t] − b_i   where rewardMask[i][t] != 0
//	out[i][t] = 0                           elsewhere
//
// i.e. the average per-step reward of the other samples is subtracted at
// every step-end token. numSteps must be positive (the reference divides by
// it).
//
// Provenance: CJReinforce/PURE@41f9363b8cc4af044b7fc5f7f9bbbf62139e9553
// openrlhf/trainer/ppo_utils/experience_maker.py::NaiveExperienceMaker.process_experiences.
func StepBaseline(processReward, rewardMask [][]float64, numSteps []float64, n int) ([][]float64, error) {
	const fn = "pure.step_baseline"
	if err := arrays.SameShape(fn, "process_reward", processReward, "reward_mask", rewardMask); err != nil {
		return nil, err
	}
	if len(numSteps) != len(processReward) {
		return nil, fmt.Errorf("%s: num_steps has %d values, process_reward has %d rows", fn, len(numSteps), len(processReward))
	}
	if err := checkGroups(fn, len(processReward), n); err != nil {
		return nil, err
	}
	if err := arrays.FiniteMatrix(fn, "process_reward", processReward); err != nil {
		return nil, err
	}
	for i, k := range numSteps {
		if !(k > 0) {
			return nil, fmt.Errorf("%s: row %d has %v steps; the per-step average is undefined", fn, i, k)
		}
	}
	out := arrays.Like(processReward)
	stepBaselineInto(out, processReward, rewardMask, rowSums(processReward), numSteps, n)
	return out, nil
}

// stepBaselineInto writes the step baseline of pr into out (which may be
// pr itself); sums[i] is Σ_t pr[i][t].
func stepBaselineInto(out, pr, rewardMask [][]float64, sums, numSteps []float64, n int) {
	avg := make([]float64, n)
	for g := 0; g < len(pr); g += n {
		s := 0.0
		for j := 0; j < n; j++ {
			avg[j] = sums[g+j] / numSteps[g+j]
			s += avg[j]
		}
		for j := 0; j < n; j++ {
			b := (s - avg[j]) / float64(n-1)
			p := pr[g+j]
			m, o := rewardMask[g+j][:len(p)], out[g+j][:len(p)]
			for t, v := range p {
				if m[t] != 0 {
					o[t] = v - b
				} else {
					o[t] = 0
				}
			}
		}
	}
}

// TokenBaseline subtracts PURE's 'token' baseline (--reward_baseline token)
// from token-level process rewards. Groups are n consecutive rows. With
// R_i = Σ_t processReward[i][t] and L_i = responseLength[i]:
//
//	c_i = Σ_{j≠i} R_j / Σ_{j≠i} L_j          (average reward per token of the others)
//	out[i][t_k] = processReward[i][t_k] − c_i·stepTokens[i][k]
//
// where t_k is the k-th position with rewardMask != 0 (the end of step k)
// and stepTokens[i][k] the number of tokens of step k; other positions are
// copied unchanged. Each row must have as many step ends as stepTokens
// entries, and Σ_{j≠i} L_j must be non-zero.
//
// Provenance: CJReinforce/PURE@41f9363b8cc4af044b7fc5f7f9bbbf62139e9553
// openrlhf/trainer/ppo_utils/experience_maker.py::NaiveExperienceMaker.process_experiences.
func TokenBaseline(processReward, rewardMask [][]float64, responseLength []float64, stepTokens [][]float64, n int) ([][]float64, error) {
	const fn = "pure.token_baseline"
	if err := arrays.SameShape(fn, "process_reward", processReward, "reward_mask", rewardMask); err != nil {
		return nil, err
	}
	if len(responseLength) != len(processReward) {
		return nil, fmt.Errorf("%s: response_length has %d values, process_reward has %d rows", fn, len(responseLength), len(processReward))
	}
	if len(stepTokens) != len(processReward) {
		return nil, fmt.Errorf("%s: num_tokens_per_step has %d rows, process_reward has %d", fn, len(stepTokens), len(processReward))
	}
	if err := checkGroups(fn, len(processReward), n); err != nil {
		return nil, err
	}
	if err := arrays.FiniteMatrix(fn, "process_reward", processReward); err != nil {
		return nil, err
	}
	if err := arrays.FiniteMatrix(fn, "num_tokens_per_step", stepTokens); err != nil {
		return nil, err
	}
	if err := arrays.FiniteVector(fn, "response_length", responseLength); err != nil {
		return nil, err
	}
	for i, m := range rewardMask {
		if c := countNonZero(m); c != len(stepTokens[i]) {
			return nil, fmt.Errorf("%s: row %d has %d step ends in reward_mask but %d step lengths", fn, i, c, len(stepTokens[i]))
		}
	}
	for g := 0; g < len(processReward); g += n {
		sl := 0.0
		for j := 0; j < n; j++ {
			sl += responseLength[g+j]
		}
		for j := 0; j < n; j++ {
			if sl-responseLength[g+j] == 0 {
				return nil, fmt.Errorf("%s: the other samples of row %d have no tokens; the per-token baseline is undefined", fn, g+j)
			}
		}
	}
	out := arrays.Like(processReward)
	tokenBaselineInto(out, processReward, rewardMask, rowSums(processReward), responseLength, stepTokens, n)
	return out, nil
}

// tokenBaselineInto writes the token baseline of pr into out (which may be
// pr itself); sums[i] is Σ_t pr[i][t].
func tokenBaselineInto(out, pr, rewardMask [][]float64, sums, responseLength []float64, stepTokens [][]float64, n int) {
	for g := 0; g < len(pr); g += n {
		sr, sl := 0.0, 0.0
		for j := 0; j < n; j++ {
			sr += sums[g+j]
			sl += responseLength[g+j]
		}
		for j := 0; j < n; j++ {
			i := g + j
			c := (sr - sums[i]) / (sl - responseLength[i])
			p := pr[i]
			m, o := rewardMask[i][:len(p)], out[i][:len(p)]
			k := 0
			for t, v := range p {
				if m[t] != 0 {
					v -= c * stepTokens[i][k]
					k++
				}
				o[t] = v
			}
		}
	}
}

// AddVerifiableReward adds PURE's leave-one-out verifiable reward at the EOS
// token (reward_mode VR or PRMVR). Groups are n consecutive rows. With
// v_i = solved_i − 1 ∈ {−1, 0}:
//
//	out[i][eos_i] = processReward[i][eos_i] + coef·(v_i − mean_{j≠i} v_j)
//
// eos_i is the last position where actionMask row i is non-zero. Quirk
// reproduced: the reference finds EOS on the action masks right-padded to
// the longest row of all micro-batches, so a row whose mask is all zero
// gets eos = (longest row length) − 1, and the reward is lost when that
// lies beyond the row's own length.
//
// Provenance: CJReinforce/PURE@41f9363b8cc4af044b7fc5f7f9bbbf62139e9553
// openrlhf/trainer/ppo_utils/experience_maker.py::NaiveExperienceMaker.process_experiences.
func AddVerifiableReward(processReward, actionMask [][]float64, solved []float64, n int, coef float64) ([][]float64, error) {
	const fn = "pure.verifiable_reward"
	if err := arrays.SameShape(fn, "process_reward", processReward, "action_mask", actionMask); err != nil {
		return nil, err
	}
	if len(solved) != len(processReward) {
		return nil, fmt.Errorf("%s: solved has %d values, process_reward has %d rows", fn, len(solved), len(processReward))
	}
	if err := checkGroups(fn, len(processReward), n); err != nil {
		return nil, err
	}
	if err := arrays.FiniteVector(fn, "solved", solved); err != nil {
		return nil, err
	}
	if err := arrays.FiniteScalar(fn, "verifiable_reward_coef", coef); err != nil {
		return nil, err
	}
	out := arrays.Like(processReward)
	for i, row := range processReward {
		copy(out[i], row)
	}
	addVerifiableInto(out, actionMask, solved, n, coef)
	return out, nil
}

func addVerifiableInto(out, actionMask [][]float64, solved []float64, n int, coef float64) {
	maxLen := 0
	for _, m := range actionMask {
		maxLen = max(maxLen, len(m))
	}
	for g := 0; g < len(out); g += n {
		s := 0.0
		for j := 0; j < n; j++ {
			s += solved[g+j] - 1
		}
		for j := 0; j < n; j++ {
			i := g + j
			v := solved[i] - 1
			eos := lastNonZero(actionMask[i])
			if eos < 0 {
				eos = maxLen - 1
			}
			if eos >= 0 && eos < len(out[i]) {
				out[i][eos] += (v - (s-v)/float64(n-1)) * coef
			}
		}
	}
}

func rowSums(m [][]float64) []float64 {
	out := make([]float64, len(m))
	for i, r := range m {
		out[i] = rowSum(r)
	}
	return out
}

func rowSum(r []float64) float64 {
	s := 0.0
	for _, v := range r {
		s += v
	}
	return s
}

func countNonZero(r []float64) int {
	c := 0
	for _, v := range r {
		if v != 0 {
			c++
		}
	}
	return c
}

func lastNonZero(r []float64) int {
	for t := len(r) - 1; t >= 0; t-- {
		if r[t] != 0 {
			return t
		}
	}
	return -1
}
