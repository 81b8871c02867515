package credit

import (
	"github.com/credo-rl/credo/anchor/verl"
	"github.com/credo-rl/credo/rollout"
)

// Bindings of the verl estimators (anchor/verl) to the data model. Each
// trajectory is one of verl's rows: its tokens are the response, its
// token_level_rewards (or its outcome reward on the last valid token) the
// rewards, its uid the group.

const verlRef = "volcengine/verl@b178a3cd56f58b2d502255daba591e92833930a7 verl/trainer/ppo/core_algos.py::"

var (
	pEpsilon = Param{Name: "epsilon", Kind: Float, Default: 1e-6, Doc: "added to the group standard deviation", Origin: FromReference("verl/trainer/ppo/core_algos.py::compute_grpo_outcome_advantage (epsilon=1e-6)"), Range: NonNeg}
	pNormStd = Param{Name: "norm_adv_by_std_in_grpo", Kind: Bool, Default: true, Doc: "divide by the group std (false = Dr.GRPO's r - mean)", Origin: FromReference("verl/trainer/ppo/core_algos.py::compute_grpo_outcome_advantage (norm_adv_by_std_in_grpo=True)")}
	pGamma   = Param{Name: "gamma", Kind: Float, Default: 1.0, Doc: "discount factor", Origin: FromReference("verl/trainer/config/ppo_trainer.yaml::algorithm.gamma (1.0)"), Range: Unit}
	pLam     = Param{Name: "lam", Kind: Float, Default: 1.0, Doc: "GAE lambda", Origin: FromReference("verl/trainer/config/ppo_trainer.yaml::algorithm.lam (1.0)"), Range: Unit}
)

var (
	paperGRPO = Provenance{Paper: "DeepSeekMath: Pushing the Limits of Mathematical Reasoning in Open Language Models", ArXiv: "2402.03300"}
	paperRLOO = Provenance{Paper: "Back to Basics: Revisiting REINFORCE Style Optimization for Learning from Human Feedback in LLMs", ArXiv: "2402.14740"}
	paperGAE  = Provenance{Paper: "High-Dimensional Continuous Control Using Generalized Advantage Estimation", ArXiv: "1506.02438"}
	paperRFPP = Provenance{Paper: "REINFORCE++: A Simple and Efficient Approach for Aligning Large Language Models", ArXiv: "2501.03262"}
)

func prov(p Provenance, ref string) Provenance {
	p.Reference = ref
	return p
}

// outcomeRun adapts a verl estimator of signature (rewards, mask, index) to a Method.
func outcomeRun(f func(r, m [][]float64, idx []string, v Values) ([][]float64, [][]float64, error)) func(*rollout.Batch, Values) error {
	return func(b *rollout.Batch, v Values) error {
		r, err := TokenRewards(b, v.String("reward"))
		if err != nil {
			return err
		}
		adv, ret, err := f(r, Masks(b), GroupIDs(b), v)
		if err != nil {
			return err
		}
		Store(b, adv, ret)
		return nil
	}
}

func grpoOpts(v Values) verl.GRPOOptions {
	return verl.GRPOOptions{Epsilon: v.Float("epsilon"), NormByStd: v.Bool("norm_adv_by_std_in_grpo")}
}

var outcomeInputs = []Input{InGroup, InTokenRewards}

func init() {
	Register(&Method{
		Name:       "verl.grpo",
		Summary:    "GRPO group-normalised outcome advantage (unbiased std; Dr.GRPO without std)",
		Params:     []Param{pEpsilon, pNormStd, RewardParam},
		Inputs:     outcomeInputs,
		Outputs:    []string{"advantages", "returns"},
		Scope:      ScopeGroup,
		Provenance: prov(paperGRPO, verlRef+"compute_grpo_outcome_advantage"),
		Notes:      "score = sum over all tokens; singleton group keeps score/(1+eps); returns == advantages",
		Run: outcomeRun(func(r, m [][]float64, idx []string, v Values) ([][]float64, [][]float64, error) {
			return verl.GRPO(r, m, idx, grpoOpts(v))
		}),
	})
	vec := func(corrected bool) func(r, m [][]float64, idx []string, v Values) ([][]float64, [][]float64, error) {
		return func(r, m [][]float64, idx []string, v Values) ([][]float64, [][]float64, error) {
			return verl.GRPOVectorized(r, m, idx, verl.GRPOVectorizedOptions{
				Epsilon: v.Float("epsilon"), NormByStd: v.Bool("norm_adv_by_std_in_grpo"), Corrected: corrected})
		}
	}
	Register(&Method{
		Name:       "verl.grpo_vectorized",
		Summary:    "verl's vectorised GRPO, faithful: one-pass float32 variance floored at epsilon (std >= 1e-3)",
		Params:     []Param{pEpsilon, pNormStd, RewardParam},
		Inputs:     outcomeInputs,
		Outputs:    []string{"advantages", "returns"},
		Scope:      ScopeGroup,
		Provenance: prov(paperGRPO, verlRef+"compute_grpo_vectorized_outcome_advantage"),
		Notes:      "DEFECT kept: the variance floor under-scales low-variance groups relative to verl.grpo; verl.grpo_vectorized.corrected removes it",
		Run:        outcomeRun(vec(false)),
	})
	Register(&Method{
		Name:       "verl.grpo_vectorized.corrected",
		Summary:    "verl's vectorised GRPO with verl.grpo's statistics (no variance floor)",
		Params:     []Param{pEpsilon, pNormStd, RewardParam},
		Inputs:     outcomeInputs,
		Outputs:    []string{"advantages", "returns"},
		Scope:      ScopeGroup,
		Provenance: prov(paperGRPO, verlRef+"compute_grpo_vectorized_outcome_advantage"),
		Notes:      "corrected profile: equals verl.grpo",
		Run:        outcomeRun(vec(true)),
	})
	Register(&Method{
		Name:       "verl.grpo_passk",
		Summary:    "Pass@k GRPO: only each group's best row gets r_max - r_second (optionally / std)",
		Params:     []Param{pEpsilon, pNormStd, RewardParam},
		Inputs:     outcomeInputs,
		Outputs:    []string{"advantages", "returns"},
		Scope:      ScopeGroup,
		Provenance: prov(Provenance{Paper: "Pass@k Training for Adaptively Balancing Exploration and Exploitation of Large Reasoning Models", ArXiv: "2508.10751"}, verlRef+"compute_grpo_passk_outcome_advantage"),
		Notes:      "groups of fewer than 2 rows are rejected, as in the reference; ties go to the lowest index",
		Run: outcomeRun(func(r, m [][]float64, idx []string, v Values) ([][]float64, [][]float64, error) {
			return verl.GRPOPassK(r, m, idx, grpoOpts(v))
		}),
	})
	Register(&Method{
		Name:       "verl.rloo",
		Summary:    "RLOO leave-one-out baseline: n/(n-1)·(s - mean)",
		Params:     []Param{RewardParam},
		Inputs:     outcomeInputs,
		Outputs:    []string{"advantages", "returns"},
		Scope:      ScopeGroup,
		Provenance: prov(paperRLOO, verlRef+"compute_rloo_outcome_advantage"),
		Notes:      "singleton group keeps its raw score",
		Run: outcomeRun(func(r, m [][]float64, idx []string, _ Values) ([][]float64, [][]float64, error) {
			return verl.RLOO(r, m, idx)
		}),
	})
	rv := func(corrected bool) func(r, m [][]float64, idx []string, v Values) ([][]float64, [][]float64, error) {
		return func(r, m [][]float64, idx []string, v Values) ([][]float64, [][]float64, error) {
			return verl.RLOOVectorized(r, m, idx, verl.RLOOVectorizedOptions{Corrected: corrected})
		}
	}
	Register(&Method{
		Name:       "verl.rloo_vectorized",
		Summary:    "verl's vectorised RLOO, faithful: singleton groups get 0",
		Params:     []Param{RewardParam},
		Inputs:     outcomeInputs,
		Outputs:    []string{"advantages", "returns"},
		Scope:      ScopeGroup,
		Provenance: prov(paperRLOO, verlRef+"compute_rloo_vectorized_outcome_advantage"),
		Notes:      "DEFECT kept: singletons get advantage 0 where verl.rloo keeps the raw score; verl.rloo_vectorized.corrected keeps it",
		Run:        outcomeRun(rv(false)),
	})
	Register(&Method{
		Name:       "verl.rloo_vectorized.corrected",
		Summary:    "verl's vectorised RLOO with verl.rloo's singleton rule (raw score)",
		Params:     []Param{RewardParam},
		Inputs:     outcomeInputs,
		Outputs:    []string{"advantages", "returns"},
		Scope:      ScopeGroup,
		Provenance: prov(paperRLOO, verlRef+"compute_rloo_vectorized_outcome_advantage"),
		Notes:      "corrected profile: equals verl.rloo",
		Run:        outcomeRun(rv(true)),
	})
	Register(&Method{
		Name:       "verl.opo",
		Summary:    "OPO length-weighted group baseline: s - Σ len·s / Σ len",
		Params:     []Param{RewardParam},
		Inputs:     outcomeInputs,
		Outputs:    []string{"advantages", "returns"},
		Scope:      ScopeGroup,
		Provenance: prov(Provenance{Paper: "On-Policy RL with Optimal Reward Baseline", ArXiv: "2505.23585"}, verlRef+"compute_opo_outcome_advantage"),
		Run: outcomeRun(func(r, m [][]float64, idx []string, _ Values) ([][]float64, [][]float64, error) {
			return verl.OPO(r, m, idx)
		}),
	})
	Register(&Method{
		Name:       "verl.gpg",
		Summary:    "GPG: group-mean baseline scaled by B / #non-zero scores",
		Params:     []Param{{Name: "f_norm", Kind: Float, Default: 1.0, Doc: "divisor of the advantage", Origin: FromReference("verl/trainer/ppo/core_algos.py::compute_gpg_outcome_advantage (f_norm=1.0)"), Range: Positive}, RewardParam},
		Inputs:     outcomeInputs,
		Outputs:    []string{"advantages", "returns"},
		Scope:      ScopeBatch,
		Provenance: prov(Provenance{Paper: "GPG: A Simple and Strong Reinforcement Learning Baseline for Model Reasoning", ArXiv: "2504.02546"}, verlRef+"compute_gpg_outcome_advantage"),
		Notes:      "alpha = batch size / count of non-zero scores is batch-wide",
		Run: outcomeRun(func(r, m [][]float64, idx []string, v Values) ([][]float64, [][]float64, error) {
			return verl.GPG(r, m, idx, verl.GPGOptions{FNorm: v.Float("f_norm")})
		}),
		Sums: func(v Values) (SumPass, error) {
			p, err := verl.NewGPGRows(verl.GPGOptions{FNorm: v.Float("f_norm")})
			if err != nil {
				return nil, err
			}
			return &gpgSums{v: v, p: p}, nil
		},
	})
	Register(&Method{
		Name:       "verl.reinforce_plus_plus",
		Summary:    "REINFORCE++: discounted token returns, whitened over the batch's tokens",
		Params:     []Param{pGamma, RewardParam},
		Inputs:     []Input{InTokenRewards},
		Outputs:    []string{"advantages", "returns"},
		Scope:      ScopeBatch,
		Provenance: prov(paperRFPP, verlRef+"compute_reinforce_plus_plus_outcome_advantage"),
		Notes:      "a zero mask (also interior observation tokens) cuts the return flow",
		Run: outcomeRun(func(r, m [][]float64, _ []string, v Values) ([][]float64, [][]float64, error) {
			return verl.ReinforcePlusPlus(r, m, v.Float("gamma"))
		}),
		Sums: func(v Values) (SumPass, error) {
			p, err := verl.NewReinforcePlusPlusRows(v.Float("gamma"))
			if err != nil {
				return nil, err
			}
			return (&rfppSums{v: v, p: p}).pass(), nil
		},
	})
	Register(&Method{
		Name:       "verl.reinforce_plus_plus_baseline",
		Summary:    "REINFORCE++-baseline: s - group mean, whitened over the batch's tokens",
		Params:     []Param{RewardParam},
		Inputs:     outcomeInputs,
		Outputs:    []string{"advantages", "returns"},
		Scope:      ScopeBatch,
		Provenance: prov(paperRFPP, verlRef+"compute_reinforce_plus_plus_baseline_outcome_advantage"),
		Run: outcomeRun(func(r, m [][]float64, idx []string, _ Values) ([][]float64, [][]float64, error) {
			return verl.ReinforcePlusPlusBaseline(r, m, idx)
		}),
		Sums: func(v Values) (SumPass, error) {
			return &rfppbSums{v: v, p: verl.NewReinforcePlusPlusBaselineRows()}, nil
		},
	})
	Register(&Method{
		Name:    "verl.remax",
		Summary: "ReMax: token returns minus the greedy rollout's reward",
		Params:  []Param{RewardParam},
		Inputs: []Input{InTokenRewards, {Name: "rewards.baseline", Doc: "reward of the greedy (argmax) response, verl's reward_baselines",
			Has: func(t *rollout.Trajectory, _ Values) bool { _, ok := t.Rewards["baseline"]; return ok }}},
		Outputs:    []string{"advantages", "returns"},
		Scope:      ScopeGroup,
		Provenance: prov(Provenance{Paper: "ReMax: A Simple, Effective, and Efficient Reinforcement Learning Method for Aligning Large Language Models", ArXiv: "2310.10505"}, verlRef+"compute_remax_outcome_advantage"),
		Run: func(b *rollout.Batch, v Values) error {
			r, err := TokenRewards(b, v.String("reward"))
			if err != nil {
				return err
			}
			base := make([]float64, len(b.Trajectories))
			for i, t := range b.Trajectories {
				base[i] = t.Rewards["baseline"]
			}
			adv, ret, err := verl.ReMax(r, base, Masks(b))
			if err != nil {
				return err
			}
			Store(b, adv, ret)
			return nil
		},
	})
	Register(&Method{
		Name:       "verl.gae",
		Summary:    "GAE(γ, λ) over critic values; masked tokens are transparent; advantages whitened over the batch",
		Params:     []Param{pGamma, pLam, RewardParam},
		Inputs:     []Input{InTokenRewards, InValues},
		Outputs:    []string{"advantages", "returns"},
		Scope:      ScopeBatch,
		Provenance: prov(paperGAE, verlRef+"compute_gae_advantage_return"),
		Notes:      "returns = advantages + values before whitening; fails when the batch has fewer than 2 masked tokens",
		Run: func(b *rollout.Batch, v Values) error {
			r, err := TokenRewards(b, v.String("reward"))
			if err != nil {
				return err
			}
			adv, ret, err := verl.GAE(r, TokenValues(b), Masks(b), v.Float("gamma"), v.Float("lam"))
			if err != nil {
				return err
			}
			Store(b, adv, ret)
			return nil
		},
		Sums: func(v Values) (SumPass, error) {
			p, err := verl.NewGAERows(v.Float("gamma"), v.Float("lam"))
			if err != nil {
				return nil, err
			}
			return (&gaeSums{v: v, p: p}).pass(), nil
		},
	})
	otb := func(tir bool) func(*rollout.Batch, Values) error {
		return func(b *rollout.Batch, v Values) error {
			r, err := TokenRewards(b, v.String("reward"))
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
			o := verl.OTBOptions{Epsilon: v.Float("epsilon"), HandleZeroTail: v.Bool("handle_zero_tail")}
			f := verl.OptimalTokenBaseline
			if tir {
				f = verl.TIROptimalTokenBaseline
			}
			adv, ret, err := f(r, Masks(b), GroupIDs(b), OldLogProbs(b), spp, isw, o)
			if err != nil {
				return err
			}
			Store(b, adv, ret)
			return nil
		}
	}
	otbInputs := []Input{InGroup, InTokenRewards, InOldLogProbs, {Name: "token_scores.sum_pi_squared", Doc: "Σ_a π(a|s)² per token",
		Has: func(t *rollout.Trajectory, _ Values) bool { _, ok := t.Scores["sum_pi_squared"]; return ok }},
		{Name: "token_scores.rollout_is_weights (optional)", Doc: "importance weights per token"}}
	otbParams := []Param{{Name: "epsilon", Kind: Float, Default: 1e-8, Doc: "added to the baseline denominator", Origin: FromReference("verl/trainer/ppo/core_algos.py::compute_optimal_token_baseline_advantage (epsilon=1e-8)"), Range: NonNeg},
		{Name: "handle_zero_tail", Kind: Bool, Default: true, Doc: "zero the baseline past the second-longest response", Origin: FromReference("verl/trainer/ppo/core_algos.py::compute_optimal_token_baseline_advantage (handle_zero_tail=True)")}, RewardParam}
	Register(&Method{
		Name: "verl.optimal_token_baseline", Summary: "optimal per-token baseline weighted by 1 - 2π + Σπ²",
		Params: otbParams, Inputs: otbInputs, Outputs: []string{"advantages", "returns"}, Scope: ScopeGroup,
		Provenance: prov(Provenance{Paper: "verl optimal token baseline (no paper)"}, verlRef+"compute_optimal_token_baseline_advantage"),
		Run:        otb(false),
	})
	Register(&Method{
		Name: "verl.tir_optimal_token_baseline", Summary: "optimal token baseline over compacted valid tokens (multi-turn tool use)",
		Params: otbParams, Inputs: otbInputs, Outputs: []string{"advantages", "returns"}, Scope: ScopeGroup,
		Provenance: prov(Provenance{Paper: "verl optimal token baseline (no paper)"}, verlRef+"compute_multi_turn_optimal_token_baseline_advantage"),
		Run:        otb(true),
	})
}
