package process

// The registry binding of tp_grpo, beside its estimator.

import (
	"fmt"

	"github.com/credo-rl/credo/anchor/verl"
	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Parameters of tp_grpo.
var (
	pTpGrpoEpsilon            = credit.FloatParam{Param: credit.Param{Name: "epsilon", Kind: credit.Float, Default: 1e-6, Doc: "added to the group standard deviation", Origin: credit.FromReference("volcengine/verl verl/trainer/ppo/core_algos.py::compute_grpo_outcome_advantage (epsilon=1e-6), the GRPO part"), Range: credit.NonNeg}}
	pTpGrpoNormAdvByStdInGrpo = credit.BoolParam{Param: credit.Param{Name: "norm_adv_by_std_in_grpo", Kind: credit.Bool, Default: true, Doc: "divide by the group std (false = Dr.GRPO)", Origin: credit.FromReference("volcengine/verl verl/trainer/ppo/core_algos.py::compute_grpo_outcome_advantage (norm_adv_by_std_in_grpo=True)")}}
	pTpGrpoAlpha              = credit.FloatParam{Param: credit.Param{Name: "alpha", Kind: credit.Float, Default: 0.5, Doc: "strength of the thought weighting in [0, 1] (0 = GRPO)", Origin: credit.NotInPaper("0.5 halves the blame or praise of a thought at the most uncertain group accuracy; the paper's capability-adaptive formula is not known"), Range: credit.Unit}}
	pTpGrpoThreshold          = credit.FloatParam{Param: credit.Param{Name: "threshold", Kind: credit.Float, Default: 0.5, Doc: "a response is correct when its outcome >= threshold", Aliases: []credit.Alias{credit.Deprecated("correct_threshold", "threshold")}, Origin: credit.ByCredo("0/1 or ±1 outcomes: correct when outcome >= threshold, the convention for outcome correctness across credo (docs/methods.md)")}}
	pTpGrpoLabelKey           = credit.StringParam{Param: credit.Param{Name: "label_key", Kind: credit.String, Default: "correct", Doc: "step label: >= 0.5 = correct step (judge verdict)", Origin: credit.Channel}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "tp_grpo",
		Summary: "TP-GRPO: GRPO advantage scaled per thought (merged steps of equal correctness) by a capability-adaptive weight",
		Params: credit.Params(
			pTpGrpoEpsilon,
			pTpGrpoNormAdvByStdInGrpo,
			pTpGrpoAlpha,
			pTpGrpoThreshold,
			pTpGrpoLabelKey,
			credit.Reward,
		),
		Inputs: []credit.Input{credit.InGroup, credit.InOutcome,
			{Name: "steps[].labels.<label_key>", Doc: "judge verdict per top-level step", Has: func(t *rollout.Trajectory, v credit.Values) bool {
				for _, k := range t.TopSteps() {
					if _, ok := t.Steps[k].Labels[pTpGrpoLabelKey.Get(v)]; !ok {
						return false
					}
				}
				return true
			}},
		},
		Reads:   credit.ReadsMask | credit.ReadsTokenRewards,
		Outputs: []string{"advantages", "returns"},
		Scope:   credit.ScopeGroup,
		Inferred: []credit.Inferred{
			{What: "thought weight 1 − α·p on wrong thoughts of correct responses, 1 − α·(1 − p) on correct thoughts of wrong ones (p = group accuracy, α = 0.5)", Origin: credit.NotInPaper("the paper's capability-adaptive formula is not given; the weight never flips a token's sign, as the paper requires")},
		},
		Provenance: credit.Provenance{Paper: "Good Learners Think Their Thinking: Generative PRM Makes Large Reasoning Model More Efficient Math Learner", ArXiv: "2507.23317", SpecRow: 15},
		Notes: "reads rewards.<reward>, uid, steps[].labels.correct, response_mask; thoughts follow the paper, the weight " +
			"(1 − α·p on wrong thoughts of correct responses, 1 − α·(1 − p) on correct thoughts of wrong ones, p = group accuracy) is credo's reconstruction; returns == advantages",
		Run: runTPGRPO,
	})
}

func runTPGRPO(b *rollout.Batch, v credit.Values) error {
	n := len(b.Trajectories)
	scores := make([]float64, n)
	spans := make([][][2]int, n)
	labels := make([][]bool, n)
	for i, t := range b.Trajectories {
		s, ok := credit.Outcome(t, credit.Reward.Get(v))
		if !ok {
			return fmt.Errorf("trajectory %d (traj_uid %q) has no rewards.%s", i, t.ID, credit.Reward.Get(v))
		}
		scores[i] = s
		spans[i] = stepSpans(t)
		for _, k := range t.TopSteps() {
			labels[i] = append(labels[i], t.Steps[k].Labels[pTpGrpoLabelKey.Get(v)] >= 0.5)
		}
	}
	adv, err := TPGRPO(scores, spans, labels, credit.Masks(b), credit.GroupIDs(b), TPGRPOOptions{
		GRPO:             verl.GRPOOptions{Epsilon: pTpGrpoEpsilon.Get(v), NormByStd: pTpGrpoNormAdvByStdInGrpo.Get(v)},
		Alpha:            pTpGrpoAlpha.Get(v),
		CorrectThreshold: pTpGrpoThreshold.Get(v),
	})
	if err != nil {
		return err
	}
	credit.Store(b, adv, adv)
	return nil
}
