package reward

// The Go API entry of ADCL, beside its allocator.

import "github.com/credo-rl/credo/credit"

// Parameters of adcl.
var (
	pAdclSizes = credit.StringParam{Param: credit.Param{Name: "sizes", Kind: credit.String, Default: "", Doc: "batch sizes (function argument; EqualSizes splits a pool evenly)", Origin: credit.ByCredo("function argument: the batch sizes are the caller's")}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "adcl",
		Summary: "ADCL: adaptive difficulty curriculum, prompts ordered easy-to-hard by the current success estimates and cut into batches, re-planned after each batch",
		Params: credit.Params(
			pAdclSizes,
		),
		Inputs:  []credit.Input{{Name: "prompt ids and success estimates p̂", Doc: "per prompt, e.g. knapsack.grpo's state (method/group.KnapsackEstimates)"}},
		Outputs: []string{"batches of prompt ids, easy to hard (ADCLBatch)"},
		Scope:   credit.ScopeBatch,
		Inferred: []credit.Inferred{
			{What: "difficulty = 1 − p̂ from the credit method's state; ties by prompt id", Origin: credit.ByCredo("the paper re-estimates difficulty with the current model; credo reads the success estimates a stateful method keeps")},
		},
		Provenance: credit.Provenance{Paper: "Learning Like Humans: Advancing LLM Reasoning Capabilities via Adaptive Difficulty Curriculum Learning and Expert-Guided Self-Reformulation (ADCL/EGSR)", SpecRow: 84},
		Notes:      "acts before rollout, so it assigns no credit; beside Knapsack RL's allocator (method/group.KnapsackAllocate), which sets group sizes where ADCL sets the order; EGSR (expert-guided reformulation) is generation, outside credo",
		GoAPI:      "method/reward.ADCLPlan (with EqualSizes; CLI: credo allocate --curriculum adcl --batches K)",
	})
}
