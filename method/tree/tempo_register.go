package tree

// The registry binding of tempo, beside its estimator.

import (
	"github.com/credo-rl/credo/anchor/verl"
	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Parameters of tempo.
var (
	pTempoEpsilon            = credit.FloatParam{Param: credit.Param{Name: "epsilon", Kind: credit.Float, Default: 1e-6, Doc: "added to the group standard deviation", Origin: credit.FromReference("volcengine/verl verl/trainer/ppo/core_algos.py::compute_grpo_outcome_advantage (epsilon=1e-6), the GRPO part"), Range: credit.NonNeg}}
	pTempoNormAdvByStdInGrpo = credit.BoolParam{Param: credit.Param{Name: "norm_adv_by_std_in_grpo", Kind: credit.Bool, Default: true, Doc: "divide by the group std (false = Dr.GRPO's r - mean)", Origin: credit.FromReference("volcengine/verl verl/trainer/ppo/core_algos.py::compute_grpo_outcome_advantage (norm_adv_by_std_in_grpo=True)")}}
	pTempoTdCoef             = credit.FloatParam{Param: credit.Param{Name: "td_coef", Kind: credit.Float, Default: 1.0, Doc: "weight of the TD term (not given by the paper)", Origin: credit.NotInPaper("1 adds the TD correction unscaled, as the paper's formula A = Â + (V(s_{t+1}) − V(s_t)) reads"), Range: credit.NonNeg}}
	pTempoRawValues          = credit.BoolParam{Param: credit.Param{Name: "raw_values", Kind: credit.Bool, Default: false, Doc: "V(prefix) = mean raw score instead of mean group-normalised advantage", Origin: credit.FromPaper("method: V(s) is the mean group-normalised reward of the responses through s")}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "tempo",
		Summary: "TEMPO: GRPO plus a TD correction V(s_{t+1}) − V(s_t) from the group's prefix trie at branching tokens",
		Params: credit.Params(
			pTempoEpsilon,
			pTempoNormAdvByStdInGrpo,
			pTempoTdCoef,
			pTempoRawValues,
			credit.Reward,
		),
		Inputs:  []credit.Input{credit.InGroup, InTokens, credit.InTokenRewards},
		Reads:   credit.ReadsTokenIDs | credit.ReadsMask | credit.ReadsTokenRewards,
		Outputs: []string{"advantages", "returns"},
		Scope:   credit.ScopeGroup,
		Inferred: []credit.Inferred{
			{What: "A_t = Â_GRPO + td_coef·(V(s_{t+1}) − V(s_t)) at branching tokens, td_coef = 1", Origin: credit.ByCredo("the catalogue's inferred exact form; no coefficient is given")},
		},
		Provenance: credit.Provenance{Paper: "Exploiting Tree Structure for Credit Assignment in RL Training of LLMs", ArXiv: "2509.18314", SpecRow: 29,
			Reference: "no public code; base advantage = volcengine/verl@b178a3cd56f58b2d502255daba591e92833930a7 verl/trainer/ppo/core_algos.py::compute_grpo_outcome_advantage"},
		Notes: "reads responses, uid, token_level_rewards or rewards.<reward>, response_mask; score = sum of token rewards as in verl.grpo; " +
			"equals verl.grpo on every token where the trie does not branch; returns == advantages; the prefix trie of the token ids is TEMPO's own " +
			"construction (P2T: V(prefix) is a mean over the responses sharing that prefix), so parent links are not read",
		Run: runTEMPO,
	})
}

func runTEMPO(b *rollout.Batch, v credit.Values) error {
	r, err := credit.TokenRewards(b, credit.Reward.Get(v))
	if err != nil {
		return err
	}
	adv, err := TEMPO(TokenIDs(b), r, credit.Masks(b), credit.GroupIDs(b), TEMPOOptions{
		GRPO:      verl.GRPOOptions{Epsilon: pTempoEpsilon.Get(v), NormByStd: pTempoNormAdvByStdInGrpo.Get(v)},
		TDCoef:    pTempoTdCoef.Get(v),
		RawValues: pTempoRawValues.Get(v),
	})
	if err != nil {
		return err
	}
	credit.Store(b, adv, adv)
	return nil
}
