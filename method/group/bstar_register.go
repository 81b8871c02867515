package group

// The registry binding of bstar, beside its estimator.

import (
	"github.com/credo-rl/credo/credit"
)

// Parameters of bstar.
var (
	pBstarNStar      = credit.FloatParam{Param: credit.Param{Name: "n_star", Kind: credit.Float, Default: 0.0, Doc: "target count n* of unique correct responses per query (no default; pass it)", Required: true, Origin: credit.NotInPaper("n* is a per-task target; there is no default, pass it"), Range: credit.Positive}}
	pBstarThresholds = credit.StringParam{Param: credit.Param{Name: "thresholds", Kind: credit.String, Default: "", Doc: "candidate reward thresholds τ (function argument)", Origin: credit.ByCredo("function argument: the candidate thresholds are the caller's")}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "bstar",
		Summary: "B-STaR: balance score of a query's kept samples and the choice of sampling configuration (temperature, reward threshold) that maximises it",
		Params: credit.Params(
			pBstarNStar,
			pBstarThresholds,
		),
		Inputs:     []credit.Input{{Name: "BStarPool per configuration", Doc: "per query: sampled answers, verifier verdicts, reward scores"}},
		Outputs:    []string{"the chosen configuration and threshold (BStarChoice)"},
		Scope:      credit.ScopeBatch,
		Provenance: credit.Provenance{Paper: "B-STaR: Monitoring and Balancing Exploration and Exploitation in Self-Taught Reasoners", ArXiv: "2412.17256", SpecRow: 54},
		Notes:      "acts before rollout, so it assigns no credit; balance score min(n'/n*, 1)·n'/n is the catalogue's recalled form",
		GoAPI:      "method/group.BStarChoose (with BalanceScore, BStarQueryScore)",
	})
}
