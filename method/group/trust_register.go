package group

// The registry binding of trust_grpo, beside its estimator.

import (
	"github.com/credo-rl/credo/credit"
)

// Parameters of trust_grpo.
var (
	pTrustGrpoAlpha   = credit.FloatParam{Param: credit.Param{Name: "alpha", Kind: credit.Float, Default: 1.0, Doc: "coefficient of the thinking reward (paper value not found)", Origin: credit.NotInPaper("1 weighs the thinking reward like the outcome reward, before the trust factor and annealing"), Range: credit.NonNeg}}
	pTrustGrpoAnnealT = credit.FloatParam{Param: credit.Param{Name: "anneal_T", Kind: credit.Float, Default: 0.0, Doc: "time constant T of the annealing weight e^{-step/T}; 0 = no annealing (paper value not found)", Origin: credit.NotInPaper("T is not given; 0 turns annealing off so the trust weight alone acts"), Range: credit.NonNeg}}
	pTrustGrpoStep    = credit.IntParam{Param: credit.Param{Name: "step", Kind: credit.Int, Default: -1, Doc: "training step for the annealing; -1 = the step counter kept in the method state", Origin: credit.ByCredo("-1 reads the step counter kept in the method state (one call = one training step)"), Range: credit.AtLeast(-1)}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "trust_grpo",
		Summary: "Trust-GRPO: outcome + α·e^{-step/T}·γ_trust·thinking reward, then the base method (GRPO)",
		Params: credit.Params(
			pBase, credit.Reward, pThink,
			pTrustGrpoAlpha,
			pThresh.From(credit.FromPaper("Eqs. 1-2: 0.5 splits a group into correct and incorrect answers (inferred from a reviewer's list of the paper's hyper-parameters)")),
			pTrustGrpoAnnealT,
			pTrustGrpoStep,
			pBaseParams,
		),
		Inputs: []credit.Input{credit.InGroup, credit.InOutcome,
			credit.ChannelInput(pThink, "thinking-quality reward in [0, 1] of each response")},
		ReadsOf: credit.StageReads(credit.ReadsMask | credit.ReadsTokenRewards),
		Outputs: []string{"advantages", "returns"},
		Scope:   credit.ScopeGroup,
		ScopeOf: credit.StageScope,
		Inferred: []credit.Inferred{
			{What: "α = 1: R = R_o + α·e^{-step/T}·γ_trust·R_t", Origin: credit.NotInPaper("α is named but its value is not found; 1 weighs the thinking reward like the outcome")},
			{What: "γ_trust = 1 if μ_correct ≥ μ_wrong, else e^{μ_correct − μ_wrong}", Origin: credit.ByCredo("the catalogue's recalled form (not verified against the paper)")},
			{What: "annealing e^{-step/T}, off (T = 0) by default", Origin: credit.NotInPaper("T is not given; annealing is off until T is set")},
		},
		Provenance: credit.Provenance{Paper: "SophiaVL-R1: Reinforcing MLLMs Reasoning with Thinking Reward", ArXiv: "2505.17018", Reference: "kxfan2002/SophiaVL-R1 (trust weighting not located in the code)", SpecRow: 40},
		Notes: "γ = 1 if mean thinking reward of correct >= that of incorrect responses, else exp(μ_c - μ_w); γ = 1 when a group lacks either; " +
			"state: \"step\" counts calls (one call = one training step); the scope and returns are those of the base method",
		Steps: beginTrust,
	})
}
