package verl

import (
	"fmt"
	"math"

	"github.com/credo-rl/credo/internal/arrays"
)

// GPGOptions are the hyper-parameters of GPG.
type GPGOptions struct {
	// FNorm divides the advantage (verl: f_norm, default 1.0).
	FNorm float64
}

// DefaultGPGOptions returns verl's defaults: FNorm 1.
//
// verl's alpha argument is not an option: the reference overwrites it with
// the batch-level correction below before using it.
func DefaultGPGOptions() GPGOptions { return GPGOptions{FNorm: 1} }

// GPGScalar computes GPG's per-row advantage from per-row scores:
//
//	alpha = B / max(#{i : s_i ≠ 0}, 1)      (B = number of rows)
//	A_i   = alpha · (s_i - mean_g) / f_norm
//
// Quirks reproduced: alpha counts non-zero SCORES of the whole batch (not
// non-zero advantages); the group std is not used; a singleton group has
// mean 0 (keeps alpha·s/f_norm).
//
// g holds dense group numbers in [0, nGroups) (see internal/groups.Index).
//
// Paper: "GPG: A Simple and Strong Reinforcement Learning Baseline for Model
// Reasoning" (arXiv:2504.02546).
// Reference: volcengine/verl@b178a3cd56f58b2d502255daba591e92833930a7
// verl/trainer/ppo/core_algos.py::compute_gpg_outcome_advantage.
func GPGScalar(scores []float64, g []int, nGroups int, opt GPGOptions) ([]float64, error) {
	const est = "verl.gpg"
	if err := checkDense(est, g, nGroups, len(scores)); err != nil {
		return nil, err
	}
	if err := checkScores(est, scores); err != nil {
		return nil, err
	}
	if err := checkFNorm(est, opt.FNorm); err != nil {
		return nil, err
	}
	out := make([]float64, len(scores))
	gpgInto(out, scores, g, nGroups, opt)
	return out, nil
}

func checkFNorm(est string, f float64) error {
	if f == 0 || !arrays.Finite(f) {
		return fmt.Errorf("%s: f_norm is %v, want a finite non-zero number", est, f)
	}
	return nil
}

func gpgInto(out, scores []float64, g []int, n int, opt GPGOptions) {
	nz := 0
	for _, s := range scores {
		if s != 0 {
			nz++
		}
	}
	alpha := float64(len(scores)) / math.Max(float64(nz), 1)
	st := meanStd(nil, scores, g, n, false)
	for i, s := range scores {
		out[i] = alpha * (s - st.mean[g[i]]) / opt.FNorm
	}
}

// GPG is verl's GPG advantage at token level: s_i = Σ_t r[i][t] over every
// position, A[i][t] = GPGScalar(s)_i · mask[i][t].
//
// returns == advantages (shared backing array).
//
// Paper: "GPG" (arXiv:2504.02546).
// Reference: volcengine/verl@b178a3cd56f58b2d502255daba591e92833930a7
// verl/trainer/ppo/core_algos.py::compute_gpg_outcome_advantage.
func GPG(tokenLevelRewards, responseMask [][]float64, index []string, opt GPGOptions) (advantages, returns [][]float64, err error) {
	const est = "verl.gpg"
	if err := checkLike(est, "response_mask", responseMask, "token_level_rewards", tokenLevelRewards); err != nil {
		return nil, nil, err
	}
	if err := checkFNorm(est, opt.FNorm); err != nil {
		return nil, nil, err
	}
	g, n, err := indexGroups(est, index, len(tokenLevelRewards))
	if err != nil {
		return nil, nil, err
	}
	scores, err := rowScores(est, tokenLevelRewards)
	if err != nil {
		return nil, nil, err
	}
	gpgInto(scores, scores, g, n, opt)
	adv, err := broadcast(est, scores, responseMask)
	if err != nil {
		return nil, nil, err
	}
	return adv, adv, nil
}
