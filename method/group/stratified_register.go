package group

// The registry binding of stratified_grpo, beside its estimator.

import (
	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

var paperStratified = credit.Provenance{Paper: "Stratified GRPO: Handling Structural Heterogeneity in Reinforcement Learning of LLM Search Agents", ArXiv: "2510.06214",
	Reference: "no official code; formula stub Wodlfvllf/grpo-composer grpo_composer/advantages/stratified.py", SpecRow: 5}

// Parameters of stratified_grpo.
var (
	pStratifiedGrpoStratum   = credit.StringParam{Param: credit.Param{Name: "stratum", Kind: credit.String, Default: "features.n_search_calls", Doc: "stratum key: features.<name>, steps (top-level step count) or steps.<kind> (count of steps of a kind)", Origin: credit.FromPaper("method: the number of search calls is the stratum key")}}
	pStratifiedGrpoAlpha     = credit.FloatParam{Param: credit.Param{Name: "alpha", Kind: credit.Float, Default: 1.0, Doc: "weight of the stratified estimator (1 = pure SAN, 0 = GRPO); paper default not found", Origin: credit.NotInPaper("1 (pure SAN) is the paper's main estimator and the only reimplementation found (grpo-composer) uses it"), Range: credit.Unit}}
	pStratifiedGrpoSingleton = credit.StringParam{Param: credit.Param{Name: "singleton", Kind: credit.String, Default: SingletonGlobal, Choices: []string{SingletonGlobal, SingletonZero}, Doc: "stratum of one: take the group estimator (global) or 0 (zero) as its SAN", Origin: credit.NotInPaper("a stratum of one has no spread; its SAN falls back to the group estimator (not 0, which would null its signal)")}}
	pStratifiedGrpoScope     = credit.StringParam{Param: credit.Param{Name: "scope", Kind: credit.String, Default: "group", Choices: []string{"group", "batch"}, Doc: "strata and global statistics inside each prompt group, or over the whole batch", Origin: credit.ByCredo("strata inside each prompt group, as the catalogue infers \"global\" means the group")}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "stratified_grpo",
		Summary: "Stratified GRPO: α·SAN (normalised inside strata of a trajectory feature) + (1-α)·GRPO",
		Params: credit.Params(
			pStratifiedGrpoStratum,
			pStratifiedGrpoAlpha,
			pStratifiedGrpoSingleton,
			pStratifiedGrpoScope,
			pEpsilon, pNormStd, credit.Reward,
		),
		Inputs: []credit.Input{credit.InGroup, credit.InTokenRewards,
			keyInput(pStratifiedGrpoStratum, "the stratum key of each trajectory (e.g. features.n_search_calls)")},
		Reads:   credit.ReadsMask | credit.ReadsTokenRewards,
		Outputs: []string{"advantages", "returns"},
		Scope:   credit.ScopeGroup,
		ScopeOf: func(v credit.Values) credit.Scope {
			if pStratifiedGrpoScope.Get(v) == "batch" {
				return credit.ScopeBatch
			}
			return credit.ScopeGroup
		},
		Inferred: []credit.Inferred{
			{What: "α = 1 (pure SAN)", Origin: credit.NotInPaper("α is not given; the only reimplementation found uses 1")},
			{What: "a stratum of one takes the group estimator", Origin: credit.NotInPaper("the paper's rule for singletons was not seen; 0 would null its signal")},
		},
		Provenance: paperStratified,
		Notes: "reads features.<name> or steps[].kind as the stratum; score as verl.grpo (token_level_rewards sum, else rewards.<reward>); " +
			"with one stratum per group it equals verl.grpo; a stratum of one takes A^GN (singleton=global) or 0; scope=batch uses batch-wide statistics; returns == advantages",
		Run: func(b *rollout.Batch, v credit.Values) error {
			if err := checkKeySpec("stratum", pStratifiedGrpoStratum.Get(v)); err != nil {
				return err
			}
			scores, mask, err := scoreRows(b, credit.Reward.Get(v))
			if err != nil {
				return err
			}
			idx := credit.GroupIDs(b)
			if pStratifiedGrpoScope.Get(v) == "batch" {
				for i := range idx {
					idx[i] = ""
				}
			}
			strata := make([]string, len(b.Trajectories))
			for i, t := range b.Trajectories {
				strata[i], _ = keyOf(t, pStratifiedGrpoStratum.Get(v))
			}
			a, err := StratifiedScalar(scores, idx, strata, StratifiedOptions{Alpha: pStratifiedGrpoAlpha.Get(v), Epsilon: pEpsilon.Get(v),
				NormByStd: pNormStd.Get(v), Singleton: pStratifiedGrpoSingleton.Get(v)})
			if err != nil {
				return err
			}
			adv, err := Broadcast(a, mask)
			if err != nil {
				return err
			}
			credit.Store(b, adv, adv)
			return nil
		},
	})
}
