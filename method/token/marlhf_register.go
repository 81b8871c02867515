package token

// The registry binding of ma_rlhf, beside its estimator.

import (
	"fmt"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Parameters of ma_rlhf.
var (
	pMaRlhfTermination   = credit.StringParam{Param: credit.Param{Name: "termination", Kind: credit.String, Default: "fixed", Choices: []string{"fixed", "parsing", "ppl"}, Doc: "macro rule: fixed n-gram, the trajectory's steps, or perplexity", Origin: credit.FromPaper("experiments: the fixed n-gram rule is the main setting (recalled)")}}
	pMaRlhfNgram         = credit.IntParam{Param: credit.Param{Name: "ngram", Kind: credit.Int, Default: 5, Doc: "policy tokens per macro (fixed)", Origin: credit.FromPaper("experiments: n = 5 (recalled)"), Range: credit.AtLeast(1)}}
	pMaRlhfStepKind      = credit.StringParam{Param: credit.Param{Name: "step_kind", Kind: credit.String, Default: "", Doc: "parsing: use the steps of this kind (empty: the top-level steps)", Origin: credit.ByCredo("empty: the top-level steps are the parsed macros")}}
	pMaRlhfPplSource     = credit.StringParam{Param: credit.Param{Name: "ppl_source", Kind: credit.String, Default: "old_log_probs", Choices: []string{"old_log_probs", "ref_log_prob"}, Doc: "ppl: log-probs whose perplexity splits macros (the reference uses the reference model's)", Origin: credit.ByCredo("the behaviour policy's log-probs, which every rollout has (the reference uses the reference model's: ppl_source=ref_log_prob)")}}
	pMaRlhfPplSplitAfter = credit.BoolParam{Param: credit.Param{Name: "ppl_split_after", Kind: credit.Bool, Default: false, Doc: "ppl: end the macro at the token before a perplexity rise (the reference starts the next macro one token earlier)", Origin: credit.FromReference("ernie-research/MA-RLHF applications/DeepSpeed-Chat/dschat/rlhf/ppo_trainer.py::DeepSpeedPPOTrainer.train_rlhf (a new macro starts at the token before a perplexity rise)")}}
	pMaRlhfValueFunction = credit.StringParam{Param: credit.Param{Name: "value_function", Kind: credit.String, Default: AggEqual, Choices: []string{AggEqual, AggUnit, AggPosition}, Doc: "macro value from token values: mean, last, or 1/(k+1)-weighted", Origin: credit.FromReference("ernie-research/MA-RLHF training scripts (value_function equal)")}}
	pMaRlhfRewardAgg     = credit.StringParam{Param: credit.Param{Name: "reward_agg", Kind: credit.String, Default: AggSum, Choices: []string{AggSum, AggEqual, AggUnit, AggPosition}, Doc: "macro reward from token rewards (the reference uses value_function)", Origin: credit.ByCredo("a macro's rewards are summed so no reward is lost (the reference averages with the value rule)")}}
	pMaRlhfIsolateLast   = credit.BoolParam{Param: credit.Param{Name: "isolate_last", Kind: credit.Bool, Default: false, Doc: "make the last policy token a macro of its own, as the reference does", Origin: credit.ByCredo("no extra final macro (the reference always closes one; isolate_last=true reproduces it)")}}
	pMaRlhfGamma         = credit.FloatParam{Param: credit.Param{Name: "gamma", Kind: credit.Float, Default: 1.0, Doc: "discount per macro step", Origin: credit.FromReference("ernie-research/MA-RLHF applications/DeepSpeed-Chat/dschat/rlhf/ppo_trainer.py::DeepSpeedPPOTrainer (gamma 1.0)"), Range: credit.Unit}}
	pMaRlhfLam           = credit.FloatParam{Param: credit.Param{Name: "lam", Kind: credit.Float, Default: 0.95, Doc: "GAE lambda", Origin: credit.FromReference("ernie-research/MA-RLHF applications/DeepSpeed-Chat/dschat/rlhf/ppo_trainer.py::DeepSpeedPPOTrainer (lam 0.95)"), Range: credit.Unit}}
	pMaRlhfKlCoef        = credit.FloatParam{Param: credit.Param{Name: "kl_coef", Kind: credit.Float, Default: 0.0, Doc: "KL penalty −kl_coef·(old_log_probs − ref_log_prob) added to token rewards (reference 0.05)", Origin: credit.ByCredo("KL shaping off unless asked for (the reference uses 0.05)"), Range: credit.NonNeg}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "ma_rlhf",
		Summary: "MA-RLHF: GAE over macro actions (fixed n-gram, given spans, or perplexity), broadcast to their tokens",
		Params: credit.Params(
			pMaRlhfTermination,
			pMaRlhfNgram,
			pMaRlhfStepKind,
			pMaRlhfPplSource,
			pMaRlhfPplSplitAfter,
			pMaRlhfValueFunction,
			pMaRlhfRewardAgg,
			pMaRlhfIsolateLast,
			pMaRlhfGamma,
			pMaRlhfLam,
			pMaRlhfKlCoef,
			credit.Reward),
		Inputs: []credit.Input{credit.InTokenRewards, credit.InValues,
			{Name: "steps (termination parsing)", Doc: "macro spans as steps", Has: func(t *rollout.Trajectory, v credit.Values) bool {
				return pMaRlhfTermination.Get(v) != "parsing" || len(macroSteps(t, pMaRlhfStepKind.Get(v))) > 0
			}},
			{Name: "old_log_probs|ref_log_prob (termination ppl, per ppl_source)", Doc: "log-probs for the perplexity rule", Has: func(t *rollout.Trajectory, v credit.Values) bool {
				return pMaRlhfTermination.Get(v) != "ppl" || pplLogProbs(t, pMaRlhfPplSource.Get(v)) != nil
			}},
			credit.KLLogProbs(pMaRlhfKlCoef)},
		Reads:      credit.ReadsMask | credit.ReadsOldLogProbs | credit.ReadsRefLogProbs | credit.ReadsTokenRewards | credit.ReadsValues,
		Outputs:    advOut,
		Scope:      credit.ScopeGroup,
		Provenance: paperMARLHF,
		Notes:      "reads values, token_level_rewards (or rewards.<reward> on the last valid token), steps (parsing), old_log_probs/ref_log_prob (ppl, KL); macros without policy tokens are skipped; masked tokens get 0; no whitening; the reference's randomized n-gram rule is not offered (it samples)",
		Run:        runMARLHF,
	})
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
	r, err := credit.TokenRewards(b, credit.Reward.Get(v))
	if err != nil {
		return err
	}
	masks := credit.Masks(b)
	if kl := pMaRlhfKlCoef.Get(v); kl != 0 {
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
		switch pMaRlhfTermination.Get(v) {
		case "fixed":
			spans, err = FixedNGramMacros(masks[i], pMaRlhfNgram.Get(v), t.Len())
		case "parsing":
			spans, err = SpanMacros(macroSteps(t, pMaRlhfStepKind.Get(v)), t.Len())
		case "ppl":
			lp := pplLogProbs(t, pMaRlhfPplSource.Get(v))
			if len(lp) != t.Len() {
				return fmt.Errorf("trajectory %d (traj_uid %q): %s has %d values, want %d", i, t.ID, pMaRlhfPplSource.Get(v), len(lp), t.Len())
			}
			spans, err = PerplexityMacros(lp, masks[i], pMaRlhfPplSplitAfter.Get(v))
		default:
			err = fmt.Errorf("termination %q, want fixed, parsing or ppl", pMaRlhfTermination.Get(v))
		}
		if err != nil {
			return fmt.Errorf("trajectory %d (traj_uid %q): %w", i, t.ID, err)
		}
		if pMaRlhfIsolateLast.Get(v) {
			spans = IsolateLast(spans, masks[i], t.Len())
		}
		macros[i] = spans
	}
	opt := MacroGAEOptions{Gamma: pMaRlhfGamma.Get(v), Lambda: pMaRlhfLam.Get(v), ValueAgg: pMaRlhfValueFunction.Get(v), RewardAgg: pMaRlhfRewardAgg.Get(v)}
	adv, ret, err := MacroGAE(r, credit.TokenValues(b), masks, macros, opt)
	if err != nil {
		return err
	}
	credit.Store(b, adv, ret)
	return nil
}
