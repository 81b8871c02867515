package process

import (
	"fmt"
	"math"

	"github.com/credo-rl/credo/anchor/verl"
	"github.com/credo-rl/credo/internal/groups"
)

// Thought is a run of consecutive steps with the same correctness label:
// steps [Start, End).
type Thought struct {
	Start, End int
	Correct    bool
}

// MergeThoughts merges consecutive steps of equal correctness into
// thoughts, TP-GRPO's credit unit: [c c w w c] gives [0,2) correct, [2,4)
// wrong, [4,5) correct.
//
// Paper: He, Mu et al., "Good Learners Think Their Thinking: Generative PRM
// Makes Large Reasoning Model More Efficient Math Learner", arXiv:2507.23317
// (#15).
func MergeThoughts(correct []bool) []Thought {
	var out []Thought
	for k, c := range correct {
		if k > 0 && c == correct[k-1] {
			out[len(out)-1].End = k + 1
			continue
		}
		out = append(out, Thought{Start: k, End: k + 1, Correct: c})
	}
	return out
}

// TPGRPOOptions are the hyper-parameters of TPGRPO.
type TPGRPOOptions struct {
	// GRPO configures the outcome advantage (verl's GRPO defaults).
	GRPO verl.GRPOOptions
	// Alpha in [0, 1] is the strength of the process modulation (0 gives
	// plain GRPO). credo's default 0.5.
	Alpha float64
	// CorrectThreshold: a response is correct when its score is >= it
	// (default 0.5, which fits 0/1 and ±1 outcome rewards).
	CorrectThreshold float64
}

// DefaultTPGRPOOptions returns credo's defaults: verl's GRPO, Alpha 0.5,
// threshold 0.5.
func DefaultTPGRPOOptions() TPGRPOOptions {
	return TPGRPOOptions{GRPO: verl.DefaultGRPOOptions(), Alpha: 0.5, CorrectThreshold: 0.5}
}

// ThoughtWeight is the capability-adaptive weight of a thought, given
// whether the whole response is correct and the group's accuracy p (the
// model's current proficiency on the prompt):
//
//	correct response,   correct thought:  1
//	correct response,   wrong thought:    1 − α·p      (a detour; penalised
//	                                                    more as the model masters the prompt)
//	wrong response,     wrong thought:    1
//	wrong response,     correct thought:  1 − α·(1 − p) (useful partial work;
//	                                                    protected more while the prompt is hard)
//
// The weight is in [1 − α, 1] and multiplies the response's outcome
// advantage, so a token's advantage never changes sign: the optimisation
// target of every token stays the outcome's (the paper's guard against
// reward hacking), and only its magnitude is shaped by the thought.
//
// This is credo's reconstruction: the paper's exact ability-adaptive
// formula was not found (spec §7).
func ThoughtWeight(responseCorrect, thoughtCorrect bool, p, alpha float64) float64 {
	switch {
	case responseCorrect && !thoughtCorrect:
		return 1 - alpha*p
	case !responseCorrect && thoughtCorrect:
		return 1 - alpha*(1-p)
	}
	return 1
}

// TPGRPO computes TP-GRPO-style token advantages for a batch:
//
//	Â_i     = GRPO(scores)_i                          (verl.GRPOScalar)
//	p_g     = fraction of group g with score > CorrectThreshold
//	A[i][t] = Â_i · ThoughtWeight(correct_i, thought(t) correct, p_g, α) · mask[i][t]
//
// where the thoughts of response i are MergeThoughts(labels[i]) over its
// steps spans[i] (token ranges [Start, End)); tokens outside every step
// get weight 1. With α = 0, or when every thought agrees with the outcome,
// this is GRPO.
//
// Paper: arXiv:2507.23317 (#15); reference code (cs-holder/tp_grpo) not
// inspected. The thought merging follows the paper; the weighting is
// credo's reconstruction (see ThoughtWeight).
func TPGRPO(scores []float64, spans [][][2]int, labels [][]bool, mask [][]float64, index []string, opt TPGRPOOptions) ([][]float64, error) {
	const fn = "tp_grpo"
	B := len(scores)
	if len(spans) != B || len(labels) != B || len(mask) != B || len(index) != B {
		return nil, fmt.Errorf("%s: scores has %d rows, steps %d, labels %d, response_mask %d, index %d", fn, B, len(spans), len(labels), len(mask), len(index))
	}
	if !(opt.Alpha >= 0 && opt.Alpha <= 1) {
		return nil, fmt.Errorf("%s: alpha must be in [0, 1], got %v", fn, opt.Alpha)
	}
	if math.IsNaN(opt.CorrectThreshold) {
		return nil, fmt.Errorf("%s: correct_threshold is NaN", fn)
	}
	g, nG := groups.Index(index)
	base, err := verl.GRPOScalar(scores, g, nG, opt.GRPO)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fn, err)
	}
	right := make([]float64, nG)
	count := make([]float64, nG)
	for i, s := range scores {
		count[g[i]]++
		if s >= opt.CorrectThreshold {
			right[g[i]]++
		}
	}
	adv := make([][]float64, B)
	for i := range scores {
		n := len(mask[i])
		if len(labels[i]) != len(spans[i]) {
			return nil, fmt.Errorf("%s: row %d has %d step labels, %d steps", fn, i, len(labels[i]), len(spans[i]))
		}
		row := make([]float64, n)
		for t := range row {
			row[t] = base[i]
		}
		p := right[g[i]] / count[g[i]]
		ok := scores[i] >= opt.CorrectThreshold
		for _, th := range MergeThoughts(labels[i]) {
			w := ThoughtWeight(ok, th.Correct, p, opt.Alpha)
			for k := th.Start; k < th.End; k++ {
				s := spans[i][k]
				if s[0] < 0 || s[1] < s[0] || s[1] > n {
					return nil, fmt.Errorf("%s: row %d step %d [%d, %d) is outside the %d tokens", fn, i, k, s[0], s[1], n)
				}
				for t := s[0]; t < s[1]; t++ {
					row[t] = base[i] * w
				}
			}
		}
		for t, m := range mask[i] {
			row[t] *= m
		}
		adv[i] = row
	}
	return adv, nil
}
