package reward

// The registry binding of crew, beside its estimator.

import (
	"fmt"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Parameters of crew.
var (
	pCrewLogprobs         = credit.StringParam{Param: credit.Param{Name: "logprobs", Kind: credit.String, Default: "old_log_probs", Doc: "log-probs of the tokens: old_log_probs, or the name of a log_probs.<name> array", Origin: credit.ByCredo("the behaviour policy's own log-probs, which every rollout carries")}}
	pCrewAnswerTag        = credit.StringParam{Param: credit.Param{Name: "answer_tag", Kind: credit.String, Default: "answer", Doc: "token tag marking the answer tokens; a response with no tagged token (or an empty name) uses its last valid token", Origin: credit.Channel}}
	pCrewAggregate        = credit.StringParam{Param: credit.Param{Name: "aggregate", Kind: credit.String, Default: "geo_mean", Choices: []string{"geo_mean", "mean_prob", "product"}, Doc: "how the answer tokens' probabilities make one confidence", Origin: credit.ByCredo("geometric mean: length-independent, and 1 only when every answer token is certain")}}
	pCrewConfidenceWeight = credit.FloatParam{Param: credit.Param{Name: "confidence_weight", Kind: credit.Float, Default: 1.0, Doc: "weight of the confidence term", Origin: credit.FromPaper("reward = the answer's confidence (methods.md §1 row 62: training-free reward)"), Range: credit.NonNeg}}
	pCrewOutcomeWeight    = credit.FloatParam{Param: credit.Param{Name: "outcome_weight", Kind: credit.Float, Default: 0.0, Doc: "weight of rewards.<reward> beside the confidence (0 = confidence alone)", Origin: credit.FromPaper("confidence alone is the paper's training-free reward; > 0 makes it a reward term"), Range: credit.NonNeg}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "crew",
		Summary: "CRew: the policy's confidence in its answer tokens (from their log-probs) as the reward, or as a term beside the outcome, then the base method",
		Params: credit.Params(
			pBase.From(credit.ByCredo("the paper evaluates confidence as a training-free reward; verl.grpo is credo's group-baseline trainer, any registered method can be named")),
			credit.Reward,
			pCrewLogprobs,
			pCrewAnswerTag,
			pCrewAggregate,
			pCrewConfidenceWeight,
			pCrewOutcomeWeight,
			pBaseParams,
		),
		Inputs: []credit.Input{credit.InGroup,
			{Name: "old_log_probs | log_probs.<logprobs>", Doc: "per-token log-probs of the response",
				Has: func(t *rollout.Trajectory, v credit.Values) bool {
					if pCrewLogprobs.Get(v) == "old_log_probs" {
						return t.OldLogProbs != nil
					}
					_, ok := t.LogProbs[pCrewLogprobs.Get(v)]
					return ok
				}},
			{Name: "rewards.<reward> (when outcome_weight ≠ 0)", Doc: "outcome reward",
				Has: func(t *rollout.Trajectory, v credit.Values) bool {
					if pCrewOutcomeWeight.Get(v) == 0 {
						return true
					}
					_, ok := credit.Outcome(t, credit.Reward.Get(v))
					return ok
				}}, inBase},
		ReadsOf: credit.StageReads(credit.ReadsMask | credit.ReadsOldLogProbs | credit.ReadsTokenTags),
		Outputs: stageOutputs,
		Scope:   credit.ScopeGroup,
		ScopeOf: credit.StageScope,
		Inferred: []credit.Inferred{
			{What: "confidence = exp(mean log p) over the answer tokens (geo_mean)", Origin: credit.ByCredo("the paper's aggregation over answer tokens is not at hand; mean_prob and product are offered")},
			{What: "no tagged answer token: the last valid token is the answer", Origin: credit.ByCredo("the final token carries the answer in short-answer formats; a clear rule beats failing on untagged rows")},
		},
		Provenance: credit.Provenance{Paper: "CRew: Confidence as a Reward (title as in methods.md §1 row 62)", SpecRow: 62},
		Notes:      "stage: r = confidence_weight·conf + outcome_weight·rewards.<reward>; answer tokens = token_tags.<answer_tag> = 1 with a non-zero response_mask; advantages and returns are the base method's",
		Run: func(b *rollout.Batch, v credit.Values) error {
			r := make([]float64, len(b.Trajectories))
			src, tag := pCrewLogprobs.Get(v), pCrewAnswerTag.Get(v)
			for i, t := range b.Trajectories {
				lp := t.OldLogProbs
				if src != "old_log_probs" {
					lp = t.LogProbs[src]
				}
				if len(lp) != t.Len() {
					return fmt.Errorf("trajectory %d (traj_uid %q): %s has %d values, want %d", i, t.ID, src, len(lp), t.Len())
				}
				ans := make([]bool, t.Len())
				found := false
				if tags, ok := t.Tags[tag]; ok && tag != "" {
					if len(tags) != t.Len() {
						return fmt.Errorf("trajectory %d (traj_uid %q): token_tags.%s has %d values, want %d", i, t.ID, tag, len(tags), t.Len())
					}
					for u, x := range tags {
						ans[u] = x != 0 && t.MaskAt(u) != 0
						found = found || ans[u]
					}
				}
				if !found {
					last := t.LastValid()
					if last < 0 {
						return fmt.Errorf("trajectory %d (traj_uid %q): no valid token to read the answer's confidence from", i, t.ID)
					}
					ans[last] = true
				}
				conf, err := AnswerConfidence(lp, ans, pCrewAggregate.Get(v))
				if err != nil {
					return fmt.Errorf("trajectory %d (traj_uid %q): %s: %w", i, t.ID, src, err)
				}
				r[i] = pCrewConfidenceWeight.Get(v) * conf
				if w := pCrewOutcomeWeight.Get(v); w != 0 {
					o, ok := credit.Outcome(t, credit.Reward.Get(v))
					if !ok {
						return fmt.Errorf("trajectory %d (traj_uid %q): no rewards.%s and no token_level_rewards", i, t.ID, credit.Reward.Get(v))
					}
					r[i] += w * o
				}
			}
			return credit.RunBase("crew", b, v, r)
		},
	})
}
