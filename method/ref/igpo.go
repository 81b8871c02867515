package ref

import (
	"fmt"
	"math"
	"strings"

	"github.com/credo-rl/credo/credit"

	"github.com/credo-rl/credo/anchor/igpo"
	"github.com/credo-rl/credo/rollout"
)

// Binding of IGPO's turn-level advantage (anchor/igpo). The token-level
// rewards are token_level_rewards when given; otherwise they are built from
// the turns (top-level steps): each turn's information-gain reward
// steps[].rewards.ig on its last valid token, and the outcome (F1) reward
// rewards.<reward> on the final-reward position, which is sum(mask)-1 in the
// faithful profile (IGPO's quirk) and the last valid token in the corrected
// one. An ig reward that lands on the final-reward position is overwritten
// by the outcome, as in IGPO where the last turn carries F1.
//
// With ig_source=beliefs the information-gain rewards are computed, not
// given: the belief in the ground-truth answer after each turn is read from
// steps[].values.belief (a probability) or steps[].values.answer_logprob
// (the mean log-prob of the answer tokens, belief = exp of it), the belief
// before the first turn from features.belief0 (or features.answer_logprob0),
// and turn t < T gets b_t − b_{t−1} (igpo.InformationGain).

const igpoRef = "GuoqingWang1/IGPO verl/trainer/ppo/core_algos.py::compute_grpo_outcome_advantage"

// Parameters of the IGPO methods.
var (
	pIGPOInfoGainNormMode   = credit.StringParam{Param: credit.Param{Name: "info_gain_norm_mode", Kind: credit.String, Default: "joint", Choices: []string{"joint", "separate"}, Doc: "normalise F1 and IG rewards together or apart", Origin: credit.FromReference("GuoqingWang1/IGPO verl/trainer/ppo/core_algos.py::compute_grpo_outcome_advantage (info_gain_norm_mode=\"joint\")")}}
	pIGPOCurriculumF1Weight = credit.FloatParam{Param: credit.Param{Name: "curriculum_f1_weight", Kind: credit.Float, Default: 1.0, Doc: "scale of the F1 reward", Origin: credit.FromReference("GuoqingWang1/IGPO verl/trainer/ppo/core_algos.py::compute_grpo_outcome_advantage (curriculum weights 1.0)")}}
	pIGPOCurriculumIgWeight = credit.FloatParam{Param: credit.Param{Name: "curriculum_ig_weight", Kind: credit.Float, Default: 1.0, Doc: "scale of the IG rewards", Origin: credit.FromReference("GuoqingWang1/IGPO verl/trainer/ppo/core_algos.py::compute_grpo_outcome_advantage (curriculum weights 1.0)")}}
	pIGPOIgSource           = credit.StringParam{Param: credit.Param{Name: "ig_source", Kind: credit.String, Default: "rewards", Choices: []string{"rewards", "beliefs"}, Doc: "IG rewards given as steps[].rewards.ig, or computed from per-turn beliefs in the ground truth", Origin: credit.ByCredo("the IG rewards are given (the trainer computes them with its policy); beliefs derives them from per-turn answer probabilities")}}
)

func init() {
	for _, corrected := range []bool{false, true} {
		name, summary, notes := "igpo.grpo_turn_level", "IGPO: information-gain turn rewards and F1, group-normalised, discounted over turns",
			"DEFECT kept: the F1 reward sits at position sum(response_mask)-1, not at the last valid token; igpo.grpo_turn_level.corrected fixes it"
		if corrected {
			name, summary, notes = name+".corrected", "IGPO with the F1 reward on the last valid token", "corrected profile of igpo.grpo_turn_level"
		}
		credit.Register(&credit.Method{
			Name:    name,
			Summary: summary,
			Params: credit.Params(pEpsilon.From(credit.FromReference(igpoRef+" (epsilon=1e-6)")), pNormStd.From(credit.FromReference(igpoRef+" (norm_adv_by_std_in_grpo=True)")), pGamma.From(credit.FromReference(igpoRef+" (gamma=1.0)")),
				pIGPOInfoGainNormMode,
				pIGPOCurriculumF1Weight,
				pIGPOCurriculumIgWeight,
				pIGPOIgSource,
				credit.Reward),
			Inputs: []credit.Input{credit.InGroup, credit.InTokenRewards, {Name: "steps[].values.belief|answer_logprob + features.belief0|answer_logprob0 (ig_source=beliefs)",
				Doc: "belief in the ground-truth answer after each turn and before the first",
				Has: func(t *rollout.Trajectory, v credit.Values) bool {
					if pIGPOIgSource.Get(v) != "beliefs" || t.TokenRewards != nil {
						return true
					}
					if _, err := beliefs(t); err != nil {
						return false
					}
					return true
				}}},
			Reads:      credit.ReadsMask | credit.ReadsTokenRewards,
			Outputs:    []string{"advantages", "returns"},
			Scope:      credit.ScopeGroup,
			Provenance: credit.Provenance{Paper: "Information Gain-based Policy Optimization: A Simple and Effective Approach for Multi-Turn LLM Agents", ArXiv: "2510.14967", SpecRow: 50, Reference: "GuoqingWang1/IGPO@49a8c4ec025316a686fb639478a418abc472171c verl/trainer/ppo/core_algos.py::compute_grpo_outcome_advantage"},
			Notes:      notes,
			Run:        runIGPO(corrected),
		})
	}
}

func runIGPO(corrected bool) func(*rollout.Batch, credit.Values) error {
	return func(b *rollout.Batch, v credit.Values) error {
		ms := credit.Masks(b)
		rows := make([][]float64, len(b.Trajectories))
		for i, t := range b.Trajectories {
			if t.TokenRewards != nil {
				rows[i] = t.TokenRewards
				continue
			}
			row := make([]float64, t.Len())
			top := t.TopSteps()
			ig := make([]float64, len(top))
			if pIGPOIgSource.Get(v) == "beliefs" {
				b, err := beliefs(t)
				if err != nil {
					return err
				}
				gains, err := igpo.InformationGain(b[0], b[1:])
				if err != nil {
					return fmt.Errorf("trajectory %q: %w", t.ID, err)
				}
				copy(ig, gains)
			} else {
				for j, k := range top {
					ig[j] = t.Steps[k].Rewards["ig"]
				}
			}
			for j, k := range top {
				s := t.Steps[k]
				for p := s.End - 1; p >= s.Start; p-- {
					if ms[i][p] != 0 {
						row[p] += ig[j]
						break
					}
				}
			}
			if f := igpo.FinalRewardPosition(ms[i], corrected); f >= 0 {
				row[f] = t.Rewards[credit.Reward.Get(v)]
			}
			rows[i] = row
		}
		o := igpo.DefaultOptions()
		o.Epsilon = pEpsilon.Get(v)
		o.NormByStd = pNormStd.Get(v)
		o.Gamma = pGamma.Get(v)
		if pIGPOInfoGainNormMode.Get(v) == "separate" {
			o.Mode = igpo.Separate
		}
		o.CurriculumF1Weight = pIGPOCurriculumF1Weight.Get(v)
		o.CurriculumIGWeight = pIGPOCurriculumIgWeight.Get(v)
		o.Corrected = corrected
		adv, err := igpo.GRPOTurnLevel(rows, ms, credit.GroupIDs(b), o)
		if err != nil {
			return err
		}
		credit.Store(b, adv, adv)
		return nil
	}
}

// beliefs returns b_0 (before the first turn) and the belief after each
// top-level step.
func beliefs(t *rollout.Trajectory) ([]float64, error) {
	read := func(m map[string]float64, what string) (float64, error) {
		if b, ok := m["belief"]; ok {
			return b, nil
		}
		if lp, ok := m["answer_logprob"]; ok {
			return math.Exp(lp), nil
		}
		return 0, fmt.Errorf("trajectory %q: %s has neither belief nor answer_logprob", t.ID, what)
	}
	f := map[string]float64{}
	for _, k := range []string{"belief0", "answer_logprob0"} {
		if x, ok := t.Features[k].(float64); ok {
			f[strings.TrimSuffix(k, "0")] = x
		}
	}
	b0, err := read(f, "features")
	if err != nil {
		return nil, err
	}
	out := []float64{b0}
	for j, k := range t.TopSteps() {
		b, err := read(t.Steps[k].Values, fmt.Sprintf("turn %d (steps[].values)", j))
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}
