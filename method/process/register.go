package process

import (
	"fmt"
	"maps"

	"github.com/credo-rl/credo/anchor/pure"
	"github.com/credo-rl/credo/anchor/verl"
	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Registry bindings. Steps are the trajectory's top-level steps (no
// parent), in order; a step's reward is placed on its last token.

// stages are the methods of this package that shape token rewards; they
// cannot be each other's estimator.
var stages = map[string]bool{"pure.min_form": true, "clip_delta": true, "vsrm": true}

func pEstimator() credit.Param {
	p := credit.BaseParam("returns", "turns the shaped token rewards into advantages: returns (undiscounted reverse sum, advantage = return·mask) or a registered method that reads token_level_rewards (with base_params)",
		credit.Deprecated("estimator", "base"))
	p.Origin = credit.ByCredo("the papers sum the shaped rewards into undiscounted returns (PURE's reference, Clip/Delta's REINFORCE-style training); a registered method can be named")
	return p
}

func pOutcomeCoef(def float64, o credit.Origin) credit.Param {
	return credit.Param{Name: "outcome_coef", Kind: credit.Float, Default: def, Origin: o, Doc: "weight of rewards.<reward> added on the last token with a non-zero mask (0 = process reward only)"}
}

func pMaskSeparator(def bool, o credit.Origin) credit.Param {
	return credit.Param{Name: "mask_separator", Kind: credit.Bool, Default: def, Origin: o, Doc: "zero the advantage on each step's last (separator) token, as PURE does"}
}

var pEstimatorParams = credit.BaseParamsParam(credit.Deprecated("estimator_params", "base_params"))

// stageScope: the built-in returns are per trajectory (group scope); a
// registered estimator brings its own scope; batch-wide parameters widen it.
func stageScope(batchWide func(v credit.Values) bool) func(credit.Values) credit.Scope {
	return func(v credit.Values) credit.Scope {
		if batchWide != nil && batchWide(v) {
			return credit.ScopeBatch
		}
		if v.String("base") == "returns" {
			return credit.ScopeGroup
		}
		return credit.StageScope(v)
	}
}

var pWriteTokenRewards = credit.Param{Name: "write_token_rewards", Kind: credit.Bool, Default: false, Origin: credit.ByCredo("the input's token rewards are kept unless asked for"),
	Doc: "also store the shaped rewards as token_level_rewards (replacing the input's)"}

// inStepSignal requires every top-level step to carry a named number.
func inStepSignal(name, doc string, get func(s rollout.Step, v credit.Values) bool) credit.Input {
	return credit.Input{Name: name, Doc: doc, Has: func(t *rollout.Trajectory, v credit.Values) bool {
		top := t.TopSteps()
		if len(top) == 0 {
			return false
		}
		for _, k := range top {
			if !get(t.Steps[k], v) {
				return false
			}
		}
		return true
	}}
}

var inOutcomeIfCoef = credit.Input{Name: "rewards.<reward> (outcome_coef != 0)", Doc: "the outcome reward",
	Has: func(t *rollout.Trajectory, v credit.Values) bool {
		if v.Float("outcome_coef") == 0 {
			return true
		}
		_, ok := t.Rewards[v.String("reward")]
		return ok
	}}

func stepSpans(t *rollout.Trajectory) [][2]int {
	top := t.TopSteps()
	out := make([][2]int, len(top))
	for k, i := range top {
		out[k] = [2]int{t.Steps[i].Start, t.Steps[i].End}
	}
	return out
}

func init() {
	credit.Register(&credit.Method{
		Name:    "pure.min_form",
		Summary: "PURE's min-form credit at any temperature: softmin-weighted PRM step rewards, undiscounted returns (stage)",
		Params: []credit.Param{
			{Name: "temperature", Kind: credit.Float, Default: pure.DefaultTemperature, Doc: "softmin temperature (0 = the exact minimum)", Origin: credit.FromReference("CJReinforce/PURE openrlhf/utils/utils.py::turn_process_reward_logits_to_reward (temperature 0.1)"), Range: credit.NonNeg},
			{Name: "form", Kind: credit.String, Default: string(FormMin), Choices: []string{string(FormMin), string(FormFutureMin), string(FormSum), string(FormMean)},
				Doc: "min: PURE's weights over all steps; future_min: soft minimum of the future steps; sum: plain sum-form; mean: uniform weights", Origin: credit.FromReference("CJReinforce/PURE openrlhf/utils/utils.py::turn_process_reward_logits_to_reward (min-form weights over all steps)")},
			pOutcomeCoef(0, credit.ByCredo("min-form credit alone; pure.credit_assignment adds the verifiable reward")), pMaskSeparator(true, credit.FromReference("CJReinforce/PURE openrlhf/trainer/ppo_utils/experience_maker.py (separator tokens get advantage 0)")), pEstimator(), pEstimatorParams, pWriteTokenRewards, credit.RewardParam,
		},
		Inputs: []credit.Input{
			inStepSignal("steps[].rewards.prm", "PRM score per reasoning step (e.g. p(correct) − p(wrong) in [−1, 1])",
				func(s rollout.Step, _ credit.Values) bool { _, ok := s.Rewards["prm"]; return ok }),
			inOutcomeIfCoef,
		},
		Outputs: []string{"advantages", "returns", "token_level_rewards (write_token_rewards)"},
		Scope:   credit.ScopeGroup,
		ScopeOf: stageScope(nil),
		Provenance: credit.Provenance{Paper: "Stop Summation: Min-Form Credit Assignment Is All Process Reward Model Needs for Reasoning", ArXiv: "2504.15275", SpecRow: 16,
			Reference: "CJReinforce/PURE@41f9363b8cc4af044b7fc5f7f9bbbf62139e9553 openrlhf/utils/utils.py::turn_process_reward_logits_to_reward"},
		Notes: "reads steps[].rewards.prm, response_mask, rewards.<reward> when outcome_coef != 0; no group baseline and no normalisation " +
			"(pure.credit_assignment is the full reference pipeline); scope is the estimator's",
		Run: runStage(func(t *rollout.Trajectory, v credit.Values) ([]float64, error) {
			r := stepReward(t, "prm")
			return MinForm(r, v.Float("temperature"), Form(v.String("form")))
		}),
	})
	credit.Register(&credit.Method{
		Name:    "clip_delta",
		Summary: "Clip / Delta refinement of PRM step rewards (bounded cumulative reward), plus the success reward (stage)",
		Params: []credit.Param{
			{Name: "refinement", Kind: credit.String, Default: string(RefineClipDelta), Choices: []string{string(RefineClip), string(RefineDelta), string(RefineClipDelta), string(RefineNone)}, Doc: "clip: min(r − eta, 0); delta: r_k − r_{k+1}; clip_delta: both", Origin: credit.ByCredo("Clip then Delta (Clip-Delta): both bound the cumulative reward; the paper gives no default refinement")},
			{Name: "eta", Kind: credit.Float, Default: 0.0, Optional: true, Doc: "Clip threshold η; unset: the batch's mean PRM step score (eta_mode=auto)",
				Origin: credit.NotInPaper("η is a per-PRM threshold with no value in the paper; unset, η is the batch's mean PRM step score (the catalogue recalls the mean PRM score) because a fixed η = 0 zeroes every score of a PRM in [0, 1] (issue 8, defect 3)")},
			{Name: "eta_mode", Kind: credit.String, Default: "auto", Choices: []string{"auto", "fixed", "batch_mean"}, Doc: "auto: eta when set, else the batch mean; fixed: eta (required); batch_mean: the mean PRM step score of the batch",
				Origin: credit.ByCredo("auto: a given eta is used, otherwise the batch mean, which cannot null the signal of a [0, 1] PRM")},
			pOutcomeCoef(1, credit.FromPaper("method: the success reward is added at the end")), pMaskSeparator(false, credit.ByCredo("no separator masking: the paper trains every token")), pEstimator(), pEstimatorParams, pWriteTokenRewards, credit.RewardParam,
		},
		Inputs: []credit.Input{
			inStepSignal("steps[].rewards.prm", "PRM score per reasoning step",
				func(s rollout.Step, _ credit.Values) bool { _, ok := s.Rewards["prm"]; return ok }),
			inOutcomeIfCoef,
		},
		Outputs: []string{"advantages", "returns", "token_level_rewards (write_token_rewards)"},
		Scope:   credit.ScopeGroup,
		ScopeOf: stageScope(clipDeltaBatchMean),
		Inferred: []credit.Inferred{
			{What: "η = the batch's mean PRM step score unless eta is set", Origin: credit.NotInPaper("η has no value in the paper; a fixed η = 0 zeroes every score of a [0, 1] PRM")},
		},
		Provenance: credit.Provenance{Paper: "On Designing Effective RL Reward at Training Time for LLM Reasoning", ArXiv: "2410.15115", SpecRow: 35},
		Notes: "reads steps[].rewards.prm, rewards.<reward>, response_mask; no reference code: η is the batch's mean PRM step score by default " +
			"(a fixed η = 0 would zero every score of a PRM in [0, 1]); eta_mode=fixed uses eta; the clip_delta default is credo's choice",
		Run: runClipDelta,
	})
	credit.Register(&credit.Method{
		Name:    "vsrm",
		Summary: "VSRM: step reward = change in the accuracy of intermediate states, with a decayed look-ahead over idle steps (stage)",
		Params: []credit.Param{
			{Name: "lookahead_window", Kind: credit.Int, Default: 0, Doc: "later steps the look-ahead inspects (0 = unbounded)", Origin: credit.NotInPaper("the look-ahead reaches the next non-zero difference however far it is (the paper's idea; no window is given)"), Range: credit.AtLeast(0)},
			{Name: "decay", Kind: credit.Float, Default: 0.7, Doc: "decay per step of a borrowed difference", Origin: credit.NotInPaper("0.7 per step makes a borrowed difference fade within a few idle steps; the paper gives no value"), Range: credit.Unit},
			{Name: "value_key", Kind: credit.String, Default: "mc", Doc: "step value channel with the accuracy after the step", Origin: credit.Channel},
			{Name: "init_feature", Kind: credit.String, Default: "mc_init", Doc: "feature with the accuracy before the first step (absent: d_0 = 0)", Origin: credit.Channel},
			pOutcomeCoef(1, credit.FromPaper("abstract: step rewards are added to the outcome reward")), pMaskSeparator(false, credit.ByCredo("no separator masking: the paper trains every token")), pEstimator(), pEstimatorParams, pWriteTokenRewards, credit.RewardParam,
		},
		Inputs: []credit.Input{
			inStepSignal("steps[].values.<value_key>", "accuracy of forced answers after each step (MC probes)",
				func(s rollout.Step, v credit.Values) bool { _, ok := s.Values[v.String("value_key")]; return ok }),
			inOutcomeIfCoef,
		},
		Outputs: []string{"advantages", "returns", "token_level_rewards (write_token_rewards)"},
		Scope:   credit.ScopeGroup,
		ScopeOf: stageScope(nil),
		Inferred: []credit.Inferred{
			{What: "look-ahead: an idle step borrows the next non-zero accuracy difference, unbounded window", Origin: credit.NotInPaper("the paper describes a look-ahead without a window")},
			{What: "decay 0.7 per step of a borrowed difference", Origin: credit.NotInPaper("no decay value is given")},
		},
		Provenance: credit.Provenance{Paper: "Promoting Efficient Reasoning with Verifiable Stepwise Reward", ArXiv: "2508.10293", SpecRow: 39},
		Notes:      "reads steps[].values.mc, features.mc_init, rewards.<reward>, response_mask; no reference code: window and decay are credo's choices",
		Run: runStage(func(t *rollout.Trajectory, v credit.Values) ([]float64, error) {
			acc := stepValue(t, v.String("value_key"))
			init, ok := credit.NumericFeature(t, v.String("init_feature"))
			return VSRMStepRewards(acc, init, ok, VSRMOptions{Window: v.Int("lookahead_window"), Decay: v.Float("decay")})
		}),
	})
	credit.Register(&credit.Method{
		Name:    "tp_grpo",
		Summary: "TP-GRPO: GRPO advantage scaled per thought (merged steps of equal correctness) by a capability-adaptive weight",
		Params: []credit.Param{
			{Name: "epsilon", Kind: credit.Float, Default: 1e-6, Doc: "added to the group standard deviation", Origin: credit.FromReference("volcengine/verl verl/trainer/ppo/core_algos.py::compute_grpo_outcome_advantage (epsilon=1e-6), the GRPO part"), Range: credit.NonNeg},
			{Name: "norm_adv_by_std_in_grpo", Kind: credit.Bool, Default: true, Doc: "divide by the group std (false = Dr.GRPO)", Origin: credit.FromReference("volcengine/verl verl/trainer/ppo/core_algos.py::compute_grpo_outcome_advantage (norm_adv_by_std_in_grpo=True)")},
			{Name: "alpha", Kind: credit.Float, Default: 0.5, Doc: "strength of the thought weighting in [0, 1] (0 = GRPO)", Origin: credit.NotInPaper("0.5 halves the blame or praise of a thought at the most uncertain group accuracy; the paper's capability-adaptive formula is not known"), Range: credit.Unit},
			{Name: "threshold", Kind: credit.Float, Default: 0.5, Doc: "a response is correct when its outcome >= threshold", Aliases: []credit.Alias{credit.Deprecated("correct_threshold", "threshold")}, Origin: credit.ByCredo("0/1 or ±1 outcomes: correct when outcome >= threshold, the convention for outcome correctness across credo (docs/methods.md)")},
			{Name: "label_key", Kind: credit.String, Default: "correct", Doc: "step label: >= 0.5 = correct step (judge verdict)", Origin: credit.Channel},
			credit.RewardParam,
		},
		Inputs: []credit.Input{credit.InGroup, credit.InOutcome,
			{Name: "steps[].labels.<label_key>", Doc: "judge verdict per top-level step", Has: func(t *rollout.Trajectory, v credit.Values) bool {
				for _, k := range t.TopSteps() {
					if _, ok := t.Steps[k].Labels[v.String("label_key")]; !ok {
						return false
					}
				}
				return true
			}},
		},
		Outputs: []string{"advantages", "returns"},
		Scope:   credit.ScopeGroup,
		Inferred: []credit.Inferred{
			{What: "thought weight 1 − α·p on wrong thoughts of correct responses, 1 − α·(1 − p) on correct thoughts of wrong ones (p = group accuracy, α = 0.5)", Origin: credit.NotInPaper("the paper's capability-adaptive formula is not given; the weight never flips a token's sign, as the paper requires")},
		},
		Provenance: credit.Provenance{Paper: "Good Learners Think Their Thinking: Generative PRM Makes Large Reasoning Model More Efficient Math Learner", ArXiv: "2507.23317", SpecRow: 15},
		Notes: "reads rewards.<reward>, uid, steps[].labels.correct, response_mask; thoughts follow the paper, the weight " +
			"(1 − α·p on wrong thoughts of correct responses, 1 − α·(1 − p) on correct thoughts of wrong ones, p = group accuracy) is credo's reconstruction; returns == advantages",
		Run: runTPGRPO,
	})
	credit.Register(&credit.Method{
		Name:    "omegaprm.labels",
		Summary: "OmegaPRM step labels from MC values: binary search for the first error (writes step labels, not advantages)",
		Params: []credit.Param{
			{Name: "search", Kind: credit.String, Default: "binary", Choices: []string{"binary", "linear"}, Doc: "OmegaPRM's binary search over the values, or a linear scan", Origin: credit.FromPaper("method: binary search for the first error")},
			{Name: "threshold", Kind: credit.Float, Default: 0.0, Doc: "a prefix is correct when its MC value is above it", Origin: credit.FromPaper("method: a step is correct when MC(s) > 0")},
			{Name: "soft", Kind: credit.Bool, Default: false, Doc: "label = the MC value instead of 1/0", Origin: credit.FromPaper("method: hard labels (soft MC labels are the alternative)")},
			{Name: "label_after_error", Kind: credit.Bool, Default: false, Doc: "also label the steps after the first error (0)", Origin: credit.ByCredo("the binary search only knows the steps up to the first error; later steps stay unlabelled")},
			{Name: "value_key", Kind: credit.String, Default: "mc", Doc: "step value channel with the MC estimate after the step", Origin: credit.Channel},
			{Name: "label_key", Kind: credit.String, Default: "prm", Doc: "step label written", Origin: credit.Channel},
		},
		Inputs: []credit.Input{inStepSignal("steps[].values.<value_key>", "MC estimate of the prefix ending with the step",
			func(s rollout.Step, v credit.Values) bool { _, ok := s.Values[v.String("value_key")]; return ok })},
		Outputs:    []string{"steps[].labels.<label_key>"},
		Scope:      credit.ScopeGroup,
		Provenance: credit.Provenance{Paper: "Improve Mathematical Reasoning in Language Models by Automated Process Supervision", ArXiv: "2406.06592", SpecRow: 75},
		Notes:      "reads steps[].values.mc; writes labels only (advantages untouched); steps after the first error stay unlabelled by default",
		Run:        runOmegaLabels,
	})
	credit.Register(&credit.Method{
		Name:    "groundedprm.labels",
		Summary: "GroundedPRM-style hybrid step labels from tool verdicts and MC values (writes step labels, not advantages)",
		Params: []credit.Param{
			{Name: "fusion", Kind: credit.String, Default: string(FuseWeighted), Choices: []string{string(FuseWeighted), string(FuseAnd), string(FuseToolFirst)}, Doc: "how the verdict and the MC value combine", Origin: credit.NotInPaper("the fusion formula is not given; a weighted vote of the tool verdict and the MC value")},
			{Name: "tool_weight", Kind: credit.Float, Default: 0.5, Doc: "weight of the verdict (weighted)", Origin: credit.NotInPaper("equal weight to the tool verdict and the MC value"), Range: credit.Unit},
			{Name: "threshold", Kind: credit.Float, Default: 0.5, Doc: "decision threshold of the weighted score", Origin: credit.NotInPaper("the midpoint of the [0, 1] score")},
			{Name: "mc_threshold", Kind: credit.Float, Default: 0.0, Doc: "MC values above it count as correct (and, tool_first)", Origin: credit.ByCredo("MC > 0 counts as correct, as OmegaPRM's labels (arXiv:2406.06592)")},
			{Name: "soft", Kind: credit.Bool, Default: false, Doc: "weighted: write the score instead of 1/0", Origin: credit.ByCredo("hard 1/0 labels unless asked for")},
			{Name: "value_key", Kind: credit.String, Default: "mc", Doc: "step value channel with the MC/MCTS value", Origin: credit.Channel},
			{Name: "tool_key", Kind: credit.String, Default: "tool", Doc: "step label with the tool verdict (1 correct, 0 wrong; absent = not checkable)", Origin: credit.Channel},
			{Name: "label_key", Kind: credit.String, Default: "prm", Doc: "step label written", Origin: credit.Channel},
		},
		Inputs: []credit.Input{inStepSignal("steps[].values.<value_key>", "MC/MCTS value of the step",
			func(s rollout.Step, v credit.Values) bool { _, ok := s.Values[v.String("value_key")]; return ok })},
		Outputs: []string{"steps[].labels.<label_key>"},
		Scope:   credit.ScopeGroup,
		Inferred: []credit.Inferred{
			{What: "weighted fusion: score = w·verdict + (1 − w)·MC (MC alone without a verdict), correct when score ≥ 0.5, w = 0.5", Origin: credit.NotInPaper("the paper's fusion formula is not given")},
			{What: "and fusion: verdict correct (or absent) and MC > 0; tool_first: the verdict when present, else MC > 0", Origin: credit.ByCredo("the two other readings of a hybrid label")},
		},
		Provenance: credit.Provenance{Paper: "GroundedPRM: Tree-Guided and Fidelity-Aware Process Reward Modeling for Step-Level Reasoning", ArXiv: "2510.14942", SpecRow: 31},
		Notes:      "reads steps[].values.mc and steps[].labels.tool; the paper's fusion formula is unknown, the fusions are credo's; writes labels only",
		Run:        runGroundedLabels,
	})
}

func stepReward(t *rollout.Trajectory, key string) []float64 {
	top := t.TopSteps()
	out := make([]float64, len(top))
	for k, i := range top {
		out[k] = t.Steps[i].Rewards[key]
	}
	return out
}

func stepValue(t *rollout.Trajectory, key string) []float64 {
	top := t.TopSteps()
	out := make([]float64, len(top))
	for k, i := range top {
		out[k] = t.Steps[i].Values[key]
	}
	return out
}

// runStage builds a stage from a per-trajectory step-reward function:
// step rewards on step-end tokens, outcome_coef × outcome on the last valid
// token, then the estimator.
func runStage(stepRewards func(t *rollout.Trajectory, v credit.Values) ([]float64, error)) func(*rollout.Batch, credit.Values) error {
	return func(b *rollout.Batch, v credit.Values) error {
		shaped := make([][]float64, len(b.Trajectories))
		for i, t := range b.Trajectories {
			r, err := stepRewards(t, v)
			if err != nil {
				return fmt.Errorf("trajectory %d (traj_uid %q): %w", i, t.ID, err)
			}
			if shaped[i], err = tokenRewards(t, r, v); err != nil {
				return fmt.Errorf("trajectory %d (traj_uid %q): %w", i, t.ID, err)
			}
		}
		return estimate(b, v, shaped)
	}
}

func tokenRewards(t *rollout.Trajectory, stepRewards []float64, v credit.Values) ([]float64, error) {
	row, err := PlaceStepRewards(t.Len(), stepSpans(t), stepRewards)
	if err != nil {
		return nil, err
	}
	if c := v.Float("outcome_coef"); c != 0 {
		last := t.LastValid()
		if last < 0 {
			return nil, fmt.Errorf("no token with a non-zero mask to carry the outcome reward")
		}
		row[last] += c * t.Rewards[v.String("reward")]
	}
	return row, nil
}

// estimate turns shaped token rewards into advantages with the estimator,
// then applies the separator mask.
func estimate(b *rollout.Batch, v credit.Values, shaped [][]float64) error {
	est := v.String("base")
	if est == "returns" {
		for i, t := range b.Trajectories {
			ret := Returns(shaped[i])
			adv := make([]float64, len(ret))
			for u, g := range ret {
				adv[u] = g * t.MaskAt(u)
			}
			t.Advantages, t.Returns = adv, ret
		}
	} else {
		if stages[est] {
			return fmt.Errorf("base %q is itself a reward-shaping stage", est)
		}
		m, ev, err := credit.BaseValues("", v, nil)
		if err != nil {
			return err
		}
		cb := &rollout.Batch{Trajectories: make([]*rollout.Trajectory, len(b.Trajectories))}
		for i, t := range b.Trajectories {
			c := *t
			c.TokenRewards = shaped[i]
			c.Advantages, c.Returns = nil, nil
			cb.Trajectories[i] = &c
		}
		if err := m.Assign(cb, ev); err != nil {
			return fmt.Errorf("base %s: %w", est, err)
		}
		for i, t := range b.Trajectories {
			t.Advantages, t.Returns = cb.Trajectories[i].Advantages, cb.Trajectories[i].Returns
		}
	}
	for i, t := range b.Trajectories {
		if v.Bool("mask_separator") && t.Advantages != nil {
			adv := append([]float64(nil), t.Advantages...)
			for _, s := range stepSpans(t) {
				if s[1] > 0 && s[1] <= len(adv) {
					adv[s[1]-1] = 0
				}
			}
			t.Advantages = adv
		}
		if v.Bool("write_token_rewards") {
			t.TokenRewards = shaped[i]
		}
	}
	return nil
}

// clipDeltaBatchMean reports whether clip_delta's η is the batch mean.
func clipDeltaBatchMean(v credit.Values) bool {
	switch v.String("eta_mode") {
	case "batch_mean":
		return true
	case "auto":
		return !v.Has("eta")
	}
	return false
}

func runClipDelta(b *rollout.Batch, v credit.Values) error {
	if v.String("eta_mode") == "fixed" && !v.Has("eta") {
		return fmt.Errorf("eta_mode=fixed needs eta (the Clip threshold η; no default: a fixed η = 0 zeroes every score of a PRM in [0, 1])")
	}
	eta := v.Float("eta")
	if clipDeltaBatchMean(v) {
		s, n := 0.0, 0
		for _, t := range b.Trajectories {
			for _, r := range stepReward(t, "prm") {
				s += r
				n++
			}
		}
		if n > 0 {
			eta = s / float64(n)
		}
	}
	how := Refinement(v.String("refinement"))
	return runStage(func(t *rollout.Trajectory, _ credit.Values) ([]float64, error) {
		return Refine(stepReward(t, "prm"), eta, how)
	})(b, v)
}

func runTPGRPO(b *rollout.Batch, v credit.Values) error {
	n := len(b.Trajectories)
	scores := make([]float64, n)
	spans := make([][][2]int, n)
	labels := make([][]bool, n)
	for i, t := range b.Trajectories {
		s, ok := credit.Outcome(t, v.String("reward"))
		if !ok {
			return fmt.Errorf("trajectory %d (traj_uid %q) has no rewards.%s", i, t.ID, v.String("reward"))
		}
		scores[i] = s
		spans[i] = stepSpans(t)
		for _, k := range t.TopSteps() {
			labels[i] = append(labels[i], t.Steps[k].Labels[v.String("label_key")] >= 0.5)
		}
	}
	adv, err := TPGRPO(scores, spans, labels, credit.Masks(b), credit.GroupIDs(b), TPGRPOOptions{
		GRPO:             verl.GRPOOptions{Epsilon: v.Float("epsilon"), NormByStd: v.Bool("norm_adv_by_std_in_grpo")},
		Alpha:            v.Float("alpha"),
		CorrectThreshold: v.Float("threshold"),
	})
	if err != nil {
		return err
	}
	credit.Store(b, adv, adv)
	return nil
}

// setLabel writes a step label into a fresh copy of the step's label map.
func setLabel(s *rollout.Step, key string, x float64) {
	m := make(map[string]float64, len(s.Labels)+1)
	maps.Copy(m, s.Labels)
	m[key] = x
	s.Labels = m
}

func runOmegaLabels(b *rollout.Batch, v credit.Values) error {
	thr := v.Float("threshold")
	for i, t := range b.Trajectories {
		mc := stepValue(t, v.String("value_key"))
		var first int
		if v.String("search") == "linear" {
			first = LinearFirstError(mc, thr)
		} else {
			var err error
			if first, err = FirstErrorFromValues(mc, thr); err != nil {
				return fmt.Errorf("trajectory %d (traj_uid %q): %w", i, t.ID, err)
			}
		}
		labels, labelled, err := StepLabels(len(mc), first, mc, v.Bool("soft"))
		if err != nil {
			return fmt.Errorf("trajectory %d (traj_uid %q): %w", i, t.ID, err)
		}
		steps := append([]rollout.Step(nil), t.Steps...)
		for k, si := range t.TopSteps() {
			switch {
			case labelled[k]:
				setLabel(&steps[si], v.String("label_key"), labels[k])
			case v.Bool("label_after_error"):
				setLabel(&steps[si], v.String("label_key"), 0)
			}
		}
		t.Steps = steps
	}
	return nil
}

func runGroundedLabels(b *rollout.Batch, v credit.Values) error {
	o := HybridOptions{Mode: Fusion(v.String("fusion")), ToolWeight: v.Float("tool_weight"), Threshold: v.Float("threshold"),
		MCThreshold: v.Float("mc_threshold"), Soft: v.Bool("soft")}
	for i, t := range b.Trajectories {
		steps := append([]rollout.Step(nil), t.Steps...)
		for _, si := range t.TopSteps() {
			s := &steps[si]
			tool, has := s.Labels[v.String("tool_key")]
			l, err := HybridLabel(tool, has, s.Values[v.String("value_key")], o)
			if err != nil {
				return fmt.Errorf("trajectory %d (traj_uid %q) step %d: %w", i, t.ID, si, err)
			}
			setLabel(s, v.String("label_key"), l)
		}
		t.Steps = steps
	}
	return nil
}
