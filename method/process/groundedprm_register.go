package process

// The registry binding of groundedprm.labels, beside its estimator.

import (
	"fmt"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Parameters of groundedprm.labels.
var (
	pGroundedprmLabelsFusion      = credit.StringParam{Param: credit.Param{Name: "fusion", Kind: credit.String, Default: string(FuseWeighted), Choices: []string{string(FuseWeighted), string(FuseAnd), string(FuseToolFirst)}, Doc: "how the verdict and the MC value combine", Origin: credit.NotInPaper("the fusion formula is not given; a weighted vote of the tool verdict and the MC value")}}
	pGroundedprmLabelsToolWeight  = credit.FloatParam{Param: credit.Param{Name: "tool_weight", Kind: credit.Float, Default: 0.5, Doc: "weight of the verdict (weighted)", Origin: credit.NotInPaper("equal weight to the tool verdict and the MC value"), Range: credit.Unit}}
	pGroundedprmLabelsThreshold   = credit.FloatParam{Param: credit.Param{Name: "threshold", Kind: credit.Float, Default: 0.5, Doc: "decision threshold of the weighted score", Origin: credit.NotInPaper("the midpoint of the [0, 1] score")}}
	pGroundedprmLabelsMcThreshold = credit.FloatParam{Param: credit.Param{Name: "mc_threshold", Kind: credit.Float, Default: 0.0, Doc: "MC values above it count as correct (and, tool_first)", Origin: credit.ByCredo("MC > 0 counts as correct, as OmegaPRM's labels (arXiv:2406.06592)")}}
	pGroundedprmLabelsSoft        = credit.BoolParam{Param: credit.Param{Name: "soft", Kind: credit.Bool, Default: false, Doc: "weighted: write the score instead of 1/0", Origin: credit.ByCredo("hard 1/0 labels unless asked for")}}
	pGroundedprmLabelsValueKey    = credit.StringParam{Param: credit.Param{Name: "value_key", Kind: credit.String, Default: "mc", Doc: "step value channel with the MC/MCTS value", Origin: credit.Channel}}
	pGroundedprmLabelsToolKey     = credit.StringParam{Param: credit.Param{Name: "tool_key", Kind: credit.String, Default: "tool", Doc: "step label with the tool verdict (1 correct, 0 wrong; absent = not checkable)", Origin: credit.Channel}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "groundedprm.labels",
		Summary: "GroundedPRM-style hybrid step labels from tool verdicts and MC values (writes step labels, not advantages)",
		Params: credit.Params(
			pGroundedprmLabelsFusion,
			pGroundedprmLabelsToolWeight,
			pGroundedprmLabelsThreshold,
			pGroundedprmLabelsMcThreshold,
			pGroundedprmLabelsSoft,
			pGroundedprmLabelsValueKey,
			pGroundedprmLabelsToolKey,
			pPRMLabelKey,
		),
		Inputs: []credit.Input{inStepSignal("steps[].values.<value_key>", "MC/MCTS value of the step",
			func(s rollout.Step, v credit.Values) bool {
				_, ok := s.Values[pGroundedprmLabelsValueKey.Get(v)]
				return ok
			})},
		Reads:   credit.ReadsNothing,
		Outputs: []string{"steps[].labels.<label_key>"},
		Scope:   credit.ScopeGroup,
		Inferred: []credit.Inferred{
			{What: "weighted fusion: score = w·verdict + (1 − w)·MC (MC alone without a verdict), correct when score ≥ 0.5, w = 0.5", Origin: credit.NotInPaper("the paper's fusion formula is not given")},
			{What: "and fusion: verdict correct (or absent) and MC > 0; tool_first: the verdict when present, else MC > 0", Origin: credit.ByCredo("the two other readings of a hybrid label")},
		},
		Provenance: credit.Provenance{Paper: "GroundedPRM: Tree-Guided and Fidelity-Aware Process Reward Modeling for Step-Level Reasoning", ArXiv: "2510.14942", SpecRow: 31},
		Notes:      "reads steps[].values.mc and steps[].labels.tool; the paper's fusion formula is unknown, the fusions are credo's; writes labels only",
		Run:        runGroundedLabels,
	})
}

func runGroundedLabels(b *rollout.Batch, v credit.Values) error {
	o := HybridOptions{Mode: Fusion(pGroundedprmLabelsFusion.Get(v)), ToolWeight: pGroundedprmLabelsToolWeight.Get(v), Threshold: pGroundedprmLabelsThreshold.Get(v),
		MCThreshold: pGroundedprmLabelsMcThreshold.Get(v), Soft: pGroundedprmLabelsSoft.Get(v)}
	for i, t := range b.Trajectories {
		steps := append([]rollout.Step(nil), t.Steps...)
		for _, si := range t.TopSteps() {
			s := &steps[si]
			tool, has := s.Labels[pGroundedprmLabelsToolKey.Get(v)]
			l, err := HybridLabel(tool, has, s.Values[pGroundedprmLabelsValueKey.Get(v)], o)
			if err != nil {
				return fmt.Errorf("trajectory %d (traj_uid %q) step %d: %w", i, t.ID, si, err)
			}
			setLabel(s, pPRMLabelKey.Get(v), l)
		}
		t.Steps = steps
	}
	return nil
}
