package process

// The registry binding of clip_delta, beside its estimator.

import (
	"fmt"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Parameters of clip_delta.
var (
	pClipDeltaRefinement = credit.StringParam{Param: credit.Param{Name: "refinement", Kind: credit.String, Default: string(RefineClipDelta), Choices: []string{string(RefineClip), string(RefineDelta), string(RefineClipDelta), string(RefineNone)}, Doc: "clip: min(r − eta, 0); delta: r_k − r_{k+1}; clip_delta: both", Origin: credit.ByCredo("Clip then Delta (Clip-Delta): both bound the cumulative reward; the paper gives no default refinement")}}
	pClipDeltaEta        = credit.FloatParam{Param: credit.Param{Name: "eta", Kind: credit.Float, Default: 0.0, Optional: true, Doc: "Clip threshold η; unset: the batch's mean PRM step score (eta_mode=auto)",
		Origin: credit.NotInPaper("η is a per-PRM threshold with no value in the paper; unset, η is the batch's mean PRM step score (the catalogue recalls the mean PRM score) because a fixed η = 0 zeroes every score of a PRM in [0, 1] (issue 8, defect 3)")}}
	pClipDeltaEtaMode = credit.StringParam{Param: credit.Param{Name: "eta_mode", Kind: credit.String, Default: "auto", Choices: []string{"auto", "fixed", "batch_mean"}, Doc: "auto: eta when set, else the batch mean; fixed: eta (required); batch_mean: the mean PRM step score of the batch",
		Origin: credit.ByCredo("auto: a given eta is used, otherwise the batch mean, which cannot null the signal of a [0, 1] PRM")}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "clip_delta",
		Summary: "Clip / Delta refinement of PRM step rewards (bounded cumulative reward), plus the success reward (stage)",
		Params: credit.Params(
			pClipDeltaRefinement,
			pClipDeltaEta,
			pClipDeltaEtaMode,
			pOutcomeCoef.WithDefault(1, credit.FromPaper("method: the success reward is added at the end")), pMaskSeparator.WithDefault(false, credit.ByCredo("no separator masking: the paper trains every token")), pEstimator, pEstimatorParams, pWriteTokenRewards, credit.Reward,
		),
		Inputs: []credit.Input{
			inStepSignal("steps[].rewards.prm", "PRM score per reasoning step",
				func(s rollout.Step, _ credit.Values) bool { _, ok := s.Rewards["prm"]; return ok }),
			inOutcomeIfCoef,
		},
		ReadsOf: stageReads(credit.ReadsMask),
		Outputs: []string{"advantages", "returns", "token_level_rewards (write_token_rewards)"},
		Scope:   credit.ScopeGroup,
		ScopeOf: stageScope(clipDeltaBatchMean),
		Inferred: []credit.Inferred{
			{What: "η = the batch's mean PRM step score unless eta is set", Origin: credit.NotInPaper("η has no value in the paper; a fixed η = 0 zeroes every score of a [0, 1] PRM")},
		},
		Provenance: credit.Provenance{Paper: "On Designing Effective RL Reward at Training Time for LLM Reasoning", ArXiv: "2410.15115", SpecRow: 35},
		Notes: "reads steps[].rewards.prm, rewards.<reward>, response_mask; no reference code: η is the batch's mean PRM step score by default " +
			"(a fixed η = 0 would zero every score of a PRM in [0, 1]); eta_mode=fixed uses eta; the clip_delta default is credo's choice",
		Run: runClipDelta,
	})
}

// clipDeltaBatchMean reports whether clip_delta's η is the batch mean.
func clipDeltaBatchMean(v credit.Values) bool {
	switch pClipDeltaEtaMode.Get(v) {
	case "batch_mean":
		return true
	case "auto":
		return !pClipDeltaEta.Has(v)
	}
	return false
}

func runClipDelta(b *rollout.Batch, v credit.Values) error {
	if pClipDeltaEtaMode.Get(v) == "fixed" && !pClipDeltaEta.Has(v) {
		return fmt.Errorf("eta_mode=fixed needs eta (the Clip threshold η; no default: a fixed η = 0 zeroes every score of a PRM in [0, 1])")
	}
	eta, _ := pClipDeltaEta.Lookup(v) // unset: the batch mean below
	if clipDeltaBatchMean(v) {
		s, n := 0.0, 0
		for _, t := range b.Trajectories {
			for _, r := range stepReward(t, "prm") {
				s += r
				n++
			}
		}
		if n > 0 {
			eta = s / float64(n)
		}
	}
	how := Refinement(pClipDeltaRefinement.Get(v))
	return runStage(func(t *rollout.Trajectory, _ credit.Values) ([]float64, error) {
		return Refine(stepReward(t, "prm"), eta, how)
	})(b, v)
}
