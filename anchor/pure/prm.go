package pure

import (
	"fmt"
	"math"
)

// DefaultTemperature is the softmin temperature PURE hard-codes at the call
// site of turn_process_reward_logits_to_reward.
const DefaultTemperature = 0.1

// ProcessRewardFromLogits turns per-step PRM logits into PURE's min-form
// step rewards. For each row, over the steps k with stepMask[k] != 0:
//
//	pr_k = softmax(logits_k)[1] − softmax(logits_k)[0]          (∈ [−1, 1])
//	w_k  = exp(−pr_k/T) / Σ_j exp(−pr_j/T)                      (softmin)
//	process_k = w_k·pr_k,   outcome = Σ_k process_k  (→ min_k pr_k as T → 0)
//
// Masked steps get pr = 0 and weight 0. With uniform = true
// (--disable_weighted_reward) the weights are 1/#valid steps instead and T
// is not used. The weights are taken over ALL valid steps of the row, not
// over the future steps only.
//
// Quirk reproduced (documented contract of the golden file): a row with no
// valid step yields NaN for every entry and for its outcome, as the
// reference's softmax over an all −inf row does.
//
// logits[i][k] holds the two PRM logits (index 1 = "correct") of step k;
// stepMask has the shape [B][S] of logits. T must be positive.
//
// Provenance: CJReinforce/PURE@41f9363b8cc4af044b7fc5f7f9bbbf62139e9553
// openrlhf/utils/utils.py::turn_process_reward_logits_to_reward.
func ProcessRewardFromLogits(logits [][][2]float64, stepMask [][]float64, temperature float64, uniform bool) (processReward [][]float64, outcome []float64, err error) {
	const fn = "pure.turn_process_reward_logits_to_reward"
	if err := checkLogits(fn, logits, stepMask); err != nil {
		return nil, nil, err
	}
	if !uniform && (!(temperature > 0) || math.IsInf(temperature, 0)) {
		return nil, nil, fmt.Errorf("%s: temperature must be positive and finite, got %v", fn, temperature)
	}
	processReward = make([][]float64, len(logits))
	n := 0
	for _, row := range logits {
		n += len(row)
	}
	buf := make([]float64, n)
	for i, row := range logits {
		processReward[i], buf = buf[:len(row):len(row)], buf[len(row):]
	}
	outcome = make([]float64, len(logits))
	for i := range logits {
		outcome[i] = processRewardRow(processReward[i], logits[i], stepMask[i], temperature, uniform)
	}
	return processReward, outcome, nil
}

func checkLogits(fn string, logits [][][2]float64, stepMask [][]float64) error {
	if len(stepMask) != len(logits) {
		return fmt.Errorf("%s: reward_mask has %d rows, logits has %d", fn, len(stepMask), len(logits))
	}
	for i, row := range logits {
		if len(stepMask[i]) != len(row) {
			return fmt.Errorf("%s: reward_mask row %d has %d values, logits has %d steps", fn, i, len(stepMask[i]), len(row))
		}
		for k, l := range row {
			if math.IsNaN(l[0]) || math.IsNaN(l[1]) || math.IsInf(l[0], 0) || math.IsInf(l[1], 0) {
				return fmt.Errorf("%s: logits row %d step %d is (%v, %v)", fn, i, k, l[0], l[1])
			}
		}
	}
	return nil
}

// processRewardRow fills out with the weighted step rewards of one row and
// returns their sum.
func processRewardRow(out []float64, logits [][2]float64, mask []float64, temperature float64, uniform bool) float64 {
	valid := 0
	maxX := math.Inf(-1)
	for k, l := range logits {
		if mask[k] == 0 {
			out[k] = 0
			continue
		}
		valid++
		pr := stepScore(l)
		out[k] = pr
		if x := -pr / temperature; x > maxX {
			maxX = x
		}
	}
	if valid == 0 {
		nan := math.NaN()
		for k := range out {
			out[k] = nan
		}
		return nan
	}
	if uniform {
		w := 1 / float64(valid)
		s := 0.0
		for k := range out {
			if mask[k] != 0 {
				out[k] *= w
				s += out[k]
			}
		}
		return s
	}
	z := 0.0
	for k, pr := range out {
		if mask[k] != 0 {
			z += math.Exp(-pr/temperature - maxX)
		}
	}
	s := 0.0
	for k, pr := range out {
		if mask[k] != 0 {
			out[k] = math.Exp(-pr/temperature-maxX) / z * pr
			s += out[k]
		}
	}
	return s
}

// stepScore is softmax(l)[1] − softmax(l)[0].
func stepScore(l [2]float64) float64 {
	m := math.Max(l[0], l[1])
	e0, e1 := math.Exp(l[0]-m), math.Exp(l[1]-m)
	s := e0 + e1
	return e1/s - e0/s
}
