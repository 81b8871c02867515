package turn

import (
	"fmt"

	"github.com/credo-rl/credo/internal/arrays"
)

// CALMOptions are CALM's shaping hyper-parameters.
type CALMOptions struct {
	// AuxReward is the bonus r_aux for a transition that achieves a
	// subgoal (default 0.1; the paper's magnitude was not found).
	AuxReward float64
	// Threshold: a judge label ≥ Threshold counts as "subgoal achieved"
	// (default 0.5, so 0/1 labels and vote fractions both work).
	Threshold float64
}

// DefaultCALMOptions returns AuxReward 0.1, Threshold 0.5.
func DefaultCALMOptions() CALMOptions { return CALMOptions{AuxReward: 0.1, Threshold: 0.5} }

// CALMShapedRewards adds CALM's option-termination bonus to the environment
// reward of every step:
//
//	r'[i][k] = r[i][k] + r_aux · 1[label[i][k] ≥ threshold]
//
// where label[i][k] is an LLM judge's verdict that step k of row i achieved
// one of the subgoals the LLM decomposed the task into (achieving a subgoal
// terminates an option). Every labelled step gets the bonus: de-duplicating
// repeated achievements of the same subgoal is the judge's job (label only
// the first), otherwise the bonus can be farmed.
//
// Paper: "CALM: Credit Assignment with Language Models" (Pignatelli et al.,
// arXiv:2409.12798), spec row #8. No reference code; the paper evaluates
// the judge offline only.
func CALMShapedRewards(env, label [][]float64, opt CALMOptions) ([][]float64, error) {
	if len(env) != len(label) {
		return nil, fmt.Errorf("calm: env rewards have %d rows, labels %d", len(env), len(label))
	}
	if !arrays.Finite(opt.AuxReward) || !arrays.Finite(opt.Threshold) {
		return nil, fmt.Errorf("calm: aux_reward %v and threshold %v must be finite", opt.AuxReward, opt.Threshold)
	}
	out := make([][]float64, len(env))
	for i, r := range env {
		if len(label[i]) != len(r) {
			return nil, fmt.Errorf("calm: row %d has %d env rewards and %d subgoal labels", i, len(r), len(label[i]))
		}
		row := make([]float64, len(r))
		for k, x := range r {
			l := label[i][k]
			if !arrays.Finite(x) || !arrays.Finite(l) {
				return nil, fmt.Errorf("calm: row %d step %d: reward %v, label %v must be finite", i, k, x, l)
			}
			row[k] = x
			if l >= opt.Threshold {
				row[k] += opt.AuxReward
			}
		}
		out[i] = row
	}
	return out, nil
}
