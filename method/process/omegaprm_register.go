package process

// The registry binding of omegaprm.labels, beside its estimator.

import (
	"fmt"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Parameters of omegaprm.labels.
var (
	pOmegaprmLabelsSearch          = credit.StringParam{Param: credit.Param{Name: "search", Kind: credit.String, Default: "binary", Choices: []string{"binary", "linear"}, Doc: "OmegaPRM's binary search over the values, or a linear scan", Origin: credit.FromPaper("method: binary search for the first error")}}
	pOmegaprmLabelsThreshold       = credit.FloatParam{Param: credit.Param{Name: "threshold", Kind: credit.Float, Default: 0.0, Doc: "a prefix is correct when its MC value is above it", Origin: credit.FromPaper("method: a step is correct when MC(s) > 0")}}
	pOmegaprmLabelsSoft            = credit.BoolParam{Param: credit.Param{Name: "soft", Kind: credit.Bool, Default: false, Doc: "label = the MC value instead of 1/0", Origin: credit.FromPaper("method: hard labels (soft MC labels are the alternative)")}}
	pOmegaprmLabelsLabelAfterError = credit.BoolParam{Param: credit.Param{Name: "label_after_error", Kind: credit.Bool, Default: false, Doc: "also label the steps after the first error (0)", Origin: credit.ByCredo("the binary search only knows the steps up to the first error; later steps stay unlabelled")}}
	pOmegaprmLabelsValueKey        = credit.StringParam{Param: credit.Param{Name: "value_key", Kind: credit.String, Default: "mc", Doc: "step value channel with the MC estimate after the step", Origin: credit.Channel}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "omegaprm.labels",
		Summary: "OmegaPRM step labels from MC values: binary search for the first error (writes step labels, not advantages)",
		Params: credit.Params(
			pOmegaprmLabelsSearch,
			pOmegaprmLabelsThreshold,
			pOmegaprmLabelsSoft,
			pOmegaprmLabelsLabelAfterError,
			pOmegaprmLabelsValueKey,
			pPRMLabelKey,
		),
		Inputs: []credit.Input{inStepSignal("steps[].values.<value_key>", "MC estimate of the prefix ending with the step",
			func(s rollout.Step, v credit.Values) bool {
				_, ok := s.Values[pOmegaprmLabelsValueKey.Get(v)]
				return ok
			})},
		Reads:      credit.ReadsNothing,
		Outputs:    []string{"steps[].labels.<label_key>"},
		Scope:      credit.ScopeGroup,
		Provenance: credit.Provenance{Paper: "Improve Mathematical Reasoning in Language Models by Automated Process Supervision", ArXiv: "2406.06592", SpecRow: 75},
		Notes:      "reads steps[].values.mc; writes labels only (advantages untouched); steps after the first error stay unlabelled by default",
		Run:        runOmegaLabels,
	})
}

func runOmegaLabels(b *rollout.Batch, v credit.Values) error {
	thr := pOmegaprmLabelsThreshold.Get(v)
	for i, t := range b.Trajectories {
		mc := stepValue(t, pOmegaprmLabelsValueKey.Get(v))
		var first int
		if pOmegaprmLabelsSearch.Get(v) == "linear" {
			first = LinearFirstError(mc, thr)
		} else {
			var err error
			if first, err = FirstErrorFromValues(mc, thr); err != nil {
				return fmt.Errorf("trajectory %d (traj_uid %q): %w", i, t.ID, err)
			}
		}
		labels, labelled, err := StepLabels(len(mc), first, mc, pOmegaprmLabelsSoft.Get(v))
		if err != nil {
			return fmt.Errorf("trajectory %d (traj_uid %q): %w", i, t.ID, err)
		}
		steps := append([]rollout.Step(nil), t.Steps...)
		for k, si := range t.TopSteps() {
			switch {
			case labelled[k]:
				setLabel(&steps[si], pPRMLabelKey.Get(v), labels[k])
			case pOmegaprmLabelsLabelAfterError.Get(v):
				setLabel(&steps[si], pPRMLabelKey.Get(v), 0)
			}
		}
		t.Steps = steps
	}
	return nil
}
