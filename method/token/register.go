package token

import (
	"encoding/json"
	"fmt"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Bindings of the token-level methods to the credit registry.

var (
	paperHICRA   = credit.Provenance{Paper: "Emergent Hierarchical Reasoning in LLMs through Reinforcement Learning", ArXiv: "2509.03646", SpecRow: 10, Reference: "formula as in trl examples/scripts/hicra_training.py (third-party; official code not inspected)"}
	paperAttn    = credit.Provenance{Paper: "Attention Illuminates LLM Reasoning: The Preplan-and-Anchor Rhythm Enables Fine-Grained Policy Optimization", ArXiv: "2510.13554", SpecRow: 6}
	paperMARLHF  = credit.Provenance{Paper: "MA-RLHF: Reinforcement Learning from Human Feedback with Macro Actions", ArXiv: "2410.02743", SpecRow: 17, Reference: "ernie-research/MA-RLHF@04b6f73c6dd54d6a78917dd28145577305aa75bb applications/DeepSpeed-Chat/dschat/rlhf/ppo_trainer.py::DeepSpeedPPOTrainer.train_rlhf"}
	paperR2Q     = credit.Provenance{Paper: "From r to Q*: Your Language Model is Secretly a Q-Function", ArXiv: "2404.12358", SpecRow: 22}
	paperTREG    = credit.Provenance{Paper: "T-REG: Preference Optimization with Token-Level Reward Regularization", ArXiv: "2412.02685", SpecRow: 18}
	paperOREO    = credit.Provenance{Paper: "Offline Reinforcement Learning for LLM Multi-Step Reasoning (OREO)", ArXiv: "2412.16145", SpecRow: 52}
	paperCAPO    = credit.Provenance{Paper: "CAPO: Towards Enhancing LLM Reasoning through Verifiable Generative Credit Assignment", ArXiv: "2508.02298", SpecRow: 9}
	pBase        = credit.BaseParam("verl.grpo", "method computing the base advantages, run first")
	pBaseParams  = credit.BaseParamsParam()
	pBeta        = credit.Param{Name: "beta", Kind: credit.Float, Default: DefaultBeta, Doc: "KL coefficient β of the implicit reward β·log(π/π_ref)", Origin: credit.NotInPaper("0.1 is the DPO-typical scale of β·log(π/π_ref)"), Range: credit.NonNeg}
	pPolicy      = credit.Param{Name: "policy", Kind: credit.String, Default: "auto", Doc: "policy log-probs: auto (log_probs.policy if present, else old_log_probs), old_log_probs, or a log_probs key", Origin: credit.ByCredo("the policy's own log-probs when given, else the behaviour policy's")}
	advOut       = []string{"advantages", "returns"}
	stageOutputs = []string{"advantages", "returns (the base method's)"}
)

// policyLogProbs resolves the "policy" parameter on one trajectory.
func policyLogProbs(t *rollout.Trajectory, name string) []float64 {
	switch name {
	case "auto":
		if lp, ok := t.LogProbs["policy"]; ok {
			return lp
		}
		return t.OldLogProbs
	case "old_log_probs":
		return t.OldLogProbs
	}
	return t.LogProbs[name]
}

// refLogProbs is ref_log_prob, or log_probs.ref when that is absent.
func refLogProbs(t *rollout.Trajectory) []float64 {
	if t.RefLogProbs != nil {
		return t.RefLogProbs
	}
	return t.LogProbs["ref"]
}

var (
	inPolicy = credit.Input{Name: "log_probs.policy|old_log_probs (per policy)", Doc: "the policy's log-probs per token",
		Has: func(t *rollout.Trajectory, v credit.Values) bool { return policyLogProbs(t, v.String("policy")) != nil }}
	inRef = credit.Input{Name: "ref_log_prob|log_probs.ref", Doc: "the reference policy's log-probs per token",
		Has: func(t *rollout.Trajectory, _ credit.Values) bool { return refLogProbs(t) != nil }}
)

func scoreInput(key, doc string, need func(credit.Values) bool) credit.Input {
	return credit.Input{Name: "token_scores." + key, Doc: doc, Has: func(t *rollout.Trajectory, v credit.Values) bool {
		if !need(v) {
			return true
		}
		_, ok := t.Scores[key]
		return ok
	}}
}

// runBase runs the base method of a stage on b: its defaults, the stage's
// reward channel where the base has one, then base_params.
func runBase(stage string, b *rollout.Batch, v credit.Values) error {
	m, bv, err := credit.BaseValues(stage, v, credit.Values{"reward": v.String("reward")})
	if err != nil {
		return err
	}
	name := m.Name
	if err := m.Assign(b, bv); err != nil {
		return err
	}
	for i, t := range b.Trajectories {
		if len(t.Advantages) != t.Len() {
			return fmt.Errorf("base %s wrote %d advantages for trajectory %d (traj_uid %q) of %d tokens", name, len(t.Advantages), i, t.ID, t.Len())
		}
	}
	return nil
}

func advantagesOf(b *rollout.Batch) [][]float64 {
	out := make([][]float64, len(b.Trajectories))
	for i, t := range b.Trajectories {
		out[i] = t.Advantages
	}
	return out
}

// rows collects one per-token array per trajectory; it fails when an
// array is missing or has the wrong length.
func rows(b *rollout.Batch, field string, get func(*rollout.Trajectory) []float64) ([][]float64, error) {
	out := make([][]float64, len(b.Trajectories))
	for i, t := range b.Trajectories {
		x := get(t)
		if x == nil {
			return nil, fmt.Errorf("trajectory %d (traj_uid %q): no %s", i, t.ID, field)
		}
		if len(x) != t.Len() {
			return nil, fmt.Errorf("trajectory %d (traj_uid %q): %s has %d values, want %d (one per token)", i, t.ID, field, len(x), t.Len())
		}
		out[i] = x
	}
	return out, nil
}

func storeAdvantages(b *rollout.Batch, adv [][]float64) {
	for i, t := range b.Trajectories {
		t.Advantages = adv[i]
	}
}

func init() {
	credit.Register(&credit.Method{
		Name:    "hicra",
		Summary: "HICRA: A + α·|A| on planning tokens (strategic n-grams), over a base method's advantages",
		Params: []credit.Param{pBase, pBaseParams,
			{Name: "alpha", Kind: credit.Float, Default: DefaultHICRAAlpha, Doc: "amplification α (0 = the base advantages)", Origin: credit.FromReference("huggingface/trl examples/scripts/hicra_training.py (--hicra_alpha 0.2; third-party)"), Range: credit.NonNeg},
			{Name: "tag", Kind: credit.String, Default: "planning", Doc: "token tag marking planning tokens", Origin: credit.Channel},
			{Name: "strategic_grams", Kind: credit.String, Default: "", Doc: "JSON list of token-id n-grams, e.g. [[12,7,9],[4,4,31]]; when set, planning tokens are tagged from it instead of token_tags.<tag>", Origin: credit.ByCredo("empty: planning tokens come tagged with the data (the paper's curated Strategic Grams are not public)")},
			credit.RewardParam},
		Inputs: []credit.Input{{Name: "token_tags.<tag> (unless strategic_grams)", Doc: "0/1 planning-token tags", Has: func(t *rollout.Trajectory, v credit.Values) bool {
			if v.String("strategic_grams") != "" {
				return true
			}
			_, ok := t.Tags[v.String("tag")]
			return ok
		}}, {Name: "inputs of the base method", Doc: "checked when the base runs"}},
		Outputs:    stageOutputs,
		Scope:      credit.ScopeGroup,
		ScopeOf:    credit.StageScope,
		Provenance: paperHICRA,
		Notes:      "stage: runs base (default verl.grpo, with base_params) and rescales its advantages in place; reads token_tags.<tag> or tags responses from strategic_grams; returns are left as the base wrote them; the scope is the base's (group for verl.grpo); a stateful base starts from fresh state",
		Run:        runHICRA,
	})
	credit.Register(&credit.Method{
		Name:    "preplan_anchor",
		Summary: "attention-guided credit: amplify advantages on preplan (WAAD) and anchor (FAI) tokens, over a base method",
		Params: []credit.Param{pBase, pBaseParams,
			{Name: "strategy", Kind: credit.String, Default: StrategyCoupled, Choices: []string{StrategyPreplan, StrategyAnchor, StrategyCoupled}, Doc: "tokens amplified: preplan, anchor, or anchors with their preplan token", Origin: credit.NotInPaper("the paper's third strategy, the anchor with its preplan token (coupling), which uses both metrics")},
			{Name: "scale", Kind: credit.Float, Default: 1.5, Doc: "amplification factor of a selected token's advantage (1 = identity)", Origin: credit.NotInPaper("1.5 amplifies a selected token by half; the paper's factors are not given"), Range: credit.NonNeg},
			{Name: "preplan_ratio", Kind: credit.Float, Default: 0.1, Doc: "fraction of policy tokens selected as preplan tokens", Origin: credit.NotInPaper("the top 10% of tokens by WAAD; the paper's top-k ratios are not given"), Range: credit.Unit},
			{Name: "anchor_ratio", Kind: credit.Float, Default: 0.1, Doc: "fraction of policy tokens selected as anchor tokens", Origin: credit.NotInPaper("the top 10% of tokens by FAI; the paper's top-k ratios are not given"), Range: credit.Unit},
			{Name: "window", Kind: credit.Int, Default: 1, Doc: "coupled: tokens before an anchor searched for its preplan token", Origin: credit.NotInPaper("the preplan token of an anchor is searched in the token just before it"), Range: credit.AtLeast(0)},
			{Name: "preplan_rule", Kind: credit.String, Default: PreplanTop, Choices: []string{PreplanTop, PreplanRise}, Doc: "rank preplan tokens by WAAD or by its rise", Origin: credit.NotInPaper("rank by WAAD itself; its rise is the alternative reading of \"peaks\"")},
			credit.RewardParam},
		Inputs: []credit.Input{
			scoreInput("waad", "windowed average attention distance per token", func(v credit.Values) bool { return v.String("strategy") != StrategyAnchor }),
			scoreInput("fai", "future attention influence per token", func(v credit.Values) bool { return v.String("strategy") != StrategyPreplan }),
			{Name: "inputs of the base method", Doc: "checked when the base runs"}},
		Outputs: stageOutputs,
		Scope:   credit.ScopeGroup,
		ScopeOf: credit.StageScope,
		Inferred: []credit.Inferred{
			{What: "coupling: each anchor (top FAI) and its preplan token, the highest-WAAD policy token in [anchor − window, anchor], are amplified", Origin: credit.NotInPaper("the paper names the coupling without a rule")},
			{What: "amplification A·scale (scale 1.5) on selected tokens; top 10% by WAAD and by FAI", Origin: credit.NotInPaper("factors and ratios are not given")},
		},
		Provenance: paperAttn,
		Notes:      "stage: runs base and multiplies its advantages by scale on the selected tokens; reads token_scores.waad and token_scores.fai; selection rules, scale and ratios are credo's choices (paper's NOT FOUND); returns are the base's",
		Run:        runPreplanAnchor,
	})
	credit.Register(&credit.Method{
		Name:    "ma_rlhf",
		Summary: "MA-RLHF: GAE over macro actions (fixed n-gram, given spans, or perplexity), broadcast to their tokens",
		Params: []credit.Param{
			{Name: "termination", Kind: credit.String, Default: "fixed", Choices: []string{"fixed", "parsing", "ppl"}, Doc: "macro rule: fixed n-gram, the trajectory's steps, or perplexity", Origin: credit.FromPaper("experiments: the fixed n-gram rule is the main setting (recalled)")},
			{Name: "ngram", Kind: credit.Int, Default: 5, Doc: "policy tokens per macro (fixed)", Origin: credit.FromPaper("experiments: n = 5 (recalled)"), Range: credit.AtLeast(1)},
			{Name: "step_kind", Kind: credit.String, Default: "", Doc: "parsing: use the steps of this kind (empty: the top-level steps)", Origin: credit.ByCredo("empty: the top-level steps are the parsed macros")},
			{Name: "ppl_source", Kind: credit.String, Default: "old_log_probs", Choices: []string{"old_log_probs", "ref_log_prob"}, Doc: "ppl: log-probs whose perplexity splits macros (the reference uses the reference model's)", Origin: credit.ByCredo("the behaviour policy's log-probs, which every rollout has (the reference uses the reference model's: ppl_source=ref_log_prob)")},
			{Name: "ppl_split_after", Kind: credit.Bool, Default: false, Doc: "ppl: end the macro at the token before a perplexity rise (the reference starts the next macro one token earlier)", Origin: credit.FromReference("ernie-research/MA-RLHF applications/DeepSpeed-Chat/dschat/rlhf/ppo_trainer.py::DeepSpeedPPOTrainer.train_rlhf (a new macro starts at the token before a perplexity rise)")},
			{Name: "value_function", Kind: credit.String, Default: AggEqual, Choices: []string{AggEqual, AggUnit, AggPosition}, Doc: "macro value from token values: mean, last, or 1/(k+1)-weighted", Origin: credit.FromReference("ernie-research/MA-RLHF training scripts (value_function equal)")},
			{Name: "reward_agg", Kind: credit.String, Default: AggSum, Choices: []string{AggSum, AggEqual, AggUnit, AggPosition}, Doc: "macro reward from token rewards (the reference uses value_function)", Origin: credit.ByCredo("a macro's rewards are summed so no reward is lost (the reference averages with the value rule)")},
			{Name: "isolate_last", Kind: credit.Bool, Default: false, Doc: "make the last policy token a macro of its own, as the reference does", Origin: credit.ByCredo("no extra final macro (the reference always closes one; isolate_last=true reproduces it)")},
			{Name: "gamma", Kind: credit.Float, Default: 1.0, Doc: "discount per macro step", Origin: credit.FromReference("ernie-research/MA-RLHF applications/DeepSpeed-Chat/dschat/rlhf/ppo_trainer.py::DeepSpeedPPOTrainer (gamma 1.0)"), Range: credit.Unit},
			{Name: "lam", Kind: credit.Float, Default: 0.95, Doc: "GAE lambda", Origin: credit.FromReference("ernie-research/MA-RLHF applications/DeepSpeed-Chat/dschat/rlhf/ppo_trainer.py::DeepSpeedPPOTrainer (lam 0.95)"), Range: credit.Unit},
			{Name: "kl_coef", Kind: credit.Float, Default: 0.0, Doc: "KL penalty −kl_coef·(old_log_probs − ref_log_prob) added to token rewards (reference 0.05)", Origin: credit.ByCredo("KL shaping off unless asked for (the reference uses 0.05)"), Range: credit.NonNeg},
			credit.RewardParam},
		Inputs: []credit.Input{credit.InTokenRewards, credit.InValues,
			{Name: "steps (termination parsing)", Doc: "macro spans as steps", Has: func(t *rollout.Trajectory, v credit.Values) bool {
				return v.String("termination") != "parsing" || len(macroSteps(t, v.String("step_kind"))) > 0
			}},
			{Name: "old_log_probs|ref_log_prob (termination ppl, per ppl_source)", Doc: "log-probs for the perplexity rule", Has: func(t *rollout.Trajectory, v credit.Values) bool {
				return v.String("termination") != "ppl" || pplLogProbs(t, v.String("ppl_source")) != nil
			}},
			credit.InKLLogProbs},
		Outputs:    advOut,
		Scope:      credit.ScopeGroup,
		Provenance: paperMARLHF,
		Notes:      "reads values, token_level_rewards (or rewards.<reward> on the last valid token), steps (parsing), old_log_probs/ref_log_prob (ppl, KL); macros without policy tokens are skipped; masked tokens get 0; no whitening; the reference's randomized n-gram rule is not offered (it samples)",
		Run:        runMARLHF,
	})
	credit.Register(&credit.Method{
		Name:       "r2q",
		Summary:    "From r to Q*: implicit token reward β·(log π − log π_ref) as advantage; returns = implicit return-to-go",
		Params:     []credit.Param{pBeta, pPolicy},
		Inputs:     []credit.Input{inPolicy, inRef},
		Outputs:    advOut,
		Scope:      credit.ScopeGroup,
		Provenance: paperR2Q,
		Notes:      "reads log_probs.policy or old_log_probs (per policy) and ref_log_prob (or log_probs.ref); masked tokens get 0",
		Run:        runR2Q,
	})
	credit.Register(&credit.Method{
		Name:    "treg",
		Summary: "T-REG: implicit token reward re-weighted by contrastive-prompting token weights",
		Params: []credit.Param{pBeta, pPolicy,
			{Name: "temperature", Kind: credit.Float, Default: DefaultTREGTemperature, Doc: "softmax temperature of the token weights", Origin: credit.NotInPaper("τ = 1 keeps the softmax of the contrast unscaled; T-REG's token-weight form is not given"), Range: credit.Positive}},
		Inputs: []credit.Input{inPolicy, inRef,
			{Name: "log_probs.contrast_pos", Doc: "log-probs of the response under the 'make it better' prompt", Has: func(t *rollout.Trajectory, _ credit.Values) bool { _, ok := t.LogProbs["contrast_pos"]; return ok }},
			{Name: "log_probs.contrast_neg", Doc: "log-probs of the response under the 'make it worse' prompt", Has: func(t *rollout.Trajectory, _ credit.Values) bool { _, ok := t.LogProbs["contrast_neg"]; return ok }},
			{Name: "features.preference (optional)", Doc: `"rejected" flips the contrast of a rejected response`}},
		Outputs: advOut,
		Scope:   credit.ScopeGroup,
		Inferred: []credit.Inferred{
			{What: "token weights w = n·softmax(σ(±(log p_pos − log p_neg))/τ), τ = 1", Origin: credit.NotInPaper("T-REG's token-reward form is not given")},
		},
		Provenance: paperTREG,
		Notes:      "reads log_probs.contrast_pos/contrast_neg, the policy and reference log-probs and features.preference; weights = n·softmax(σ(±(pos − neg))/τ) over policy tokens (credo's reconstruction; exact form NOT FOUND)",
		Run:        runTREG,
	})
	credit.Register(&credit.Method{
		Name:    "oreo",
		Summary: "OREO: soft-Bellman token advantages r + V' − V − β·log(π/π_ref) from a value function",
		Params: []credit.Param{pBeta, pPolicy,
			{Name: "mode", Kind: credit.String, Default: OREOSoft, Choices: []string{OREOSoft, OREOTD}, Doc: "soft-Bellman residual, or the plain TD advantage r + V' − V", Origin: credit.FromPaper("method: the soft Bellman consistency of the policy loss")},
			credit.RewardParam},
		Inputs:     []credit.Input{credit.InTokenRewards, credit.InValues, inPolicy, inRef},
		Outputs:    advOut,
		Scope:      credit.ScopeGroup,
		Provenance: paperOREO,
		Notes:      "reads values, token_level_rewards (or rewards.<reward> on the last valid token), policy and reference log-probs; returns are the soft return-to-go Σ(r − β·log ratio), OREO's value target; masked tokens are skipped and get 0",
		Run:        runOREO,
	})
	credit.Register(&credit.Method{
		Name:    "capo",
		Summary: "CAPO: outcome reward on every token minus voted wrong-step penalties from m critiques, normalised per group",
		Params: []credit.Param{
			{Name: "w_whole", Kind: credit.Float, Default: 2.0, Doc: "weight of the outcome reward", Origin: credit.FromPaper("method: W_whole = 2 (recalled, not verified)"), Range: credit.NonNeg},
			{Name: "w_process", Kind: credit.Float, Default: 1.0, Doc: "weight of the wrong-step penalty", Origin: credit.FromPaper("method: W_process = 1 (recalled, not verified)"), Range: credit.NonNeg},
			{Name: "voting", Kind: credit.String, Default: VoteMajority, Choices: []string{VoteMajority, VoteIntersection, VoteUnion, VoteAtLeast, VoteAverage}, Doc: "how m critiques decide a step is wrong", Origin: credit.NotInPaper("majority is one of the two best rules the catalogue recalls (intersection, majority)")},
			{Name: "min_votes", Kind: credit.Int, Default: 1, Doc: "at_least: votes needed", Origin: credit.ByCredo("at_least with one vote is the union"), Range: credit.AtLeast(1)},
			{Name: "critiques", Kind: credit.Int, Default: 0, Doc: "m for the count layout (steps[].labels.wrong_votes); 0 = features.n_critiques", Origin: credit.ByCredo("0: m is read from features.n_critiques"), Range: credit.AtLeast(0)},
			{Name: "norm", Kind: credit.String, Default: CAPONormToken, Choices: []string{CAPONormToken, CAPONormOutcome, CAPONormNone}, Doc: "advantage normalisation", Origin: credit.NotInPaper("token-level z-score over the group's policy tokens, GRPO-style as the paper describes it")},
			{Name: "epsilon", Kind: credit.Float, Default: 1e-6, Doc: "added to the standard deviation", Origin: credit.FromReference("volcengine/verl verl/trainer/ppo/core_algos.py::compute_grpo_outcome_advantage (epsilon=1e-6)"), Range: credit.NonNeg},
			credit.RewardParam},
		Inputs: []credit.Input{credit.InGroup, credit.InOutcome,
			{Name: "steps[].labels.wrong_vote_<k>|wrong_votes", Doc: "per-step critique votes: 0/1 per critique k = 0..m-1, or a count with m from critiques/features.n_critiques", Has: func(t *rollout.Trajectory, v credit.Values) bool {
				top := t.TopSteps()
				for _, k := range top {
					_, a := t.Steps[k].Labels["wrong_vote_0"]
					_, c := t.Steps[k].Labels["wrong_votes"]
					if !a && !c {
						return false
					}
				}
				return len(top) > 0
			}}},
		Outputs: advOut,
		Scope:   credit.ScopeGroup,
		Inferred: []credit.Inferred{
			{What: "token reward W_whole·R − W_process·penalty, W_whole = 2, W_process = 1", Origin: credit.ByCredo("the catalogue's recalled weights (not verified)")},
			{What: "a step is wrong when a majority of the m critiques vote it wrong", Origin: credit.NotInPaper("the best voting rule is recalled as intersection or majority")},
		},
		Provenance: paperCAPO,
		Notes:      "reads rewards.<reward> (or the sum of token_level_rewards), the top-level steps and their labels; returns are the token rewards W_whole·R − W_process·penalty; W values and the voting default are NOT FOUND in the paper (recall: 2/1, intersection or majority)",
		Run:        runCAPO,
	})
}

func runHICRA(b *rollout.Batch, v credit.Values) error {
	var tagger *PlanningTagger
	if s := v.String("strategic_grams"); s != "" {
		var grams [][]int64
		if err := json.Unmarshal([]byte(s), &grams); err != nil {
			return fmt.Errorf("strategic_grams: want a JSON list of token-id lists, e.g. [[12,7,9]]: %v", err)
		}
		tagger = NewPlanningTagger(grams)
	}
	if err := runBase("hicra", b, v); err != nil {
		return err
	}
	tags := make([][]int8, len(b.Trajectories))
	for i, t := range b.Trajectories {
		if tagger != nil {
			tags[i] = tagger.Tag(t.Tokens)
			continue
		}
		tags[i] = t.Tags[v.String("tag")]
		if len(tags[i]) != t.Len() {
			return fmt.Errorf("trajectory %d (traj_uid %q): token_tags.%s has %d values, want %d", i, t.ID, v.String("tag"), len(tags[i]), t.Len())
		}
	}
	adv, err := HICRA(advantagesOf(b), tags, v.Float("alpha"))
	if err != nil {
		return err
	}
	storeAdvantages(b, adv)
	return nil
}

func runPreplanAnchor(b *rollout.Batch, v credit.Values) error {
	opt := PreplanAnchorOptions{Strategy: v.String("strategy"), Scale: v.Float("scale"),
		PreplanRatio: v.Float("preplan_ratio"), AnchorRatio: v.Float("anchor_ratio"),
		Window: v.Int("window"), PreplanRule: v.String("preplan_rule")}
	if err := opt.check("preplan_anchor"); err != nil {
		return err
	}
	var waad, fai [][]float64
	var err error
	if opt.needWAAD() {
		if waad, err = rows(b, "token_scores.waad", func(t *rollout.Trajectory) []float64 { return t.Scores["waad"] }); err != nil {
			return err
		}
	}
	if opt.needFAI() {
		if fai, err = rows(b, "token_scores.fai", func(t *rollout.Trajectory) []float64 { return t.Scores["fai"] }); err != nil {
			return err
		}
	}
	w, err := PreplanAnchorWeights(waad, fai, credit.Masks(b), opt)
	if err != nil {
		return err
	}
	if err := runBase("preplan_anchor", b, v); err != nil {
		return err
	}
	adv, err := ApplyWeights(advantagesOf(b), w)
	if err != nil {
		return err
	}
	storeAdvantages(b, adv)
	return nil
}

// macroSteps returns the spans of the steps used as parse-based macros:
// the steps of the given kind, or the top-level steps when kind is empty.
func macroSteps(t *rollout.Trajectory, kind string) []Span {
	var out []Span
	for _, s := range t.Steps {
		if (kind == "" && s.Parent == nil) || (kind != "" && s.Kind == kind) {
			out = append(out, Span{Start: s.Start, End: s.End})
		}
	}
	return out
}

func pplLogProbs(t *rollout.Trajectory, source string) []float64 {
	if source == "ref_log_prob" {
		return t.RefLogProbs
	}
	return t.OldLogProbs
}

func runMARLHF(b *rollout.Batch, v credit.Values) error {
	r, err := credit.TokenRewards(b, v.String("reward"))
	if err != nil {
		return err
	}
	masks := credit.Masks(b)
	if kl := v.Float("kl_coef"); kl != 0 {
		shaped := make([][]float64, len(r))
		for i, t := range b.Trajectories {
			if len(t.OldLogProbs) != t.Len() || len(t.RefLogProbs) != t.Len() {
				return fmt.Errorf("trajectory %d (traj_uid %q): kl_coef needs old_log_probs and ref_log_prob with one value per token", i, t.ID)
			}
			shaped[i] = make([]float64, len(r[i]))
			for k, x := range r[i] {
				shaped[i][k] = x - kl*(t.OldLogProbs[k]-t.RefLogProbs[k])
			}
		}
		r = shaped
	}
	macros := make([][]Span, len(b.Trajectories))
	for i, t := range b.Trajectories {
		var spans []Span
		switch v.String("termination") {
		case "fixed":
			spans, err = FixedNGramMacros(masks[i], v.Int("ngram"), t.Len())
		case "parsing":
			spans, err = SpanMacros(macroSteps(t, v.String("step_kind")), t.Len())
		case "ppl":
			lp := pplLogProbs(t, v.String("ppl_source"))
			if len(lp) != t.Len() {
				return fmt.Errorf("trajectory %d (traj_uid %q): %s has %d values, want %d", i, t.ID, v.String("ppl_source"), len(lp), t.Len())
			}
			spans, err = PerplexityMacros(lp, masks[i], v.Bool("ppl_split_after"))
		default:
			err = fmt.Errorf("termination %q, want fixed, parsing or ppl", v.String("termination"))
		}
		if err != nil {
			return fmt.Errorf("trajectory %d (traj_uid %q): %w", i, t.ID, err)
		}
		if v.Bool("isolate_last") {
			spans = IsolateLast(spans, masks[i], t.Len())
		}
		macros[i] = spans
	}
	opt := MacroGAEOptions{Gamma: v.Float("gamma"), Lambda: v.Float("lam"), ValueAgg: v.String("value_function"), RewardAgg: v.String("reward_agg")}
	adv, ret, err := MacroGAE(r, credit.TokenValues(b), masks, macros, opt)
	if err != nil {
		return err
	}
	credit.Store(b, adv, ret)
	return nil
}

func logProbRows(b *rollout.Batch, v credit.Values) (lp, ref [][]float64, err error) {
	if lp, err = rows(b, "policy log-probs ("+v.String("policy")+")", func(t *rollout.Trajectory) []float64 { return policyLogProbs(t, v.String("policy")) }); err != nil {
		return nil, nil, err
	}
	if ref, err = rows(b, "ref_log_prob", refLogProbs); err != nil {
		return nil, nil, err
	}
	return lp, ref, nil
}

func runR2Q(b *rollout.Batch, v credit.Values) error {
	lp, ref, err := logProbRows(b, v)
	if err != nil {
		return err
	}
	adv, ret, err := ImplicitReward(lp, ref, credit.Masks(b), v.Float("beta"))
	if err != nil {
		return err
	}
	credit.Store(b, adv, ret)
	return nil
}

func runTREG(b *rollout.Batch, v credit.Values) error {
	lp, ref, err := logProbRows(b, v)
	if err != nil {
		return err
	}
	pos, err := rows(b, "log_probs.contrast_pos", func(t *rollout.Trajectory) []float64 { return t.LogProbs["contrast_pos"] })
	if err != nil {
		return err
	}
	neg, err := rows(b, "log_probs.contrast_neg", func(t *rollout.Trajectory) []float64 { return t.LogProbs["contrast_neg"] })
	if err != nil {
		return err
	}
	rejected := make([]bool, len(b.Trajectories))
	for i, t := range b.Trajectories {
		switch p := t.Features["preference"]; p {
		case nil, "chosen":
		case "rejected":
			rejected[i] = true
		default:
			return fmt.Errorf("trajectory %d (traj_uid %q): features.preference = %v, want \"chosen\" or \"rejected\"", i, t.ID, p)
		}
	}
	adv, ret, err := TREG(lp, ref, pos, neg, credit.Masks(b), rejected, v.Float("beta"), v.Float("temperature"))
	if err != nil {
		return err
	}
	credit.Store(b, adv, ret)
	return nil
}

func runOREO(b *rollout.Batch, v credit.Values) error {
	r, err := credit.TokenRewards(b, v.String("reward"))
	if err != nil {
		return err
	}
	lp, ref, err := logProbRows(b, v)
	if err != nil {
		return err
	}
	vals, err := rows(b, "values", func(t *rollout.Trajectory) []float64 { return t.Values })
	if err != nil {
		return err
	}
	adv, ret, err := OREO(r, vals, lp, ref, credit.Masks(b), v.Float("beta"), v.String("mode"))
	if err != nil {
		return err
	}
	credit.Store(b, adv, ret)
	return nil
}

// capoSteps reads the critique votes of a trajectory's top-level steps.
// Layouts: labels wrong_vote_0 … wrong_vote_{m−1} (0/1 each; m is the
// number of such keys, which must be consecutive from 0 and the same on
// every step), or labels.wrong_votes (a count) with m from the critiques
// parameter or features.n_critiques.
func capoSteps(t *rollout.Trajectory, v credit.Values) ([]StepVotes, error) {
	top := t.TopSteps()
	out := make([]StepVotes, 0, len(top))
	m := -1
	for _, k := range top {
		s := t.Steps[k]
		sv := StepVotes{Start: s.Start, End: s.End}
		if c, ok := s.Labels["wrong_votes"]; ok {
			n := v.Int("critiques")
			if n == 0 {
				f, ok := featureCount(t.Features["n_critiques"])
				if !ok {
					return nil, fmt.Errorf("steps[%d].labels.wrong_votes needs m: set critiques or features.n_critiques", k)
				}
				n = f
			}
			if c != float64(int(c)) {
				return nil, fmt.Errorf("steps[%d].labels.wrong_votes = %v, want a count", k, c)
			}
			sv.Votes, sv.Critiques = int(c), n
		} else {
			n := 0
			for {
				x, ok := s.Labels[fmt.Sprintf("wrong_vote_%d", n)]
				if !ok {
					break
				}
				if x != 0 && x != 1 {
					return nil, fmt.Errorf("steps[%d].labels.wrong_vote_%d = %v, want 0 or 1", k, n, x)
				}
				sv.Votes += int(x)
				n++
			}
			if n == 0 {
				return nil, fmt.Errorf("steps[%d] has neither labels.wrong_vote_0… nor labels.wrong_votes", k)
			}
			if m >= 0 && n != m {
				return nil, fmt.Errorf("steps[%d] has %d wrong_vote_<k> labels, an earlier step has %d", k, n, m)
			}
			m = n
			sv.Critiques = n
		}
		out = append(out, sv)
	}
	return out, nil
}

// featureCount reads a whole-number feature (JSON number).
func featureCount(x any) (int, bool) {
	var f float64
	switch v := x.(type) {
	case float64:
		f = v
	case int:
		return v, true
	case json.Number:
		var err error
		if f, err = v.Float64(); err != nil {
			return 0, false
		}
	default:
		return 0, false
	}
	if f != float64(int(f)) {
		return 0, false
	}
	return int(f), true
}

func runCAPO(b *rollout.Batch, v credit.Values) error {
	opt := CAPOOptions{WWhole: v.Float("w_whole"), WProcess: v.Float("w_process"), Voting: v.String("voting"),
		MinVotes: v.Int("min_votes"), Norm: v.String("norm"), Epsilon: v.Float("epsilon")}
	outcome := make([]float64, len(b.Trajectories))
	penalty := make([][]float64, len(b.Trajectories))
	for i, t := range b.Trajectories {
		r, ok := credit.Outcome(t, v.String("reward"))
		if !ok {
			return fmt.Errorf("trajectory %d (traj_uid %q): no rewards.%s and no token_level_rewards", i, t.ID, v.String("reward"))
		}
		outcome[i] = r
		steps, err := capoSteps(t, v)
		if err != nil {
			return fmt.Errorf("trajectory %d (traj_uid %q): %w", i, t.ID, err)
		}
		if penalty[i], err = StepPenalties(t.Len(), steps, opt); err != nil {
			return fmt.Errorf("trajectory %d (traj_uid %q): %w", i, t.ID, err)
		}
	}
	adv, rew, err := CAPO(outcome, penalty, credit.Masks(b), credit.GroupIDs(b), opt)
	if err != nil {
		return err
	}
	credit.Store(b, adv, rew)
	return nil
}
