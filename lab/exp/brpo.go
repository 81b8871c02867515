package exp

import (
	"context"

	"github.com/credo-rl/credo/lab/env"
	"github.com/credo-rl/credo/lab/matrix"
	"github.com/credo-rl/credo/lab/result"
	"github.com/credo-rl/credo/lab/run"
	"github.com/credo-rl/credo/lab/sample"
)

func init() {
	register(result.Experiment{
		Name:  "brpo_variance",
		Title: "BRPO's budget-relative baseline and the variance of the policy gradient",
		Paper: "Optimizing Anytime Reasoning via Budget Relative Policy Optimization (AnytimeReasoner, BRPO)",
		ArXiv: "2505.13438",
		Claim: "Scoring the answer forced at every thinking budget and baselining each budget segment with a mix of the " +
			"trace's own earlier scores and the group mean (BRPO) reduces the variance of the policy gradient compared " +
			"with the group mean alone (GRPO-like) or no baseline.",
		Envs:    []string{"arithchain"},
		Methods: []string{"brpo"},
	}, runBRPO)
}

func runBRPO(ctx context.Context, x *run.Ctx) (*result.Result, error) {
	const en = "arithchain?pool=4"
	edit := func(e env.Env) func(b *sample.Built, eps []sample.Episode) error { return matrix.BudgetSteps(e, 4) }
	vs := []matrix.Variant{
		{Label: "BRPO (mixed baseline)", Method: "brpo", Set: map[string]any{"baseline": "brpo"}, Edit: edit},
		{Label: "own history only (v1only)", Method: "brpo", Set: map[string]any{"baseline": "v1only"}, Edit: edit},
		{Label: "group mean only (v2only, GRPO-like)", Method: "brpo", Set: map[string]any{"baseline": "v2only"}, Edit: edit},
		{Label: "no baseline", Method: "brpo", Set: map[string]any{"baseline": "none"}, Edit: edit},
	}
	sz := matrix.Size{P: 4, N: 8, R: x.Pick(32, 64), Warm: 1}
	x.Total(len(x.Seeds))
	sc, err := matrix.ScoreFixed(ctx, x, en, sz, vs, nil)
	if err != nil {
		return nil, err
	}
	res := &result.Result{Config: map[string]any{
		"policy":  "tabular softmax, logits ~ N(0, 1), seeded; scored at that fixed policy",
		"budgets": "4 budgets at steps 2, 4, 6, 8 of ArithChain (horizon 8); the score at a budget is the expected true reward of answering right there",
		"batches": sz.R, "prompts_per_batch": sz.P, "group_size": sz.N,
		"variance": "grad_var: total variance of the REINFORCE gradient estimate (Σ Â ∇log π / #trajectories) across the batches",
		"problems": "a fixed pool of 4 problems",
	}}
	const env = "arithchain"
	matrix.AddRows(res, env, vs, sc, "grad_var", "grad_rel_var", "cosine", "pearson")
	res.Findings = []result.Finding{
		result.Paired("BRPO's mixed baseline has lower gradient variance than the group mean alone", "total variance of the gradient estimate across batches", env,
			"group mean only (v2only, GRPO-like)", "BRPO (mixed baseline)", "grad_var", matrix.MetricOf(sc[2], "grad_var"), matrix.MetricOf(sc[0], "grad_var"), false),
		result.Paired("BRPO's mixed baseline has lower gradient variance than no baseline", "total variance of the gradient estimate across batches", env,
			"no baseline", "BRPO (mixed baseline)", "grad_var", matrix.MetricOf(sc[3], "grad_var"), matrix.MetricOf(sc[0], "grad_var"), false),
	}
	res.Notes = append(res.Notes, "BRPO optimises the anytime objective (the mean score over budgets), not the final reward alone, so its cosine with the exact gradient of J is biased by design; the variance comparison is the paper's claim.")
	return res, nil
}
