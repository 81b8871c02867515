package ref

import (
	"fmt"
	"math"

	"github.com/credo-rl/credo/credit"

	"github.com/credo-rl/credo/anchor/pure"
	"github.com/credo-rl/credo/rollout"
)

// Binding of PURE's min-form pipeline (anchor/pure).
//
// Steps: the trajectory's top-level steps are PURE's reasoning steps; the
// last token of each step is its step-end (separator or EOS) token. The PRM
// output of a step is read from steps[k].rewards as the two logits
// "prm_logit0"/"prm_logit1" when present, otherwise from "prm" as the process
// reward pr = p(correct) - p(incorrect) in [-1, 1], turned into the logits
// (0, 2·atanh(pr)) whose softmax difference is pr again. rewards.<reward> is
// the verifiable outcome (solved when > 0).

// Parameters of pure.credit_assignment.
var (
	pPURERewardMode                    = credit.StringParam{Param: credit.Param{Name: "reward_mode", Kind: credit.String, Default: "PRMVR", Choices: []string{"PRMVR", "PRM", "VR"}, Doc: "process reward, verifiable reward, or both", Origin: credit.FromReference("CJReinforce/PURE openrlhf/cli/train_ppo_ray.py::--reward_mode (PRMVR: the paper's main PRM+VR run)")}}
	pPURERewardBaseline                = credit.StringParam{Param: credit.Param{Name: "reward_baseline", Kind: credit.String, Default: "step", Choices: []string{"step", "token"}, Doc: "leave-one-out baseline per step or per token", Origin: credit.FromReference("CJReinforce/PURE openrlhf/cli/train_ppo_ray.py::--reward_baseline (step)")}}
	pPURETemperature                   = credit.FloatParam{Param: credit.Param{Name: "temperature", Kind: credit.Float, Default: pure.DefaultTemperature, Doc: "softmin temperature (→0: the minimum step reward)", Origin: credit.FromReference("CJReinforce/PURE openrlhf/utils/utils.py::turn_process_reward_logits_to_reward (temperature 0.1, hard-coded at the call)"), Range: credit.NonNeg}}
	pPUREVerifiableRewardCoef          = credit.FloatParam{Param: credit.Param{Name: "verifiable_reward_coef", Kind: credit.Float, Default: 1.0, Doc: "weight of the verifiable reward", Origin: credit.FromReference("CJReinforce/PURE openrlhf/cli/train_ppo_ray.py::--verifiable_reward_coef (1.0)")}}
	pPUREKLCoef                        = credit.FloatParam{Param: credit.Param{Name: "kl_coef", Kind: credit.Float, Default: 0.0, Doc: "KL penalty coefficient; > 0 needs old_log_probs and ref_log_prob", Origin: credit.ByCredo("KL in the reward off unless asked for (PURE's scripts set --init_kl_coef; credo compares the credit alone)"), Range: credit.NonNeg}}
	pPUREUseKLEstimatorK3              = credit.BoolParam{Param: credit.Param{Name: "use_kl_estimator_k3", Kind: credit.Bool, Default: false, Doc: "k3 instead of k1 KL estimate", Origin: credit.FromReference("CJReinforce/PURE openrlhf/cli/train_ppo_ray.py::--use_kl_estimator_k3 (off)")}}
	pPUREDisableWeightedReward         = credit.BoolParam{Param: credit.Param{Name: "disable_weighted_reward", Kind: credit.Bool, Default: false, Doc: "uniform instead of softmin step weights (sum-form)", Origin: credit.FromReference("CJReinforce/PURE openrlhf/cli/train_ppo_ray.py::--disable_weighted_reward (off: min-form)")}}
	pPURENomaskSeparatorAdv            = credit.BoolParam{Param: credit.Param{Name: "nomask_separator_adv", Kind: credit.Bool, Default: false, Doc: "keep the returns at step-end tokens", Origin: credit.FromReference("CJReinforce/PURE openrlhf/cli/train_ppo_ray.py::--nomask_separator_adv (off: separators get 0)")}}
	pPUREDisableAdvantageNormalization = credit.BoolParam{Param: credit.Param{Name: "disable_advantage_normalization", Kind: credit.Bool, Default: false, Doc: "skip the replay-buffer normalisation", Origin: credit.FromReference("CJReinforce/PURE openrlhf/cli/train_ppo_ray.py::--disable_advantage_normalization (off)")}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "pure.credit_assignment",
		Summary: "PURE min-form credit: softmin-weighted PRM step rewards, leave-one-out baselines, verifiable reward, normalisation",
		Params: credit.Params(
			pPURERewardMode,
			pPURERewardBaseline,
			pPURETemperature,
			pPUREVerifiableRewardCoef,
			pPUREKLCoef,
			pPUREUseKLEstimatorK3,
			pPUREDisableWeightedReward,
			pPURENomaskSeparatorAdv,
			pPUREDisableAdvantageNormalization,
			credit.Reward,
		),
		Inputs: []credit.Input{credit.InGroup,
			{Name: "steps", Doc: "reasoning steps as token spans", Has: func(t *rollout.Trajectory, v credit.Values) bool {
				return pPURERewardMode.Get(v) == "VR" || len(t.TopSteps()) > 0
			}},
			{Name: "steps[].rewards.prm|prm_logit0+prm_logit1", Doc: "PRM output per step", Has: func(t *rollout.Trajectory, v credit.Values) bool {
				if pPURERewardMode.Get(v) == "VR" {
					return true
				}
				for _, k := range t.TopSteps() {
					if _, _, ok := prmLogits(t.Steps[k]); !ok {
						return false
					}
				}
				return true
			}},
			{Name: "rewards.<reward> (VR modes)", Doc: "verifiable outcome, solved when > 0", Has: func(t *rollout.Trajectory, v credit.Values) bool {
				if pPURERewardMode.Get(v) == "PRM" {
					return true
				}
				_, ok := t.Rewards[credit.Reward.Get(v)]
				return ok
			}},
			credit.KLLogProbs(pPUREKLCoef),
		},
		Reads:      credit.ReadsMask,
		Outputs:    []string{"advantages", "returns"},
		Scope:      credit.ScopeBatch,
		Provenance: credit.Provenance{Paper: "Stop Summation: Min-Form Credit Assignment Is All Process Reward Model Needs for Reasoning", ArXiv: "2504.15275", SpecRow: 16, Reference: "CJReinforce/PURE@41f9363b8cc4af044b7fc5f7f9bbbf62139e9553 openrlhf/trainer/ppo_utils/experience_maker.py::NaiveExperienceMaker.process_experiences + replay_buffer.py::NaiveReplayBuffer.normalize"},
		Notes:      "faithful normalisation count (zero-advantage tokens leave the count but not the variance); pure.credit_assignment.corrected uses one consistent token set",
		Run:        runPURE(false),
		Sums:       newPURESums(false), // pure_sums.go
	})
	m, _ := credit.Lookup("pure.credit_assignment")
	c := *m
	c.Name = "pure.credit_assignment.corrected"
	c.Summary = "PURE min-form credit with a consistent mean/variance set in the normalisation"
	c.Notes = "corrected profile: mean and variance over the action tokens with non-zero advantage"
	c.Run = runPURE(true)
	c.Sums = newPURESums(true)
	credit.Register(&c)
}

func prmLogits(s rollout.Step) (l0, l1 float64, ok bool) {
	a, okA := s.Rewards["prm_logit0"]
	b, okB := s.Rewards["prm_logit1"]
	if okA && okB {
		return a, b, true
	}
	pr, ok := s.Rewards["prm"]
	if !ok {
		return 0, 0, false
	}
	const lim = 1 - 1e-15
	pr = math.Max(-lim, math.Min(lim, pr))
	return 0, 2 * math.Atanh(pr), true
}

func runPURE(corrected bool) func(*rollout.Batch, credit.Values) error {
	return func(b *rollout.Batch, v credit.Values) error {
		order, n, err := Blocks(b)
		if err != nil {
			return err
		}
		opt := pure.DefaultOptions(n)
		opt.RewardMode = pure.RewardMode(pPURERewardMode.Get(v))
		opt.RewardBaseline = pure.Baseline(pPURERewardBaseline.Get(v))
		opt.Temperature = pPURETemperature.Get(v)
		opt.VerifiableRewardCoef = pPUREVerifiableRewardCoef.Get(v)
		opt.KLCoef = pPUREKLCoef.Get(v)
		opt.UseKLEstimatorK3 = pPUREUseKLEstimatorK3.Get(v)
		opt.DisableWeightedReward = pPUREDisableWeightedReward.Get(v)
		opt.NoMaskSeparatorAdv = pPURENomaskSeparatorAdv.Get(v)
		opt.DisableAdvantageNormalization = pPUREDisableAdvantageNormalization.Get(v)
		opt.CorrectedNormalization = corrected
		usePRM := opt.RewardMode != pure.ModeVR
		var e pure.Experience
		for _, i := range order {
			t := b.Trajectories[i]
			steps := t.TopSteps()
			L := t.Len()
			m := credit.Masks(&rollout.Batch{Trajectories: []*rollout.Trajectory{t}})[0]
			rm := make([]float64, L)
			logits := make([][2]float64, len(steps))
			sm := make([]float64, len(steps))
			nt := make([]float64, len(steps))
			for k, si := range steps {
				s := t.Steps[si]
				if s.End <= s.Start {
					return fmt.Errorf("trajectory %q: step %d is empty; PURE needs a step-end token per step", t.ID, si)
				}
				rm[s.End-1] = 1
				sm[k] = 1
				nt[k] = float64(s.End - s.Start)
				if usePRM {
					l0, l1, _ := prmLogits(s)
					logits[k] = [2]float64{l0, l1}
				}
			}
			if !usePRM && L > 0 {
				rm[L-1] = 1
			}
			e.Logits = append(e.Logits, logits)
			e.ScoreMask = append(e.ScoreMask, sm)
			e.RewardMask = append(e.RewardMask, rm)
			e.ActionMask = append(e.ActionMask, m)
			e.NumTokensPerStep = append(e.NumTokensPerStep, nt)
			lp, base := t.OldLogProbs, t.RefLogProbs
			if lp == nil || base == nil {
				lp, base = make([]float64, L), make([]float64, L)
			}
			e.LogProbs = append(e.LogProbs, lp)
			e.BaseLogProbs = append(e.BaseLogProbs, base)
			solved := 0.0
			if r, ok := t.Rewards[credit.Reward.Get(v)]; ok && r > 0 {
				solved = 1
			}
			e.Solved = append(e.Solved, solved)
			e.HaveAnswers = append(e.HaveAnswers, true)
		}
		res, err := pure.CreditAssignment([]pure.Experience{e}, opt)
		if err != nil {
			return err
		}
		ex := res.Experiences[0]
		for pos, i := range order {
			t := b.Trajectories[i]
			t.Returns = append([]float64(nil), ex.Returns[pos]...)
			if res.AdvantagesNormalized == nil {
				t.Advantages = append([]float64(nil), ex.Advantages[pos]...)
				continue
			}
			// The replay buffer keeps each sample's first (len - #zero-mask)
			// tokens; the tokens after them get 0, as they carry no loss.
			adv := make([]float64, t.Len())
			copy(adv, res.AdvantagesNormalized[pos])
			t.Advantages = adv
		}
		return nil
	}
}
