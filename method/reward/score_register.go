package reward

// The registry binding of score, beside its estimator.

import (
	"fmt"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Parameters of score.
var (
	pScoreStepReward   = credit.StringParam{Param: credit.Param{Name: "step_reward", Kind: credit.String, Default: "reward", Doc: "step reward key of each attempt (steps[].rewards.<step_reward>)", Origin: credit.Channel}}
	pScoreAlpha        = credit.FloatParam{Param: credit.Param{Name: "alpha", Kind: credit.Float, Default: 10.0, Doc: "α of the self-correction bonus", Origin: credit.FromPaper("stage II bonus α ≈ 10 (methods.md §3, recalled, not verified)"), Range: credit.NonNeg}}
	pScoreIncludeFirst = credit.BoolParam{Param: credit.Param{Name: "include_first", Kind: credit.Bool, Default: true, Doc: "add the first attempt's reward r(y₁) (stage II trains both attempts)", Origin: credit.FromPaper("stage II maximises the reward of both attempts plus the bonus on the second (recalled)")}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "score",
		Summary: "SCoRe stage II: r(y₁) + r(y₂) + α·(r(y₂) − r(y₁)) over two-attempt trajectories (attempts as steps), then the base method",
		Params: credit.Params(
			pBase.From(credit.ByCredo("the paper trains with REINFORCE-style on-policy RL; verl.grpo is credo's group-baseline stand-in, any registered method can be named")),
			pScoreStepReward,
			pScoreAlpha,
			pScoreIncludeFirst,
			pBaseParams,
		),
		Inputs: []credit.Input{credit.InGroup, {Name: "steps[] (≥ 2 top-level) with rewards.<step_reward>", Doc: "attempt 1 = the first top-level step, the final attempt = the last, each with its reward",
			Has: func(t *rollout.Trajectory, v credit.Values) bool {
				top := t.TopSteps()
				if len(top) < 2 {
					return false
				}
				_, ok1 := t.Steps[top[0]].Rewards[pScoreStepReward.Get(v)]
				_, ok2 := t.Steps[top[len(top)-1]].Rewards[pScoreStepReward.Get(v)]
				return ok1 && ok2
			}}, inBase},
		ReadsOf: credit.StageReads(credit.ReadsMask),
		Outputs: stageOutputs,
		Scope:   credit.ScopeGroup,
		ScopeOf: credit.StageScope,
		Inferred: []credit.Inferred{
			{What: "attempts = the first and the last top-level step; more than two attempts use the first and the last", Origin: credit.ByCredo("credo expresses multi-attempt episodes as steps (methods.md §3)")},
			{What: "the whole-trajectory reward goes to the base method (the base spreads it over both attempts' tokens)", Origin: credit.ByCredo("stage II trains both attempts on one return; per-attempt returns would need a turn-level base")},
		},
		Provenance: credit.Provenance{Paper: "Training Language Models to Self-Correct via Reinforcement Learning", ArXiv: "2409.12917", SpecRow: 80},
		Notes:      "stage: stage II only (stage I's KL constraint on attempt 1 is a loss term of the trainer); reads steps[first].rewards.<step_reward> and steps[last].rewards.<step_reward>; advantages and returns are the base method's",
		Run: func(b *rollout.Batch, v credit.Values) error {
			key := pScoreStepReward.Get(v)
			r1 := make([]float64, len(b.Trajectories))
			r2 := make([]float64, len(b.Trajectories))
			for i, t := range b.Trajectories {
				var err error
				r1[i], r2[i], err = attemptRewards(t.TopSteps(), func(k int) (float64, bool) { x, ok := t.Steps[k].Rewards[key]; return x, ok })
				if err != nil {
					return fmt.Errorf("trajectory %d (traj_uid %q): steps[].rewards.%s: %w", i, t.ID, key, err)
				}
			}
			r, err := SCoReRewards(r1, r2, pScoreAlpha.Get(v), pScoreIncludeFirst.Get(v))
			if err != nil {
				return err
			}
			return credit.RunBase("score", b, v, r)
		},
	})
}
