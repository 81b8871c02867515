package group

// The registry binding of KnapsackMethod, beside its estimator.

import (
	"github.com/credo-rl/credo/credit"
)

// Parameters of knapsack.grpo (KnapsackMethod).
var (
	pKnapsackPromptKey = credit.StringParam{Param: credit.Param{Name: "prompt_key", Kind: credit.String, Default: "uid", Doc: "what identifies a prompt across batches: uid or features.<name> (verl's uid is new every batch; use a stable feature)", Origin: credit.ByCredo("verl's uid; pass a stable feature to keep estimates across batches")}}
	pKnapsackEma       = credit.FloatParam{Param: credit.Param{Name: "ema", Kind: credit.Float, Default: 0.0, Doc: "p̂ ← ema·p̂ + (1-ema)·observed success rate; 0 = the last observed rate", Origin: credit.NotInPaper("p̂ estimator not given; 0 keeps the last observed rate"), Range: &credit.Range{Min: new(0.0), Max: new(1.0), MaxOpen: true}}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    KnapsackMethod,
		Summary: "Knapsack RL bookkeeping: the base method's advantages (GRPO on variable-size groups) plus per-prompt success estimates p̂ kept in state for the allocator",
		Params: credit.Params(
			pBase, credit.Reward, pThresh,
			pKnapsackPromptKey,
			pKnapsackEma,
			pBaseParams,
		),
		Inputs:  []credit.Input{credit.InGroup, credit.InOutcome, keyInput(pKnapsackPromptKey, "a prompt id stable across batches")},
		ReadsOf: credit.StageReads(credit.ReadsMask),
		Outputs: []string{"advantages", "returns"},
		Scope:   credit.ScopeGroup,
		ScopeOf: credit.StageScope,
		Inferred: []credit.Inferred{
			{What: "p̂ = the last observed success rate (ema = 0)", Origin: credit.NotInPaper("the p̂ estimator is not given")},
		},
		Provenance: credit.Provenance{Paper: "Knapsack RL: Unlocking Exploration of LLMs via Optimizing Budget Allocation", ArXiv: "2509.25849", Reference: "no official code", SpecRow: 41},
		Notes: "state: \"p_hat\" and \"rollouts\" per prompt key, \"effective_ratio\" of the last batch (share of groups with non-equal outcomes); " +
			"the allocation itself is the Go function KnapsackAllocate (read p̂ with KnapsackEstimates); advantages and returns are the base method's",
		Steps: beginKnapsack,
	})
}

// KnapsackEstimates returns the per-prompt success estimates p̂ that the
// knapsack.grpo method keeps in st (the state passed to AssignState), ready
// for KnapsackAllocate. It is empty before the first call.
func KnapsackEstimates(st *credit.State) (map[string]float64, error) {
	p := map[string]float64{}
	if st == nil {
		return p, nil
	}
	_, err := st.For(KnapsackMethod).Get("p_hat", &p)
	return p, err
}
