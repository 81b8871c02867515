package exp

import (
	"context"

	"github.com/credo-rl/credo/lab/matrix"
	"github.com/credo-rl/credo/lab/result"
	"github.com/credo-rl/credo/lab/run"
)

func init() {
	register(result.Experiment{
		Name:  "matrix",
		Title: "Credit-accuracy matrix: every method × every environment",
		Paper: "credo lab (no paper; metrics after Ilyas et al., A Closer Look at Deep Policy Gradients)",
		ArXiv: "1811.02553",
		Claim: "No prior work scores the LLM-era credit estimators against the exact A^π on shared environments " +
			"(environments.md §4). Expected: methods with a per-step comparison set (GiGPO anchors, critics, trees) " +
			"correlate better with A^π than trajectory-level group baselines on long-horizon tasks, and all methods " +
			"agree on one-step tasks.",
	}, runMatrix)
}

func runMatrix(ctx context.Context, x *run.Ctx) (*result.Result, error) {
	res, err := matrix.Run(ctx, x)
	if err != nil {
		return nil, err
	}
	res.Findings = matrixFindings(res)
	return res, nil
}

// matrixFindings checks two expectations on the matrix, paired over seeds
// (every method of a seed is scored on the same episodes): GiGPO's anchor
// groups beat trajectory-level GRPO in correlation on Sokoban6, and
// GAE beats GRPO with an exact critic on the noisy delayed-reward chain
// and with a linear critic (which answers for every state, unlike the
// warm-up table) on Sokoban6.
func matrixFindings(res *result.Result) []result.Finding {
	seeds := func(method, env string) []float64 {
		for _, r := range res.Rows {
			if r.Method == method && r.Env == env && r.Metric == "pearson" {
				return r.Seeds
			}
		}
		return nil
	}
	var out []result.Finding
	cmp := func(claim, env, a, b string) {
		va, vb := seeds(a, env), seeds(b, env)
		if va == nil || vb == nil {
			out = append(out, result.Finding{Claim: claim, Metric: "Pearson(Â, A^π)", Env: env, A: a, B: b, Verdict: result.Inconclusive,
				Detail: "a method or the environment is unavailable"})
			return
		}
		out = append(out, result.Paired(claim, "Pearson(Â, A^π) at a random policy", env, a, b, "pearson", va, vb, true))
	}
	cmp("GiGPO's anchor-state groups give step credit closer to A^π than trajectory-level GRPO on Sokoban6", "sokoban6", "verl_agent.grpo", "verl_agent.gigpo")
	cmp("With an exact critic, GAE gives credit closer to A^π than GRPO's group baseline on the noisy delayed-reward chain", "umbrella", "verl.grpo", "verl.gae [oracle critic]")
	cmp("With a learned critic that generalises across states (linear), GAE gives credit closer to A^π than GRPO's group baseline on Sokoban6", "sokoban6", "verl.grpo", "verl.gae [linear critic]")
	return out
}
