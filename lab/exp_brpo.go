package lab

import (
	"context"

	"github.com/credo-rl/credo/lab/env"
	"github.com/credo-rl/credo/lab/result"
	"github.com/credo-rl/credo/lab/run"
	"github.com/credo-rl/credo/lab/sample"
	"github.com/credo-rl/credo/rollout"
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

// budgetSteps replaces a single-agent batch's steps by S budget segments
// ("budget" steps over the tokens [b_{j−1}, b_j), b_j = j·H/S), each scored
// by the answer forced at its end: the expected reward of the environment's
// "answer" action in the state reached after b_j steps (the episode's
// return when it ended earlier, or when the environment has no answer
// action or cannot answer there).
func budgetSteps(e env.Env, S int) func(b *sample.Built, eps []sample.Episode) error {
	answer := -1
	for a, name := range e.Actions() {
		if name == "answer" {
			answer = a
		}
	}
	H := e.Horizon()
	return func(b *sample.Built, eps []sample.Episode) error {
		for i, t := range b.Batch.Trajectories {
			ep := eps[b.Ep[i]]
			L := t.Len()
			steps := make([]rollout.Step, 0, S)
			prev := 0
			for j := 1; j <= S; j++ {
				end := min(j*H/S, L)
				score := ep.Return[0]
				if end < len(ep.Steps) && answer >= 0 {
					st := ep.Steps[end]
					if l := e.Legal(st.S); l == nil || l[answer] {
						prior := 0.0
						for _, s := range ep.Steps[:end] {
							prior += s.Reward[0]
						}
						forced := 0.0
						for _, tr := range e.Step(st.S, st.T, answer) {
							forced += tr.P * tr.Reward[0]
						}
						score = prior + forced
					}
				}
				steps = append(steps, rollout.Step{Start: prev, End: end, Kind: "budget", Rewards: map[string]float64{"score": score}})
				prev = end
			}
			t.Steps = steps
		}
		return nil
	}
}

func runBRPO(ctx context.Context, x *run.Ctx) (*Result, error) {
	const en = "arithchain?pool=4"
	edit := func(w *world) func(b *sample.Built, eps []sample.Episode) error { return budgetSteps(w.e, 4) }
	vs := []fixedVariant{
		{label: "BRPO (mixed baseline)", method: "brpo", set: map[string]any{"baseline": "brpo"}, edit: edit},
		{label: "own history only (v1only)", method: "brpo", set: map[string]any{"baseline": "v1only"}, edit: edit},
		{label: "group mean only (v2only, GRPO-like)", method: "brpo", set: map[string]any{"baseline": "v2only"}, edit: edit},
		{label: "no baseline", method: "brpo", set: map[string]any{"baseline": "none"}, edit: edit},
	}
	sz := worldSize{P: 4, N: 8, R: x.Pick(32, 64), Warm: 1}
	x.Total(len(x.Seeds))
	sc, err := scoreFixed(ctx, x, en, sz, vs, nil)
	if err != nil {
		return nil, err
	}
	res := &Result{Config: map[string]any{
		"policy":  "tabular softmax, logits ~ N(0, 1), seeded; scored at that fixed policy",
		"budgets": "4 budgets at steps 2, 4, 6, 8 of ArithChain (horizon 8); the score at a budget is the expected true reward of answering right there",
		"batches": sz.R, "prompts_per_batch": sz.P, "group_size": sz.N,
		"variance": "grad_var: total variance of the REINFORCE gradient estimate (Σ Â ∇log π / #trajectories) across the batches",
		"problems": "a fixed pool of 4 problems",
	}}
	const env = "arithchain"
	fixedRows(res, env, vs, sc, "grad_var", "grad_rel_var", "cosine", "pearson")
	res.Findings = []Finding{
		result.Paired("BRPO's mixed baseline has lower gradient variance than the group mean alone", "total variance of the gradient estimate across batches", env,
			"group mean only (v2only, GRPO-like)", "BRPO (mixed baseline)", "grad_var", metricOf(sc[2], "grad_var"), metricOf(sc[0], "grad_var"), false),
		result.Paired("BRPO's mixed baseline has lower gradient variance than no baseline", "total variance of the gradient estimate across batches", env,
			"no baseline", "BRPO (mixed baseline)", "grad_var", metricOf(sc[3], "grad_var"), metricOf(sc[0], "grad_var"), false),
	}
	res.Notes = append(res.Notes, "BRPO optimises the anytime objective (the mean score over budgets), not the final reward alone, so its cosine with the exact gradient of J is biased by design; the variance comparison is the paper's claim.")
	return res, nil
}
