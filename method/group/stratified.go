package group

import (
	"fmt"

	"github.com/credo-rl/credo/anchor/verl"
	"github.com/credo-rl/credo/internal/arrays"
	"github.com/credo-rl/credo/internal/groups"
)

// Singleton rules for a stratum of one trajectory, which has no peer to be
// normalised against.
const (
	// SingletonGlobal gives the trajectory the group (global) estimator:
	// A^SAN_i := A^GN_i, so its blended advantage is A^GN_i whatever α is.
	SingletonGlobal = "global"
	// SingletonZero gives it A^SAN_i = 0, so its blended advantage is
	// (1-α)·A^GN_i.
	SingletonZero = "zero"
)

// StratifiedOptions are the hyper-parameters of Stratified GRPO.
type StratifiedOptions struct {
	// Alpha is the weight of the stratified estimator in the blend
	// A = α·A^SAN + (1-α)·A^GN. The paper gives no default; 1.0 (pure SAN)
	// follows the only implementation found (a third-party configuration).
	Alpha float64
	// Epsilon is added to the standard deviations (verl's GRPO: 1e-6).
	Epsilon float64
	// NormByStd divides by the standard deviations (default true); false
	// gives the mean-centred (Dr.GRPO-style) estimators R - μ.
	NormByStd bool
	// Singleton is the rule for strata of size one: SingletonGlobal
	// (default) or SingletonZero.
	Singleton string
}

// DefaultStratifiedOptions returns Alpha 1, Epsilon 1e-6, NormByStd true,
// Singleton "global".
func DefaultStratifiedOptions() StratifiedOptions {
	return StratifiedOptions{Alpha: 1, Epsilon: 1e-6, NormByStd: true, Singleton: SingletonGlobal}
}

// StratifiedParts returns the two estimators that Stratified GRPO blends,
// per trajectory:
//
//	A^GN_i  = (R_i - μ_g) / (σ_g + ε)      over the prompt group g = g(i)
//	A^SAN_i = (R_i - μ_k) / (σ_k + ε)      over the stratum k = (g(i), stratum_i)
//
// Both use verl's GRPO statistics (anchor/verl GRPOScalar: two-pass mean,
// unbiased ddof=1 standard deviation; a group of one keeps R/(1+ε); an
// all-equal set gets 0), so that with one stratum per group A^SAN equals
// GRPO exactly. Strata are formed inside each prompt group: trajectories of
// different prompts never share a stratum. A stratum of size one has no
// within-stratum baseline; opt.Singleton decides its A^SAN (see
// SingletonGlobal, SingletonZero).
//
// Paper: "Stratified GRPO: Handling Structural Heterogeneity in
// Reinforcement Learning of LLM Search Agents" (arXiv:2510.06214),
// methods.md #5. No official code (a formula stub in
// Wodlfvllf/grpo-composer grpo_composer/advantages/stratified.py).
func StratifiedParts(scores []float64, index, strata []string, opt StratifiedOptions) (san, gn []float64, err error) {
	const est = "stratified_grpo"
	if err := checkRows(est, "index", len(index), "scores", len(scores)); err != nil {
		return nil, nil, err
	}
	if err := checkRows(est, "strata", len(strata), "scores", len(scores)); err != nil {
		return nil, nil, err
	}
	if err := checkFinite(est, "scores", scores); err != nil {
		return nil, nil, err
	}
	if opt.Singleton != SingletonGlobal && opt.Singleton != SingletonZero {
		return nil, nil, fmt.Errorf("%s: singleton rule %q, want %q or %q", est, opt.Singleton, SingletonGlobal, SingletonZero)
	}
	vopt := verl.GRPOOptions{Epsilon: opt.Epsilon, NormByStd: opt.NormByStd}
	g, ng := groups.Index(index)
	gn, err = verl.GRPOScalar(scores, g, ng, vopt)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", est, err)
	}
	keys := make([]string, len(scores))
	for i := range keys {
		// The group id and the stratum, joined by a byte that cannot be
		// confused with either (ids are opaque text).
		keys[i] = fmt.Sprintf("%d\x00%s", g[i], strata[i])
	}
	k, nk := groups.Index(keys)
	san, err = verl.GRPOScalar(scores, k, nk, vopt)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", est, err)
	}
	size := groups.Sizes(k, nk)
	for i := range san {
		if size[k[i]] == 1 {
			if opt.Singleton == SingletonGlobal {
				san[i] = gn[i]
			} else {
				san[i] = 0
			}
		}
	}
	return san, gn, nil
}

// StratifiedScalar is Stratified GRPO's per-trajectory advantage
//
//	A_i = α·A^SAN_i + (1-α)·A^GN_i
//
// with the two estimators of StratifiedParts. α = 1 is pure SAN, α = 0 is
// GRPO; with a single stratum per group the result is GRPO for every α.
//
// Paper: "Stratified GRPO" (arXiv:2510.06214), methods.md #5.
func StratifiedScalar(scores []float64, index, strata []string, opt StratifiedOptions) ([]float64, error) {
	san, gn, err := StratifiedParts(scores, index, strata, opt)
	if err != nil {
		return nil, err
	}
	if !arrays.Finite(opt.Alpha) {
		return nil, fmt.Errorf("stratified_grpo: alpha is %v, want a finite number", opt.Alpha)
	}
	a := opt.Alpha
	for i := range san {
		san[i] = a*san[i] + (1-a)*gn[i]
	}
	return san, nil
}

// Stratified is Stratified GRPO at token level: the scores are
// R_i = Σ_t r[i][t] (as verl's GRPO) and the advantage StratifiedScalar(R)_i
// is broadcast as A_i·mask[i][t]. Rows may be ragged.
//
// Paper: "Stratified GRPO" (arXiv:2510.06214), methods.md #5.
func Stratified(tokenLevelRewards, mask [][]float64, index, strata []string, opt StratifiedOptions) ([][]float64, error) {
	scores, err := rowSums("stratified_grpo", tokenLevelRewards, mask)
	if err != nil {
		return nil, err
	}
	a, err := StratifiedScalar(scores, index, strata, opt)
	if err != nil {
		return nil, err
	}
	return Broadcast(a, mask)
}

// CrossStratumBias returns, per trajectory, μ_k - μ_g: the mean reward of
// its stratum minus the mean reward of its prompt group. The paper's
// Proposition 1 decomposes the mean-centred global advantage as
// (R_i - μ_g) = (R_i - μ_k) + (μ_k - μ_g); this is the second term, the
// offset SAN removes.
func CrossStratumBias(scores []float64, index, strata []string) ([]float64, error) {
	const est = "stratified_grpo"
	if err := checkRows(est, "index", len(index), "scores", len(scores)); err != nil {
		return nil, err
	}
	if err := checkRows(est, "strata", len(strata), "scores", len(scores)); err != nil {
		return nil, err
	}
	g, ng := groups.Index(index)
	keys := make([]string, len(scores))
	for i := range keys {
		keys[i] = fmt.Sprintf("%d\x00%s", g[i], strata[i])
	}
	k, nk := groups.Index(keys)
	mg, _ := groupMeans(scores, g, ng)
	mk, _ := groupMeans(scores, k, nk)
	out := make([]float64, len(scores))
	for i := range out {
		out[i] = mk[k[i]] - mg[g[i]]
	}
	return out, nil
}

// rowSums returns Σ_t r[i][t] per row after checking that r and mask have
// the same (ragged) shape and are finite.
func rowSums(est string, r, mask [][]float64) ([]float64, error) {
	if len(r) != len(mask) {
		return nil, fmt.Errorf("%s: token_level_rewards has %d rows, response_mask has %d", est, len(r), len(mask))
	}
	out := make([]float64, len(r))
	for i, row := range r {
		if len(row) != len(mask[i]) {
			return nil, fmt.Errorf("%s: response_mask row %d has %d values, token_level_rewards has %d", est, i, len(mask[i]), len(row))
		}
		// Four accumulators: the loop is bound by the adds' latency otherwise.
		var s0, s1, s2, s3 float64
		n := len(row) &^ 3
		for t := 0; t < n; t += 4 {
			x := row[t : t+4 : t+4]
			s0 += x[0]
			s1 += x[1]
			s2 += x[2]
			s3 += x[3]
		}
		for t := n; t < len(row); t++ {
			s0 += row[t]
		}
		s := (s0 + s1) + (s2 + s3)
		if !arrays.Finite(s) {
			return nil, fmt.Errorf("%s: token_level_rewards row %d contains a NaN or infinite value", est, i)
		}
		out[i] = s
	}
	return out, nil
}
