package ref

import (
	"github.com/credo-rl/credo/anchor/verl"
	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Bindings of the verl estimators (anchor/verl) to the data model. Each
// trajectory is one of verl's rows: its tokens are the response, its
// token_level_rewards (or its outcome reward on the last valid token) the
// rewards, its uid the group.

const verlRef = "volcengine/verl@b178a3cd56f58b2d502255daba591e92833930a7 verl/trainer/ppo/core_algos.py::"

// verl's parameters. The other references declare the same concepts under
// verl's spellings through these handles, with their own origins (From).
var (
	pEpsilon = credit.FloatParam{Param: credit.Param{Name: "epsilon", Kind: credit.Float, Default: 1e-6, Doc: "added to the group standard deviation", Origin: credit.FromReference("verl/trainer/ppo/core_algos.py::compute_grpo_outcome_advantage (epsilon=1e-6)"), Range: credit.NonNeg}}
	pNormStd = credit.BoolParam{Param: credit.Param{Name: "norm_adv_by_std_in_grpo", Kind: credit.Bool, Default: true, Doc: "divide by the group std (false = Dr.GRPO's r - mean)", Origin: credit.FromReference("verl/trainer/ppo/core_algos.py::compute_grpo_outcome_advantage (norm_adv_by_std_in_grpo=True)")}}
	pGamma   = credit.FloatParam{Param: credit.Param{Name: "gamma", Kind: credit.Float, Default: 1.0, Doc: "discount factor", Origin: credit.FromReference("verl/trainer/config/ppo_trainer.yaml::algorithm.gamma (1.0)"), Range: credit.Unit}}
	pLam     = credit.FloatParam{Param: credit.Param{Name: "lam", Kind: credit.Float, Default: 1.0, Doc: "GAE lambda", Origin: credit.FromReference("verl/trainer/config/ppo_trainer.yaml::algorithm.lam (1.0)"), Range: credit.Unit}}
)

var (
	paperGRPO = credit.Provenance{Paper: "DeepSeekMath: Pushing the Limits of Mathematical Reasoning in Open Language Models", ArXiv: "2402.03300"}
	paperRLOO = credit.Provenance{Paper: "Back to Basics: Revisiting REINFORCE Style Optimization for Learning from Human Feedback in LLMs", ArXiv: "2402.14740"}
	paperGAE  = credit.Provenance{Paper: "High-Dimensional Continuous Control Using Generalized Advantage Estimation", ArXiv: "1506.02438"}
	paperRFPP = credit.Provenance{Paper: "REINFORCE++: A Simple and Efficient Approach for Aligning Large Language Models", ArXiv: "2501.03262"}
)

func prov(p credit.Provenance, ref string) credit.Provenance {
	p.Reference = ref
	return p
}

// outcomeRun adapts a verl estimator of signature (rewards, mask, index) to a Method.
func outcomeRun(f func(r, m [][]float64, idx []string, v credit.Values) ([][]float64, [][]float64, error)) func(*rollout.Batch, credit.Values) error {
	return func(b *rollout.Batch, v credit.Values) error {
		r, err := credit.TokenRewards(b, credit.Reward.Get(v))
		if err != nil {
			return err
		}
		adv, ret, err := f(r, credit.Masks(b), credit.GroupIDs(b), v)
		if err != nil {
			return err
		}
		credit.Store(b, adv, ret)
		return nil
	}
}

func grpoOpts(v credit.Values) verl.GRPOOptions {
	return verl.GRPOOptions{Epsilon: pEpsilon.Get(v), NormByStd: pNormStd.Get(v)}
}

var outcomeInputs = []credit.Input{credit.InGroup, credit.InTokenRewards}

// outcomeReads are the per-token arrays outcomeRun reads.
const outcomeReads = credit.ReadsMask | credit.ReadsTokenRewards

// Parameters of verl.gpg.
var (
	pGPGFNorm = credit.FloatParam{Param: credit.Param{Name: "f_norm", Kind: credit.Float, Default: 1.0, Doc: "divisor of the advantage", Origin: credit.FromReference("verl/trainer/ppo/core_algos.py::compute_gpg_outcome_advantage (f_norm=1.0)"), Range: credit.Positive}}
)

// Parameters of verl.optimal_token_baseline and verl.tir_optimal_token_baseline.
var (
	pOTBEpsilon        = credit.FloatParam{Param: credit.Param{Name: "epsilon", Kind: credit.Float, Default: 1e-8, Doc: "added to the baseline denominator", Origin: credit.FromReference("verl/trainer/ppo/core_algos.py::compute_optimal_token_baseline_advantage (epsilon=1e-8)"), Range: credit.NonNeg}}
	pOTBHandleZeroTail = credit.BoolParam{Param: credit.Param{Name: "handle_zero_tail", Kind: credit.Bool, Default: true, Doc: "zero the baseline past the second-longest response", Origin: credit.FromReference("verl/trainer/ppo/core_algos.py::compute_optimal_token_baseline_advantage (handle_zero_tail=True)")}}
)

func init() {
	credit.Register(&credit.Method{
		Name:       "verl.grpo",
		Summary:    "GRPO group-normalised outcome advantage (unbiased std; Dr.GRPO without std)",
		Params:     credit.Params(pEpsilon, pNormStd, credit.Reward),
		Inputs:     outcomeInputs,
		Reads:      outcomeReads,
		Outputs:    []string{"advantages", "returns"},
		Scope:      credit.ScopeGroup,
		Provenance: prov(paperGRPO, verlRef+"compute_grpo_outcome_advantage"),
		Notes:      "score = sum over all tokens; singleton group keeps score/(1+eps); returns == advantages",
		Run: outcomeRun(func(r, m [][]float64, idx []string, v credit.Values) ([][]float64, [][]float64, error) {
			return verl.GRPO(r, m, idx, grpoOpts(v))
		}),
	})
	vec := func(corrected bool) func(r, m [][]float64, idx []string, v credit.Values) ([][]float64, [][]float64, error) {
		return func(r, m [][]float64, idx []string, v credit.Values) ([][]float64, [][]float64, error) {
			return verl.GRPOVectorized(r, m, idx, verl.GRPOVectorizedOptions{
				Epsilon: pEpsilon.Get(v), NormByStd: pNormStd.Get(v), Corrected: corrected})
		}
	}
	credit.Register(&credit.Method{
		Name:       "verl.grpo_vectorized",
		Summary:    "verl's vectorised GRPO, faithful: one-pass float32 variance floored at epsilon (std >= 1e-3)",
		Params:     credit.Params(pEpsilon, pNormStd, credit.Reward),
		Inputs:     outcomeInputs,
		Reads:      outcomeReads,
		Outputs:    []string{"advantages", "returns"},
		Scope:      credit.ScopeGroup,
		Provenance: prov(paperGRPO, verlRef+"compute_grpo_vectorized_outcome_advantage"),
		Notes:      "DEFECT kept: the variance floor under-scales low-variance groups relative to verl.grpo; verl.grpo_vectorized.corrected removes it",
		Run:        outcomeRun(vec(false)),
	})
	credit.Register(&credit.Method{
		Name:       "verl.grpo_vectorized.corrected",
		Summary:    "verl's vectorised GRPO with verl.grpo's statistics (no variance floor)",
		Params:     credit.Params(pEpsilon, pNormStd, credit.Reward),
		Inputs:     outcomeInputs,
		Reads:      outcomeReads,
		Outputs:    []string{"advantages", "returns"},
		Scope:      credit.ScopeGroup,
		Provenance: prov(paperGRPO, verlRef+"compute_grpo_vectorized_outcome_advantage"),
		Notes:      "corrected profile: equals verl.grpo",
		Run:        outcomeRun(vec(true)),
	})
	credit.Register(&credit.Method{
		Name:       "verl.grpo_passk",
		Summary:    "Pass@k GRPO: only each group's best row gets r_max - r_second (optionally / std)",
		Params:     credit.Params(pEpsilon, pNormStd, credit.Reward),
		Inputs:     outcomeInputs,
		Reads:      outcomeReads,
		Outputs:    []string{"advantages", "returns"},
		Scope:      credit.ScopeGroup,
		Provenance: prov(credit.Provenance{Paper: "Pass@k Training for Adaptively Balancing Exploration and Exploitation of Large Reasoning Models", ArXiv: "2508.10751"}, verlRef+"compute_grpo_passk_outcome_advantage"),
		Notes:      "groups of fewer than 2 rows are rejected, as in the reference; ties go to the lowest index",
		Run: outcomeRun(func(r, m [][]float64, idx []string, v credit.Values) ([][]float64, [][]float64, error) {
			return verl.GRPOPassK(r, m, idx, grpoOpts(v))
		}),
	})
	credit.Register(&credit.Method{
		Name:       "verl.rloo",
		Summary:    "RLOO leave-one-out baseline: n/(n-1)·(s - mean)",
		Params:     credit.Params(credit.Reward),
		Inputs:     outcomeInputs,
		Reads:      outcomeReads,
		Outputs:    []string{"advantages", "returns"},
		Scope:      credit.ScopeGroup,
		Provenance: prov(paperRLOO, verlRef+"compute_rloo_outcome_advantage"),
		Notes:      "singleton group keeps its raw score",
		Run: outcomeRun(func(r, m [][]float64, idx []string, _ credit.Values) ([][]float64, [][]float64, error) {
			return verl.RLOO(r, m, idx)
		}),
	})
	rv := func(corrected bool) func(r, m [][]float64, idx []string, v credit.Values) ([][]float64, [][]float64, error) {
		return func(r, m [][]float64, idx []string, v credit.Values) ([][]float64, [][]float64, error) {
			return verl.RLOOVectorized(r, m, idx, verl.RLOOVectorizedOptions{Corrected: corrected})
		}
	}
	credit.Register(&credit.Method{
		Name:       "verl.rloo_vectorized",
		Summary:    "verl's vectorised RLOO, faithful: singleton groups get 0",
		Params:     credit.Params(credit.Reward),
		Inputs:     outcomeInputs,
		Reads:      outcomeReads,
		Outputs:    []string{"advantages", "returns"},
		Scope:      credit.ScopeGroup,
		Provenance: prov(paperRLOO, verlRef+"compute_rloo_vectorized_outcome_advantage"),
		Notes:      "DEFECT kept: singletons get advantage 0 where verl.rloo keeps the raw score; verl.rloo_vectorized.corrected keeps it",
		Run:        outcomeRun(rv(false)),
	})
	credit.Register(&credit.Method{
		Name:       "verl.rloo_vectorized.corrected",
		Summary:    "verl's vectorised RLOO with verl.rloo's singleton rule (raw score)",
		Params:     credit.Params(credit.Reward),
		Inputs:     outcomeInputs,
		Reads:      outcomeReads,
		Outputs:    []string{"advantages", "returns"},
		Scope:      credit.ScopeGroup,
		Provenance: prov(paperRLOO, verlRef+"compute_rloo_vectorized_outcome_advantage"),
		Notes:      "corrected profile: equals verl.rloo",
		Run:        outcomeRun(rv(true)),
	})
	credit.Register(&credit.Method{
		Name:       "verl.opo",
		Summary:    "OPO length-weighted group baseline: s - Σ len·s / Σ len",
		Params:     credit.Params(credit.Reward),
		Inputs:     outcomeInputs,
		Reads:      outcomeReads,
		Outputs:    []string{"advantages", "returns"},
		Scope:      credit.ScopeGroup,
		Provenance: prov(credit.Provenance{Paper: "On-Policy RL with Optimal Reward Baseline", ArXiv: "2505.23585"}, verlRef+"compute_opo_outcome_advantage"),
		Run: outcomeRun(func(r, m [][]float64, idx []string, _ credit.Values) ([][]float64, [][]float64, error) {
			return verl.OPO(r, m, idx)
		}),
	})
	credit.Register(&credit.Method{
		Name:       "verl.gpg",
		Summary:    "GPG: group-mean baseline scaled by B / #non-zero scores",
		Params:     credit.Params(pGPGFNorm, credit.Reward),
		Inputs:     outcomeInputs,
		Reads:      outcomeReads,
		Outputs:    []string{"advantages", "returns"},
		Scope:      credit.ScopeBatch,
		Provenance: prov(credit.Provenance{Paper: "GPG: A Simple and Strong Reinforcement Learning Baseline for Model Reasoning", ArXiv: "2504.02546"}, verlRef+"compute_gpg_outcome_advantage"),
		Notes:      "alpha = batch size / count of non-zero scores is batch-wide",
		Run: outcomeRun(func(r, m [][]float64, idx []string, v credit.Values) ([][]float64, [][]float64, error) {
			return verl.GPG(r, m, idx, verl.GPGOptions{FNorm: pGPGFNorm.Get(v)})
		}),
		Sums: func(v credit.Values) (credit.SumPass, error) {
			p, err := verl.NewGPGRows(verl.GPGOptions{FNorm: pGPGFNorm.Get(v)})
			if err != nil {
				return nil, err
			}
			return &gpgSums{v: v, p: p}, nil
		},
	})
	credit.Register(&credit.Method{
		Name:       "verl.reinforce_plus_plus",
		Summary:    "REINFORCE++: discounted token returns, whitened over the batch's tokens",
		Params:     credit.Params(pGamma, credit.Reward),
		Inputs:     []credit.Input{credit.InTokenRewards},
		Reads:      outcomeReads,
		Outputs:    []string{"advantages", "returns"},
		Scope:      credit.ScopeBatch,
		Provenance: prov(paperRFPP, verlRef+"compute_reinforce_plus_plus_outcome_advantage"),
		Notes:      "a zero mask (also interior observation tokens) cuts the return flow",
		Run: outcomeRun(func(r, m [][]float64, _ []string, v credit.Values) ([][]float64, [][]float64, error) {
			return verl.ReinforcePlusPlus(r, m, pGamma.Get(v))
		}),
		Sums: func(v credit.Values) (credit.SumPass, error) {
			p, err := verl.NewReinforcePlusPlusRows(pGamma.Get(v))
			if err != nil {
				return nil, err
			}
			return (&rfppSums{v: v, p: p}).pass(), nil
		},
	})
	credit.Register(&credit.Method{
		Name:       "verl.reinforce_plus_plus_baseline",
		Summary:    "REINFORCE++-baseline: s - group mean, whitened over the batch's tokens",
		Params:     credit.Params(credit.Reward),
		Inputs:     outcomeInputs,
		Reads:      outcomeReads,
		Outputs:    []string{"advantages", "returns"},
		Scope:      credit.ScopeBatch,
		Provenance: prov(paperRFPP, verlRef+"compute_reinforce_plus_plus_baseline_outcome_advantage"),
		Run: outcomeRun(func(r, m [][]float64, idx []string, _ credit.Values) ([][]float64, [][]float64, error) {
			return verl.ReinforcePlusPlusBaseline(r, m, idx)
		}),
		Sums: func(v credit.Values) (credit.SumPass, error) {
			return &rfppbSums{v: v, p: verl.NewReinforcePlusPlusBaselineRows()}, nil
		},
	})
	credit.Register(&credit.Method{
		Name:    "verl.remax",
		Summary: "ReMax: token returns minus the greedy rollout's reward",
		Params:  credit.Params(credit.Reward),
		Inputs: []credit.Input{credit.InTokenRewards, {Name: "rewards.baseline", Doc: "reward of the greedy (argmax) response, verl's reward_baselines",
			Has: func(t *rollout.Trajectory, _ credit.Values) bool { _, ok := t.Rewards["baseline"]; return ok }}},
		Reads:      outcomeReads,
		Outputs:    []string{"advantages", "returns"},
		Scope:      credit.ScopeGroup,
		Provenance: prov(credit.Provenance{Paper: "ReMax: A Simple, Effective, and Efficient Reinforcement Learning Method for Aligning Large Language Models", ArXiv: "2310.10505"}, verlRef+"compute_remax_outcome_advantage"),
		Run: func(b *rollout.Batch, v credit.Values) error {
			r, err := credit.TokenRewards(b, credit.Reward.Get(v))
			if err != nil {
				return err
			}
			base := make([]float64, len(b.Trajectories))
			for i, t := range b.Trajectories {
				base[i] = t.Rewards["baseline"]
			}
			adv, ret, err := verl.ReMax(r, base, credit.Masks(b))
			if err != nil {
				return err
			}
			credit.Store(b, adv, ret)
			return nil
		},
	})
	credit.Register(&credit.Method{
		Name:       "verl.gae",
		Summary:    "GAE(γ, λ) over critic values; masked tokens are transparent; advantages whitened over the batch",
		Params:     credit.Params(pGamma, pLam, credit.Reward),
		Inputs:     []credit.Input{credit.InTokenRewards, credit.InValues},
		Reads:      credit.ReadsMask | credit.ReadsTokenRewards | credit.ReadsValues,
		Outputs:    []string{"advantages", "returns"},
		Scope:      credit.ScopeBatch,
		Provenance: prov(paperGAE, verlRef+"compute_gae_advantage_return"),
		Notes:      "returns = advantages + values before whitening; fails when the batch has fewer than 2 masked tokens",
		Run: func(b *rollout.Batch, v credit.Values) error {
			r, err := credit.TokenRewards(b, credit.Reward.Get(v))
			if err != nil {
				return err
			}
			adv, ret, err := verl.GAE(r, credit.TokenValues(b), credit.Masks(b), pGamma.Get(v), pLam.Get(v))
			if err != nil {
				return err
			}
			credit.Store(b, adv, ret)
			return nil
		},
		Sums: func(v credit.Values) (credit.SumPass, error) {
			p, err := verl.NewGAERows(pGamma.Get(v), pLam.Get(v))
			if err != nil {
				return nil, err
			}
			return (&gaeSums{v: v, p: p}).pass(), nil
		},
	})
	otb := func(tir bool) func(*rollout.Batch, credit.Values) error {
		return func(b *rollout.Batch, v credit.Values) error {
			r, err := credit.TokenRewards(b, credit.Reward.Get(v))
			if err != nil {
				return err
			}
			spp := make([][]float64, len(b.Trajectories))
			var isw [][]float64
			for i, t := range b.Trajectories {
				spp[i] = t.Scores["sum_pi_squared"]
				if w, ok := t.Scores["rollout_is_weights"]; ok {
					if isw == nil {
						isw = make([][]float64, len(b.Trajectories))
					}
					isw[i] = w
				}
			}
			o := verl.OTBOptions{Epsilon: pOTBEpsilon.Get(v), HandleZeroTail: pOTBHandleZeroTail.Get(v)}
			f := verl.OptimalTokenBaseline
			if tir {
				f = verl.TIROptimalTokenBaseline
			}
			adv, ret, err := f(r, credit.Masks(b), credit.GroupIDs(b), credit.OldLogProbs(b), spp, isw, o)
			if err != nil {
				return err
			}
			credit.Store(b, adv, ret)
			return nil
		}
	}
	otbInputs := []credit.Input{credit.InGroup, credit.InTokenRewards, credit.InOldLogProbs, {Name: "token_scores.sum_pi_squared", Doc: "Σ_a π(a|s)² per token",
		Has: func(t *rollout.Trajectory, _ credit.Values) bool { _, ok := t.Scores["sum_pi_squared"]; return ok }},
		{Name: "token_scores.rollout_is_weights (optional)", Doc: "importance weights per token"}}
	otbParams := credit.Params(pOTBEpsilon,
		pOTBHandleZeroTail, credit.Reward)
	credit.Register(&credit.Method{
		Name: "verl.optimal_token_baseline", Summary: "optimal per-token baseline weighted by 1 - 2π + Σπ²",
		Reads:  credit.ReadsMask | credit.ReadsOldLogProbs | credit.ReadsTokenRewards | credit.ReadsTokenScores,
		Params: otbParams, Inputs: otbInputs, Outputs: []string{"advantages", "returns"}, Scope: credit.ScopeGroup,
		Provenance: prov(credit.Provenance{Paper: "verl optimal token baseline (no paper)"}, verlRef+"compute_optimal_token_baseline_advantage"),
		Run:        otb(false),
	})
	credit.Register(&credit.Method{
		Name: "verl.tir_optimal_token_baseline", Summary: "optimal token baseline over compacted valid tokens (multi-turn tool use)",
		Reads:  credit.ReadsMask | credit.ReadsOldLogProbs | credit.ReadsTokenRewards | credit.ReadsTokenScores,
		Params: otbParams, Inputs: otbInputs, Outputs: []string{"advantages", "returns"}, Scope: credit.ScopeGroup,
		Provenance: prov(credit.Provenance{Paper: "verl optimal token baseline (no paper)"}, verlRef+"compute_multi_turn_optimal_token_baseline_advantage"),
		Run:        otb(true),
	})
}
