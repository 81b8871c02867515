package group

// The registry binding of trl.grpo, beside its estimator.

import (
	"fmt"
	"math"
	"strings"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Parameters of trl.grpo.
var (
	pTrlGrpoRewardFuncs               = credit.StringParam{Param: credit.Param{Name: "reward_funcs", Kind: credit.String, Default: "outcome", Doc: "comma-separated reward channels, TRL's reward functions (a missing channel is TRL's None)", Origin: credit.Channel}}
	pTrlGrpoRewardWeights             = credit.StringParam{Param: credit.Param{Name: "reward_weights", Kind: credit.String, Default: "", Doc: "comma-separated weights, one per channel (empty = 1.0 each)", Origin: credit.FromReference("huggingface/trl trl/trainer/grpo_config.py::GRPOConfig.reward_weights (None = 1.0 each)")}}
	pTrlGrpoMultiObjectiveAggregation = credit.StringParam{Param: credit.Param{Name: "multi_objective_aggregation", Kind: credit.String, Default: SumThenNormalize, Choices: []string{SumThenNormalize, NormalizeThenSum}, Doc: "sum then normalise, or normalise each channel in its group then sum (GDPO)", Origin: credit.FromReference("huggingface/trl trl/trainer/grpo_config.py::GRPOConfig (sum_then_normalize)")}}
	pTrlGrpoScaleRewards              = credit.StringParam{Param: credit.Param{Name: "scale_rewards", Kind: credit.String, Default: ScaleGroup, Choices: []string{ScaleGroup, ScaleBatch, ScaleNone}, Doc: "divide by the group std, the batch std or nothing (TRL True = group, False = none)", Origin: credit.FromReference("huggingface/trl trl/trainer/grpo_config.py::GRPOConfig.scale_rewards (\"group\")")}}
	pTrlGrpoEpsilon                   = credit.FloatParam{Param: credit.Param{Name: "epsilon", Kind: credit.Float, Default: 1e-4, Doc: "added to every standard deviation", Origin: credit.FromReference("huggingface/trl trl/trainer/grpo_trainer.py::GRPOTrainer._generate_and_score_completions (std + 1e-4)"), Range: credit.NonNeg}}
	pTrlGrpoAllowUnscorable           = credit.BoolParam{Param: credit.Param{Name: "allow_unscorable", Kind: credit.Bool, Default: false, Doc: "accept trajectories with none of the channels (advantage 0, as TRL); otherwise they are an input error", Origin: credit.ByCredo("a trajectory with none of the channels is more likely a misnamed channel than TRL's None; accept it only when asked")}}
)

func init() {
	trlFuncs := func(v credit.Values) []string { return credit.SplitList(pTrlGrpoRewardFuncs.Get(v)) }
	credit.Register(&credit.Method{
		Name:    "trl.grpo",
		Summary: "TRL GRPO advantage over weighted reward channels: sum_then_normalize / normalize_then_sum, group / batch / none scaling",
		Params: credit.Params(
			pTrlGrpoRewardFuncs,
			pTrlGrpoRewardWeights,
			pTrlGrpoMultiObjectiveAggregation,
			pTrlGrpoScaleRewards,
			pTrlGrpoEpsilon,
			pTrlGrpoAllowUnscorable,
		),
		Inputs: []credit.Input{credit.InGroup, {Name: "rewards.<reward_funcs>", Doc: "at least one of the reward channels",
			Has: func(t *rollout.Trajectory, v credit.Values) bool {
				if pTrlGrpoAllowUnscorable.Get(v) {
					return true
				}
				for _, c := range trlFuncs(v) {
					if _, ok := t.Rewards[c]; ok {
						return true
					}
				}
				return false
			}}},
		Reads:      credit.ReadsMask,
		Outputs:    []string{"advantages"},
		Scope:      credit.ScopeBatch,
		Provenance: credit.Provenance{Paper: "DeepSeekMath: Pushing the Limits of Mathematical Reasoning in Open Language Models", ArXiv: "2402.03300", Reference: "huggingface/trl@f2cd5771 trl/trainer/grpo_trainer.py::GRPOTrainer._generate_and_score_completions"},
		Notes: "nanstd is unbiased and NaN for one value, so singleton groups and unscorable rows get 0 (nan_to_num); batch scaling keeps the group mean; " +
			"normalize_then_sum ends with a batch-wide z-score; groups are uids of any size (TRL: contiguous blocks of num_generations); group-scoped with the defaults",
		Run: func(b *rollout.Batch, v credit.Values) error {
			fs := trlFuncs(v)
			if len(fs) == 0 {
				return fmt.Errorf("parameter reward_funcs is empty: want at least one reward channel")
			}
			var w []float64
			if s := strings.TrimSpace(pTrlGrpoRewardWeights.Get(v)); s != "" {
				var err error
				if w, err = credit.ParseFloats("reward_weights", s); err != nil {
					return err
				}
				if len(w) != len(fs) {
					return fmt.Errorf("parameter reward_weights has %d weights, reward_funcs has %d channels", len(w), len(fs))
				}
			}
			rpf := make([][]float64, len(b.Trajectories))
			for i, t := range b.Trajectories {
				row := make([]float64, len(fs))
				for k, c := range fs {
					if r, ok := t.Rewards[c]; ok {
						row[k] = r
					} else {
						row[k] = math.NaN()
					}
				}
				rpf[i] = row
			}
			a, err := TRLAdvantages(rpf, credit.GroupIDs(b), TRLOptions{Weights: w, Aggregation: pTrlGrpoMultiObjectiveAggregation.Get(v),
				ScaleRewards: pTrlGrpoScaleRewards.Get(v), Epsilon: pTrlGrpoEpsilon.Get(v)})
			if err != nil {
				return err
			}
			adv, err := Broadcast(a, credit.Masks(b))
			if err != nil {
				return err
			}
			credit.Store(b, adv, nil)
			return nil
		},
	})
}
