package ref

import (
	"fmt"

	"github.com/credo-rl/credo/credit"

	"github.com/credo-rl/credo/anchor/verlagent"
	"github.com/credo-rl/credo/rollout"
)

// Bindings of verl-agent (anchor/verlagent). verl-agent stores one row per
// environment step; here each top-level step of a trajectory is such a row:
// its tokens are the step's span, its anchor_obs and per-step environment
// reward (steps[].rewards.reward) come from the step, and its token-level
// rewards are the trajectory's token_level_rewards over the span or, when
// absent, the episode reward placed on the last valid token of every step
// row, as verl-agent's EpisodeRewardManager does. The episode reward is
// rewards.<reward>, or the sum of the step rewards when that is absent. A
// trajectory without steps is a single row. Tokens outside every top-level
// step get advantage 0.

const verlAgentRef = "xlan156/verl-agent@8ca3a467ba4fc21eb4969a2e2b1097323ca09a53 "

var paperGiGPO = credit.Provenance{Paper: "Group-in-Group Policy Optimization for LLM Agent Training", ArXiv: "2505.10978", SpecRow: 12}

// stepRows is the verl-agent view of a batch.
type stepRows struct {
	traj, start, end []int // per row: trajectory index and token span
	rewards, masks   [][]float64
	index, trajIndex []string
	anchor           []string
	stepReward       []float64
}

func buildStepRows(b *rollout.Batch, channel string) (*stepRows, error) {
	s := &stepRows{}
	ms := credit.Masks(b)
	for i, t := range b.Trajectories {
		top := t.TopSteps()
		spans := make([][2]int, 0, len(top))
		for _, k := range top {
			spans = append(spans, [2]int{t.Steps[k].Start, t.Steps[k].End})
		}
		if len(spans) == 0 {
			spans = append(spans, [2]int{0, t.Len()})
		}
		episode, haveEp := t.Rewards[channel]
		if !haveEp {
			for _, k := range top {
				episode += t.Steps[k].Rewards["reward"]
			}
		}
		for j, sp := range spans {
			var row []float64
			if t.TokenRewards != nil {
				row = t.TokenRewards[sp[0]:sp[1]]
			} else {
				row = make([]float64, sp[1]-sp[0])
				last := -1
				for p := sp[1] - 1; p >= sp[0]; p-- {
					if ms[i][p] != 0 {
						last = p
						break
					}
				}
				if last < 0 {
					return nil, fmt.Errorf("trajectory %q: step row %d has no token with a non-zero mask to carry the episode reward", t.ID, j)
				}
				row[last-sp[0]] = episode
			}
			s.traj = append(s.traj, i)
			s.start = append(s.start, sp[0])
			s.end = append(s.end, sp[1])
			s.rewards = append(s.rewards, row)
			s.masks = append(s.masks, ms[i][sp[0]:sp[1]])
			s.index = append(s.index, t.Group)
			s.trajIndex = append(s.trajIndex, t.ID)
			if len(top) > 0 {
				st := t.Steps[top[j]]
				s.anchor = append(s.anchor, string(st.State))
				s.stepReward = append(s.stepReward, st.Rewards["reward"])
			} else {
				s.anchor = append(s.anchor, "")
				s.stepReward = append(s.stepReward, 0)
			}
		}
	}
	return s, nil
}

// scatter writes per-row advantages back to the trajectories; returns ==
// advantages for every verl-agent estimator.
func (s *stepRows) scatter(b *rollout.Batch, adv [][]float64) {
	for _, t := range b.Trajectories {
		t.Advantages = make([]float64, t.Len())
	}
	for r, a := range adv {
		copy(b.Trajectories[s.traj[r]].Advantages[s.start[r]:s.end[r]], a)
	}
	for _, t := range b.Trajectories {
		t.Returns = append([]float64(nil), t.Advantages...)
	}
}

var (
	pCrossSteps = credit.BoolParam{Param: credit.Param{Name: "compute_mean_std_cross_steps", Kind: credit.Bool, Default: true, Doc: "every step row enters the group statistics (false: one entry per trajectory)", Origin: credit.FromReference("xlan156/verl-agent gigpo/core_gigpo.py::compute_gigpo_outcome_advantage (compute_mean_std_cross_steps=True)")}}
	inEpisode   = credit.Input{Name: "rewards.<reward>|steps[].rewards.reward|token_level_rewards", Doc: "episode reward, or per-step rewards to sum, or token-level rewards",
		Has: func(t *rollout.Trajectory, v credit.Values) bool {
			if t.TokenRewards != nil {
				return true
			}
			if _, ok := t.Rewards[credit.Reward.Get(v)]; ok {
				return true
			}
			for _, k := range t.TopSteps() {
				if _, ok := t.Steps[k].Rewards["reward"]; ok {
					return true
				}
			}
			return false
		}}
)

func stepRowRun(f func(s *stepRows, v credit.Values) ([][]float64, error)) func(*rollout.Batch, credit.Values) error {
	return func(b *rollout.Batch, v credit.Values) error {
		s, err := buildStepRows(b, credit.Reward.Get(v))
		if err != nil {
			return err
		}
		adv, err := f(s, v)
		if err != nil {
			return err
		}
		s.scatter(b, adv)
		return nil
	}
}

// Parameters of verl_agent.gigpo.
var (
	pGiGPOStepAdvantageW   = credit.FloatParam{Param: credit.Param{Name: "step_advantage_w", Kind: credit.Float, Default: 1.0, Doc: "ω, weight of the step advantage", Origin: credit.FromReference("examples/gigpo_trainer/run_alfworld.sh (step_advantage_w=1.0); paper Eq. 8 ω")}}
	pGiGPOMode             = credit.StringParam{Param: credit.Param{Name: "mode", Kind: credit.String, Default: "mean_norm", Choices: []string{"mean_norm", "mean_std_norm"}, Doc: "normalisation of both parts", Origin: credit.FromReference("xlan156/verl-agent gigpo/core_gigpo.py::compute_gigpo_outcome_advantage (mode=\"mean_norm\"; the ALFWorld script passes mean_std_norm)")}}
	pGiGPOEnableSimilarity = credit.BoolParam{Param: credit.Param{Name: "enable_similarity", Kind: credit.Bool, Default: false, Doc: "group anchor states by difflib similarity instead of equality", Origin: credit.FromReference("xlan156/verl-agent gigpo/core_gigpo.py::compute_gigpo_outcome_advantage (enable_similarity=False)")}}
	pGiGPOSimilarityThresh = credit.FloatParam{Param: credit.Param{Name: "similarity_thresh", Kind: credit.Float, Default: 0.95, Doc: "similarity threshold", Origin: credit.FromReference("xlan156/verl-agent gigpo/core_gigpo.py::compute_gigpo_outcome_advantage (similarity_thresh=0.95)"), Range: credit.Unit}}
)

func init() {
	credit.Register(&credit.Method{
		Name:       "verl_agent.grpo",
		Summary:    "verl-agent's multi-turn GRPO over step rows",
		Params:     credit.Params(pEpsilon, pNormStd, pCrossSteps, credit.Reward),
		Inputs:     []credit.Input{credit.InGroup, inEpisode},
		Reads:      credit.ReadsMask | credit.ReadsTokenRewards,
		Outputs:    []string{"advantages", "returns"},
		Scope:      credit.ScopeGroup,
		Provenance: prov(paperGRPO, verlAgentRef+"verl/trainer/ppo/core_algos.py::compute_grpo_outcome_advantage"),
		Notes:      "with compute_mean_std_cross_steps (the upstream default) long trajectories weigh more in the group statistics",
		Run: stepRowRun(func(s *stepRows, v credit.Values) ([][]float64, error) {
			return verlagent.GRPO(s.rewards, s.masks, s.index, s.trajIndex, verlagent.GRPOOptions{
				Epsilon: pEpsilon.Get(v), NormByStd: pNormStd.Get(v), CrossSteps: pCrossSteps.Get(v)})
		}),
	})
	credit.Register(&credit.Method{
		Name:       "verl_agent.rloo",
		Summary:    "verl-agent's multi-turn RLOO over step rows",
		Params:     credit.Params(pCrossSteps, credit.Reward),
		Inputs:     []credit.Input{credit.InGroup, inEpisode},
		Reads:      credit.ReadsMask | credit.ReadsTokenRewards,
		Outputs:    []string{"advantages", "returns"},
		Scope:      credit.ScopeGroup,
		Provenance: prov(paperRLOO, verlAgentRef+"verl/trainer/ppo/core_algos.py::compute_rloo_outcome_advantage"),
		Run: stepRowRun(func(s *stepRows, v credit.Values) ([][]float64, error) {
			return verlagent.RLOO(s.rewards, s.masks, s.index, s.trajIndex, verlagent.RLOOOptions{CrossSteps: pCrossSteps.Get(v)})
		}),
	})
	credit.Register(&credit.Method{
		Name:       "verl_agent.reinforce_plus_plus_baseline",
		Summary:    "verl-agent's REINFORCE++-baseline over step rows, whitened over the batch's tokens",
		Params:     credit.Params(pCrossSteps, credit.Reward),
		Inputs:     []credit.Input{credit.InGroup, inEpisode},
		Reads:      credit.ReadsMask | credit.ReadsTokenRewards,
		Outputs:    []string{"advantages", "returns"},
		Scope:      credit.ScopeBatch,
		Provenance: prov(paperRFPP, verlAgentRef+"verl/trainer/ppo/core_algos.py::compute_reinforce_plus_plus_baseline_outcome_advantage"),
		Run: stepRowRun(func(s *stepRows, v credit.Values) ([][]float64, error) {
			o := verlagent.DefaultReinforcePlusPlusBaselineOptions()
			o.CrossSteps = pCrossSteps.Get(v)
			return verlagent.ReinforcePlusPlusBaseline(s.rewards, s.masks, s.index, s.trajIndex, o)
		}),
		Sums: newRFPPBAgentSums, // verlagent_sums.go
	})
	credit.Register(&credit.Method{
		Name:    "verl_agent.gigpo",
		Summary: "GiGPO: episode advantage + ω · step advantage over identical anchor states within a group",
		Params: credit.Params(pEpsilon.From(credit.FromReference("xlan156/verl-agent gigpo/core_gigpo.py::compute_gigpo_outcome_advantage (epsilon=1e-6)")), pGamma.From(credit.ByCredo("1 (undiscounted) unless set: the ALFWorld script uses 0.95; verl's algorithm.gamma default is 1.0")),
			pGiGPOStepAdvantageW,
			pGiGPOMode,
			pGiGPOEnableSimilarity,
			pGiGPOSimilarityThresh,
			pCrossSteps, credit.Reward),
		Inputs: []credit.Input{credit.InGroup, inEpisode,
			{Name: "steps[].anchor_obs", Doc: "environment state key of every step", Has: func(t *rollout.Trajectory, _ credit.Values) bool {
				top := t.TopSteps()
				if len(top) == 0 {
					return false
				}
				for _, k := range top {
					if t.Steps[k].State == "" {
						return false
					}
				}
				return true
			}}},
		Reads:      credit.ReadsMask | credit.ReadsTokenRewards,
		Outputs:    []string{"advantages", "returns"},
		Scope:      credit.ScopeGroup,
		Provenance: prov(paperGiGPO, verlAgentRef+"gigpo/core_gigpo.py::compute_step_discounted_returns+compute_gigpo_outcome_advantage"),
		Notes:      "step returns R_t = r_t + γ R_{t+1} per trajectory; a singleton anchor group gets step advantage 0",
		Run: stepRowRun(func(s *stepRows, v credit.Values) ([][]float64, error) {
			ret, err := verlagent.StepDiscountedReturns(s.stepReward, s.trajIndex, pGamma.Get(v))
			if err != nil {
				return nil, err
			}
			o := verlagent.DefaultGiGPOOptions()
			o.Epsilon = pEpsilon.Get(v)
			o.StepAdvantageW = pGiGPOStepAdvantageW.Get(v)
			if pGiGPOMode.Get(v) == "mean_std_norm" {
				o.Mode = verlagent.MeanStdNorm
			} else {
				o.Mode = verlagent.MeanNorm
			}
			o.EnableSimilarity = pGiGPOEnableSimilarity.Get(v)
			o.SimilarityThresh = pGiGPOSimilarityThresh.Get(v)
			o.CrossSteps = pCrossSteps.Get(v)
			return verlagent.GiGPO(s.rewards, ret, s.masks, s.anchor, s.index, s.trajIndex, o)
		}),
	})
}
